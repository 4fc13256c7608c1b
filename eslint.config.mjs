// Lint for every TypeScript file: typescript-eslint's strict type-checked rules and Pulumi's own
// (an Output in a template literal is a bug). Run by scripts/test.sh.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", ".redis-ha/**", "eslint.config.mjs"] },
    ...tseslint.configs.strictTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // Numbers and booleans read fine in messages; what must not reach a template is an object or an Output.
            "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
            // `x => (y += s)` handlers and `() => assert...` callbacks are idioms, not confusion.
            "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
        },
    },
    {
        // Validation of stack config and component args: the values come from YAML or JavaScript
        // callers, so the checks that the declared types make look "unnecessary" are the point.
        files: ["components/config/**/*.ts", "stack/**/*.ts"],
        rules: { "@typescript-eslint/no-unnecessary-condition": "off" },
    },
    {
        // The component package's CommonJS entry (it registers ts-node before any TypeScript loads).
        files: ["provider/index.js"],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: { sourceType: "commonjs", parserOptions: { projectService: false }, globals: { require: "readonly", module: "writable", __dirname: "readonly" } },
        rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off", "@pulumi/no-output-in-template-literal": "off", "@pulumi/no-output-instance-in-template-literal": "off" },
    },
    {
        // With noUncheckedIndexedAccess, `!` on a lookup the test has just asserted is the readable idiom;
        // `after` hooks check what a failed `before` may have left unset; fault scenarios implement an async interface.
        files: ["tests/**/*.ts", "bench/**/*.ts"],
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/no-unnecessary-condition": "off",
            "@typescript-eslint/require-await": "off",
        },
    },
);
