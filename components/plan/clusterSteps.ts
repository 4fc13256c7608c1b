/**
 * The whole plan of a cluster as one pure function: every step (what runs on which host, its inputs,
 * its removal, its drift check, what a reviewer reads of it, what it runs after and what makes it run
 * again). No Pulumi here: RedisHaCluster and the node components map these descriptions to
 * resources (hostStep.ts's plannedHostStep), and tests/unit/clusterSteps.spec.ts snapshots them.
 */
import { ClusterSpec, HostSpec } from "../config/spec";
import { RemoteStep, StagedFile, StagedInputs, isNodeRemoval, keptRemoval, programFiles, stagedSha } from "../remote/payload";
import { CheckInputs, ProgramInputs, ProgramsRemovalInputs, RemovalInputs, UnitRemovalInputs } from "../remote/inputs";
import {
    checkVars,
    deploymentPlan,
    exporterRemovalVars,
    exporterStepVars,
    frontendRemovalVars,
    frontendStepVars,
    healthGateVars,
    installVars,
    preflightVars,
    programsRemovalVars,
    redisStepVars,
    removalVars,
    REVIEW_PASSWORD,
    reviewedFiles,
    reviewedInputs,
    sentinelStepVars,
} from "./steps";

/** The node components a step can belong to (their type tokens are `redis-ha:index:<type>`). */
export type StepGroupType = "RedisDataNode" | "SentinelNode" | "RedisFrontend" | "RedisExporter";

/** One step of the plan. Ids are resource names without the cluster's resource name and a dash. */
export interface PlannedStep<S extends RemoteStep = RemoteStep> {
    /** The step's resource name, e.g. `console-redis-apply`. */
    id: string;
    /** The node component it is the step of (e.g. RedisDataNode `console-redis`), or none: a step of the cluster itself. */
    group?: { type: StepGroupType; id: string; exporterKind?: "server" | "sentinel" };
    /** The host it runs on. */
    host: HostSpec;
    /** The remote program it runs. */
    program: S;
    /** Its inputs, given the resolved password and the revision of what it waits on (`rerunWith`). */
    inputs: (password: string, revision: string) => ProgramInputs[S];
    /** Whether the host's TLS private key is a (secret) input of it. */
    tlsKey: boolean;
    /** What its removal removes (none: it leaves nothing behind). */
    removal?: RemovalInputs | UnitRemovalInputs | ProgramsRemovalInputs;
    /** The preflight: the drift checks it runs on refresh, of the steps on its host that own a service which drifts (data node, sentinel). */
    checks?: Array<{ step: string; check: CheckInputs }>;
    /**
     * The preflight: what its host must hold for its steps and their removals, under the programs
     * directory (`<sha>.sh` installed, `staged/<sha>`, `removal/<sha>` kept by a step), and the steps
     * that put it there. When one is missing or changed on refresh (the directory removed, a first
     * `up` cut short), `steps` are marked for repair, instead of the refresh failing.
     */
    hostFiles?: { steps: string[]; files: string[] };
    /**
     * The files it writes, secrets masked: its host's programs step stages them (and `pulumi preview
     * --diff` shows them there, line by line), and the step carries only their hashes and secret lines.
     */
    files?: StagedFile[];
    /** Its plain inputs (no secret, no file), staged by its host's programs step like its files: the step carries their hash. */
    inputsFile?: StagedInputs;
    /** The install step: the files it stages, those of every step on its host (their files and plain inputs). */
    stages?: StagedFile[];
    /** `dynamic`: always redis-ha's executor (the first contact with a host, the programs); `cluster`: the cluster's. */
    executor: "dynamic" | "cluster";
    /** Ids of the steps or groups it runs after: created after them, removed before them. */
    after: string[];
    /**
     * What makes it run again besides its own inputs: the programs of these steps changing (the
     * preflight: before any of them runs, and when the executor changes), or these groups having run
     * (the gate: after any of them ran, drift repairs included).
     */
    rerunWith?: { revisionsOf: string[]; executor: boolean } | { ranOf: string[] };
    /** Whether it runs the host's installed programs (every step but the preflight and the install itself). */
    installed: boolean;
}

const groupOf = (s: PlannedStep) => s.group?.id ?? s.id;

