import * as fs from "fs";
import * as path from "path";

/**
 * The directory of redis-ha's package.json, found from this file whether it runs from source
 * (components/) or compiled (bin/components/), so templates and remote scripts always come from the
 * package and never from the caller's working directory.
 */
export function packageRoot(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "templates")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`redis-ha: cannot find the package's templates above ${__dirname}`);
    }
}
