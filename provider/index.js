// Entry point of the component package. The component host runs it from the consumer's directory,
// so the sources are compiled here, with this directory's tsconfig.json; the schema comes from
// index.ts (Pulumi's analyzer reads the types, never this file).
require("ts-node").register({ project: require("path").join(__dirname, "tsconfig.json"), transpileOnly: true });
module.exports = require("./index.ts");