/**
 * The steps of a cluster, in the order they are registered: a preflight on every host, the programs
 * on every host (on the gate host, new passwords accepted too), data nodes one at a time (replicas
 * first, the configured master last), sentinels one at a time, the exporters, the frontends one at a
 * time, the health gate (old passwords retired first). See README "How a deployment runs" for why
 * each comes where it does.
 */
export function clusterSteps(spec: ClusterSpec): PlannedStep[] {
    const plan = deploymentPlan(spec);
    const gate = plan.gateHost;
    const preflightIds = plan.hosts.map((h) => `${h.name}-preflight`);
    const steps: PlannedStep[] = [];
    const add = <S extends RemoteStep>(s: PlannedStep<S>) => steps.push(s);

    // The node steps first (in their order), so that the preflight can name them; registered after it.
    const nodes: PlannedStep[] = [];
    const addNode = <S extends RemoteStep>(s: PlannedStep<S>) => nodes.push(s);
    // The gate host's install step makes every node accept a new password: no node step before it.
    let previous = `${gate.name}-programs`;
    for (const host of plan.dataNodes) {
        const step = dataNodeStep(spec, host);
        addNode({ ...step, after: [previous] });
        previous = groupOf(step);
    }
    for (const host of plan.sentinels) {
        const step = sentinelStep(spec, host);
        // Also after its own host's data node: when a host leaves the cluster, its sentinel is removed
        // first and its data node after, so the data node's removal resets sentinels last.
        const own = plan.dataNodes.some((h) => h.name === host.name) ? [`${host.name}-redis`] : [];
        addNode({ ...step, after: [...new Set([previous, ...own])] });
        previous = groupOf(step);
    }
    // Exporters side by side (they only read), after the last sentinel; then the frontends one at a
    // time, so that one of them always serves the VIP. Both before `retire`: their files carry the
    // password, so during a rotation they switch to the new one while the old is still accepted.
    const lastNode = previous;
    for (const { host, kind } of plan.exporters) addNode({ ...exporterStep(spec, host, kind), after: [lastNode] });
    let previousFrontend = lastNode;
    for (const host of plan.frontends) {
        const step = frontendStep(spec, host);
        addNode({ ...step, after: [previousFrontend] });
        previousFrontend = groupOf(step);
    }

    // Preflight on every host, re-run exactly when some node step will run: if one host is missing
    // a package, holds a port or cannot be reached, the update fails before any host changes.
    for (const host of plan.hosts) {
        add({
            id: `${host.name}-preflight`,
            host,
            program: "preflight",
            inputs: (_password, revision) => preflightVars(spec, host, revision),
            tlsKey: false,
            checks: driftChecks(spec, host, nodes),
            hostFiles: hostFiles(host, nodes),
            executor: "dynamic",
            after: [],
            rerunWith: { revisionsOf: nodes.map((n) => n.id), executor: true },
            installed: false,
        });
    }
    // Then the remote programs, once per host (each file under its hash), and the files of the host's
    // steps (secrets masked), after every preflight passed.
    for (const host of plan.hosts) {
        add({
            id: `${host.name}-programs`,
            host,
            program: "install",
            inputs: (password) => installVars(spec, host, password),
            tlsKey: false,
            stages: stagesOf(host, nodes),
            removal: programsRemovalVars(spec, host),
            executor: "dynamic",
            after: preflightIds,
            installed: false,
        });
    }
    steps.push(...nodes);
    const groups = [...new Set(nodes.map(groupOf))];
    // The gate re-runs exactly when some step above ran, and fails the update if the cluster is not healthy.
    add({
        id: "health-gate",
        host: gate,
        program: "health-gate",
        inputs: (password, revision) => healthGateVars(spec, revision, password),
        tlsKey: false,
        executor: "cluster",
        after: groups,
        rerunWith: { ranOf: groups },
        installed: true,
    });
    return steps;
}

/** The files the programs step of `host` stages: those of the host's node steps (their files and plain inputs). */
function stagesOf(host: HostSpec, nodes: PlannedStep[]): StagedFile[] {
    return nodes.filter((n) => n.host.name === host.name).flatMap((n) => [...(n.files ?? []), ...(n.inputsFile ? [n.inputsFile] : [])]);
}

