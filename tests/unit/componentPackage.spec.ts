/**
 * The component package (provider/) that programs in other languages use: Pulumi's Node.js
 * component host builds the schema by reading RedisHaCluster's TypeScript types, and refuses types
 * it cannot express (unions other than string enums, anonymous object types). This reads them the
 * same way, without the engine, so a change that would break `pulumi package add` fails here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Analyzer, AnalyzeResult, PropertyDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { TYPED_SETTINGS } from "../../components/config/directiveTable";

const ROOT = path.join(__dirname, "..", "..");
const PROVIDER = path.join(ROOT, "provider");
const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; version: string };

describe("component package: the schema other languages are generated from", function () {
    this.timeout(120_000);
    let schema: AnalyzeResult;
    before(() => {
        schema = new Analyzer(PROVIDER, "redis-ha", manifest(PROVIDER), new Set(["RedisHaCluster"])).analyze();
    });

    it("has the package's name and version, so the generated SDK is the package's", () => {
        assert.deepStrictEqual([manifest(PROVIDER).name, manifest(PROVIDER).version], [manifest(ROOT).name, manifest(ROOT).version]);
    });

    it("reads RedisHaCluster's inputs and outputs off its types: topology plain, secrets as inputs, every field documented", () => {
        const cluster = schema.components.RedisHaCluster;
        assert.ok(cluster, "RedisHaCluster is not in the schema");
        const inputs = cluster.inputs;
        for (const field of ["clusterName", "hosts", "master", "replicas", "sentinels", "redis", "sentinel", "ssh", "acl", "tls", "ipAllowList", "hostTuning", "frontend", "metrics"]) {
            assert.strictEqual(inputs[field]?.plain, true, `${field} must be plain: it decides which resources exist`);
        }
        for (const secret of ["password", "sshPrivateKey", "tlsPrivateKeys"]) {
            assert.ok(inputs[secret] && !inputs[secret].plain, `${secret} must be an Input (a secret from the caller)`);
        }
        assert.strictEqual(inputs.password?.optional, undefined, "password is required");
        assert.deepStrictEqual(Object.keys(cluster.outputs).sort(), ["connection", "masterName", "nodes", "scrapeTargets", "sentinelEndpoints"]);
        const undocumented = (props: Record<string, PropertyDefinition>, where: string) =>
            Object.entries(props).filter(([, p]) => !p.description).map(([k]) => `${where}.${k}`);
        const missing = [
            ...undocumented(inputs, "RedisHaClusterArgs"),
            ...Object.values(schema.typeDefinitions).flatMap((t) => undocumented(t.properties ?? {}, t.name)),
        ];
        assert.deepStrictEqual(missing, [], "fields without JSDoc: their SDK docs would be empty");
    });

    it("has a row in the directive table for every typed redis setting, and no row without one", () => {
        const keys = Object.keys(schema.typeDefinitions.RedisSettings?.properties ?? {}).filter((k) => k !== "extraDirectives");
        assert.deepStrictEqual(keys.sort(), TYPED_SETTINGS.map((t) => t.key).sort());
    });

    it("turns each set of allowed values into an enum with the values validation accepts", () => {
        const values = (name: string) => schema.typeDefinitions[name]?.enum?.map((m) => String(m.value)).sort();
        assert.deepStrictEqual(values("AppendFsync"), ["always", "everysec", "no"]);
        assert.deepStrictEqual(values("Executor"), ["command", "dynamic"]);
        assert.deepStrictEqual(values("ServerKind"), ["redis", "valkey"]);
        assert.deepStrictEqual(values("TlsAuthClients"), ["no", "optional", "yes"]);
        assert.ok(values("MaxmemoryPolicy")?.includes("allkeys-lru"));
        assert.ok(values("LogLevel")?.includes("notice"));
        assert.deepStrictEqual(values("NodeRole"), ["frontend", "master", "replica", "sentinel"]);
        assert.deepStrictEqual(values("ExporterKind"), ["sentinel", "server"]);
    });
});
