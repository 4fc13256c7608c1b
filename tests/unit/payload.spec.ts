/**
 * compactProgram (components/remote/payload.ts): the remote programs travel without comment and
 * blank lines. Dropping a line is safe only outside strings, or inside an awk program (where `#` starts
 * a comment too); these tests check that for every program, and that bash still parses each one.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { compactProgram } from "../../components/remote/payload";

const REMOTE = path.join(__dirname, "..", "..", "remote");
const programs = fs.readdirSync(REMOTE).filter((f) => f.endsWith(".sh"));

/**
 * For each line, the quote it starts inside of (the line where that quote opened), or undefined
 * outside quotes. A small lexer for the bash the programs use: '…', "…", backslash escapes, # comments.
 */
function quoteContext(text: string): Array<{ quote: "'" | '"'; openedOn: string } | undefined> {
    const lines = text.split("\n");
    const context: Array<{ quote: "'" | '"'; openedOn: string } | undefined> = [];
    let open: { quote: "'" | '"'; openedOn: string } | undefined;
    for (const line of lines) {
        context.push(open);
        for (let i = 0; i < line.length; i++) {
            const c = line[i];
            if (open?.quote === "'") {
                if (c === "'") open = undefined;
            } else if (c === "\\") {
                i++;
            } else if (open?.quote === '"') {
                if (c === '"') open = undefined;
            } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
                break;
            } else if (c === "'" || c === '"') {
                open = { quote: c, openedOn: line };
            }
        }
    }
    return context;
}

describe("the remote programs as they travel (compactProgram)", () => {
    for (const file of programs) {
        it(`${file}: drops comment and blank lines only outside strings or inside awk programs, and bash parses the rest`, () => {
            const text = fs.readFileSync(path.join(REMOTE, file), "utf8");
            assert.doesNotMatch(text, /<<-?\s*['"]?[A-Za-z_]+/, "a heredoc: its lines are data");
            const context = quoteContext(text);
            text.split("\n").forEach((line, i) => {
                const inside = context[i];
                if (!/^\s*(#|$)/.test(line) || inside === undefined) return;
                assert.ok(inside.quote === "'" && /awk|_AWK=/.test(inside.openedOn), `${file}:${i + 1} would be dropped inside a string opened by: ${inside.openedOn}`);
            });
            const compact = compactProgram(text);
            assert.ok(!/^\s*#/m.test(compact) && !/^\s*$/m.test(compact.trimEnd()));
            execFileSync("bash", ["-n"], { input: compact });
        });
    }

    it("keeps every other line as it was, in order", () => {
        const text = "# header\nset -u\n\n    # indented comment\nfoo() { echo '#not a comment'; } # trailing\n  bar\n";
        assert.strictEqual(compactProgram(text), "set -u\nfoo() { echo '#not a comment'; } # trailing\n  bar");
    });
});
