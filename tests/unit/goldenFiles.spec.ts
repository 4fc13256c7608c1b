/**
 * Golden files of what a data node's and a sentinel's step write (redis.conf, sentinel.conf, both
 * units) and of one assembled step program as it travels (the data node's, running the installed
 * programs by hash, its files and plain inputs staged on the host). A change to any of them shows as a reviewed diff of tests/unit/golden/.
 */
import { resolveClusterSpec } from "../../components/config/validate";
import { renderRedisConf, renderSentinelConf, renderUnit } from "../../components/render/render";
import { clusterSteps } from "../../components/plan/clusterSteps";
import { installedProgram, stageInputs, stageVars } from "../../components/remote/payload";
import { RedisStepInputs } from "../../components/remote/inputs";
import { golden } from "../fixtures/golden";
import { threeHostTopology } from "../fixtures/topology";

const PASSWORD = "golden-password-0123456789";

describe("golden files: data node, sentinel, one assembled program", () => {
    const spec = resolveClusterSpec(threeHostTopology());

    it("redis.conf and sentinel.conf of the configured master's host", () => {
        golden("redis.conf", renderRedisConf(spec, spec.master, PASSWORD));
        golden("sentinel.conf", renderSentinelConf(spec, spec.master, PASSWORD));
    });

    it("the data node's and the sentinel's units", () => {
        golden("redis-ha-dev-server.service", renderUnit(spec, "server"));
        golden("redis-ha-dev-sentinel.service", renderUnit(spec, "sentinel"));
    });

    it("with `server: valkey`, the units run Debian's valkey-server as its valkey user", () => {
        const valkey = resolveClusterSpec(threeHostTopology({ server: "valkey" }));
        golden("redis-ha-dev-server.valkey.service", renderUnit(valkey, "server"));
        golden("redis-ha-dev-sentinel.valkey.service", renderUnit(valkey, "sentinel"));
    });

    it("the data node's step program: the hash of its staged inputs, its staged files' hashes and secret lines, the installed files it runs, by hash; and its staged inputs", () => {
        const step = clusterSteps(spec).find((s) => s.id === `${spec.master.name}-redis-apply`)!;
        const staged = stageInputs(stageVars(step.inputs(PASSWORD, "") as RedisStepInputs, step.files ?? []), step.inputsFile);
        golden("apply-redis.program", installedProgram("apply-redis", staged, PASSWORD));
        golden("apply-redis.inputs", step.inputsFile!.text);
    });
});
