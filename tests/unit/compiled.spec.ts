/**
 * stack/compiled.ts: the CLI's compiled program refuses to run when a source is newer than it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuildCurrent, sourcesNewerThan } from "../../stack/compiled";

describe("the compiled program's freshness check", () => {
    let root = "";
    const touch = (rel: string, at: number) => {
        const file = path.join(root, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "");
        fs.utimesSync(file, at / 1000, at / 1000);
    };
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "rh-compiled-"));
        const t = Date.now() - 100_000;
        for (const rel of ["index.ts", "components/config/spec.ts", "stack/config.ts", "components/x.d.ts", "templates/redis.conf.njk"]) touch(rel, t);
        touch("bin/index.js", t + 10_000);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("passes a build newer than every source, and any entry that is not compiled (ts-node, tsx)", () => {
        assert.deepStrictEqual(sourcesNewerThan(root, fs.statSync(path.join(root, "bin/index.js")).mtimeMs), []);
        assert.doesNotThrow(() => assertBuildCurrent(path.join(root, "bin/index.js"), (m) => new Error(m)));
        touch("stack/config.ts", Date.now());
        assert.doesNotThrow(() => assertBuildCurrent(path.join(root, "index.ts"), (m) => new Error(m)));
    });

    it("names the newer TypeScript sources (not declarations or templates) and the fix", () => {
        const now = Date.now();
        for (const rel of ["stack/config.ts", "components/config/spec.ts", "components/x.d.ts", "templates/redis.conf.njk", "index.ts", "components/hostStep.ts"]) touch(rel, now);
        assert.throws(
            () => assertBuildCurrent(path.join(root, "bin/index.js"), (m) => new Error(m)),
            (err: Error) => {
                assert.strictEqual(
                    err.message,
                    `redis-ha: the compiled program (bin/) is older than components/config/spec.ts, components/hostStep.ts, index.ts and 1 more. Fix: run \`npm run build\` in ${root}, then run pulumi again`,
                );
                return true;
            },
        );
    });
});
