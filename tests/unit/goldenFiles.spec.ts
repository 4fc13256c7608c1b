/**
 * Golden files of what a data node's and a sentinel's step write (redis.conf, sentinel.conf, both
 * units) and of one assembled step program as it travels (the data node's, running the installed
 * programs by hash, its files staged on the host). A change to any of them shows as a reviewed diff of tests/unit/golden/.
 */
import { resolveClusterSpec } from "../../components/config/validate";
import { renderRedisConf, renderSentinelConf, renderUnit } from "../../components/render/render";
import { REVIEW_PASSWORD, redisStepVars, reviewedFiles } from "../../components/plan/steps";
import { installedProgram, stageVars } from "../../components/remote/payload";
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

    it("the data node's step program: its inputs, its staged files' hashes and secret lines, and the installed files it runs, by hash", () => {
        const staged = stageVars(redisStepVars(spec, spec.master, PASSWORD), reviewedFiles(redisStepVars(spec, spec.master, REVIEW_PASSWORD)));
        golden("apply-redis.program", installedProgram("apply-redis", staged, PASSWORD));
    });
});
