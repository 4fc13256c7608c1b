/**
 * Which executor a lab stack was deployed with, read from its state: `lab.sh` keeps it on a re-run.
 * The resource types are the ones the engine records (see tests/unit/cluster.spec.ts).
 */
import * as assert from "assert";
import { executorOfResources } from "../../lab/automation";

const urn = (type: string, name: string) => `urn:pulumi:lab::redis-ha::redis-ha:index:RedisHaCluster$redis-ha:index:RedisDataNode$${type}::${name}`;

describe("the executor of a deployed lab", () => {
    it("is `dynamic` for ShellCommand steps, `command` for remote.Command steps", () => {
        const dynamicType = "pulumi-nodejs:dynamic/redis-ha:ShellCommand";
        const drift = { type: dynamicType, urn: urn(dynamicType, "lab-lab-1-redis-apply-drift") };
        assert.strictEqual(executorOfResources([drift, { type: dynamicType, urn: urn(dynamicType, "lab-lab-1-redis-apply") }]), "dynamic");
        assert.strictEqual(executorOfResources([drift, { type: "command:remote:Command", urn: urn("command:remote:Command", "lab-lab-1-redis-apply") }]), "command");
    });

    it("is unknown when no step is deployed (preflights and drift checks are ShellCommands on either executor)", () => {
        const dynamicType = "pulumi-nodejs:dynamic/redis-ha:ShellCommand";
        assert.strictEqual(executorOfResources([]), undefined);
        assert.strictEqual(executorOfResources([{ type: dynamicType, urn: urn(dynamicType, "lab-lab-1-preflight") }, { type: dynamicType, urn: urn(dynamicType, "lab-lab-1-redis-apply-drift") }]), undefined);
    });
});