/** What `host` must hold under its programs directory, and which steps put it there (PlannedStep.hostFiles). */
function hostFiles(host: HostSpec, nodes: PlannedStep[]): NonNullable<PlannedStep["hostFiles"]> {
    const own = nodes.filter((n) => n.host.name === host.name);
    const kept = own.flatMap((n) => (n.removal && isNodeRemoval(n.removal) ? [keptRemoval(n.removal).input] : []));
    return {
        steps: [`${host.name}-programs`, ...own.map((n) => n.id)],
        files: [
            ...programFiles("check").map((f) => `${f.sha256}.sh`),
            ...stagesOf(host, nodes).map((f) => `staged/${stagedSha(f.text)}`),
            ...kept.map((text) => `removal/${stagedSha(text)}`),
        ],
    };
}

/** The drift checks the preflight of `host` runs on refresh: of its data node and its sentinel (frontends and exporters have none). */
function driftChecks(spec: ClusterSpec, host: HostSpec, nodes: PlannedStep[]): Array<{ step: string; check: CheckInputs }> {
    const kinds: Partial<Record<RemoteStep, "server" | "sentinel">> = { "apply-redis": "server", "apply-sentinel": "sentinel" };
    return nodes.flatMap((n) => {
        const kind = kinds[n.program];
        return kind && n.host.name === host.name ? [{ step: n.id, check: checkVars(spec, host, kind) }] : [];
    });
}

type NodeProgram = "apply-redis" | "apply-sentinel" | "apply-exporter" | "apply-frontend";

/**
 * A node step (its component `group`), before it is ordered: `render` gives its inputs for a
 * password. It keeps its removal's inputs on its host (RH_KEPT_REMOVAL, see payload.ts keptRemoval),
 * and its host's programs step stages its files and plain inputs, rendered for the stand-in
 * password (what `pulumi preview --diff` shows).
 */
function nodeStep<S extends NodeProgram>(
    spec: ClusterSpec,
    host: HostSpec,
    group: NonNullable<PlannedStep["group"]>,
    program: S,
    render: (password: string) => ProgramInputs[S],
    removal: RemovalInputs | UnitRemovalInputs,
    tlsKey: boolean,
): PlannedStep<S> {
    const id = `${group.id}-apply`;
    const kept = keptRemoval(removal).input;
    const inputs = (password: string): ProgramInputs[S] => ({ ...render(password), RH_KEPT_REMOVAL: kept });
    const review = inputs(REVIEW_PASSWORD);
    const files = reviewedFiles(review);
    return { id, group, host, program, inputs, tlsKey, removal, files, inputsFile: reviewedInputs(spec, id, review, files), executor: "cluster", after: [], installed: true };
}

/** The data-node step of `host` (component RedisDataNode `<host>-redis`), before it is ordered. */
export function dataNodeStep(spec: ClusterSpec, host: HostSpec): PlannedStep<"apply-redis"> {
    const group = { type: "RedisDataNode" as const, id: `${host.name}-redis` };
    return nodeStep(spec, host, group, "apply-redis", (password) => redisStepVars(spec, host, password), removalVars(spec, host, "server"), true);
}

/** The sentinel step of `host` (component SentinelNode `<host>-sentinel`). */
export function sentinelStep(spec: ClusterSpec, host: HostSpec): PlannedStep<"apply-sentinel"> {
    const group = { type: "SentinelNode" as const, id: `${host.name}-sentinel` };
    return nodeStep(spec, host, group, "apply-sentinel", (password) => sentinelStepVars(spec, host, password), removalVars(spec, host, "sentinel"), true);
}

/** The step of one exporter on `host` (component RedisExporter `<host>-<kind>-exporter`). */
export function exporterStep(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): PlannedStep<"apply-exporter"> {
    const group = { type: "RedisExporter" as const, id: `${host.name}-${kind}-exporter`, exporterKind: kind };
    return nodeStep(spec, host, group, "apply-exporter", (password) => exporterStepVars(spec, host, kind, password), exporterRemovalVars(spec, host, kind), false);
}

/** The frontend step of `host` (component RedisFrontend `<host>-frontend`). */
export function frontendStep(spec: ClusterSpec, host: HostSpec): PlannedStep<"apply-frontend"> {
    const group = { type: "RedisFrontend" as const, id: `${host.name}-frontend` };
    return nodeStep(spec, host, group, "apply-frontend", (password) => frontendStepVars(spec, host, password), frontendRemovalVars(spec, host), false);
}
