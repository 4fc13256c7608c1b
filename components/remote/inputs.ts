/**
 * The inputs of each remote program (remote/*.sh), as the RH_* variables it reads. One type per
 * program, built from shared parts, so that a program's inputs are written down once and the
 * functions in plan/steps.ts that fill them are checked against it. Values are strings or numbers;
 * lists are space-separated words.
 */

/** What every program gets: where it runs, the cluster's layout, our paths and how long to wait. */
export type CommonInputs = {
    /** The host's name in the stack (log prefix). */
    RH_HOST: string;
    /** The Sentinel master name (the cluster name). */
    RH_MASTER_NAME: string;
    /** The server (`server`: redis or valkey), its binary, its CLI and their Debian packages (named in the programs' messages). */
    RH_SERVER: string;
    RH_REDIS_SERVER_BIN: string;
    RH_CLI: string;
    RH_SERVER_PACKAGE: string;
    RH_TOOLS_PACKAGE: string;
    /** The account the server package creates, which our services run as. */
    RH_SERVICE_USER: string;
    RH_SERVICE_GROUP: string;
    /** Roots shared by every cluster on the host (removed when the last cluster leaves). */
    RH_CONFIG_ROOT: string;
    RH_DATA_ROOT: string;
    RH_LOG_ROOT: string;
    /** This cluster's directories. */
    RH_CONFIG_DIR: string;
    RH_DATA_DIR: string;
    RH_LOG_DIR: string;
    /** Where this cluster's programs are installed, each file under its SHA-256 (remote/install.sh). */
    RH_PROGRAMS_DIR: string;
    RH_REDIS_PORT: number;
    RH_SENTINEL_PORT: number;
    /** The address this host announces to the others (replication, Sentinel). */
    RH_ANNOUNCE_ADDRESS: string;
    /** The configured master's address: used only before any sentinel runs (first deploy). */
    RH_INITIAL_MASTER_ADDRESS: string;
    /** Every sentinel as ip:port. */
    RH_SENTINEL_ADDRESSES: string;
    RH_QUORUM: number;
    /** Seconds to wait for a failover, a service start, a replica's sync, Sentinel discovery, the health gate. */
    RH_WAIT_FAILOVER: number;
    RH_WAIT_START: number;
    RH_WAIT_SYNC: number;
    RH_WAIT_DISCOVERY: number;
    RH_WAIT_HEALTH: number;
};

/** Where a service's TLS files are (RH_TLS=yes), or the directory to remove (no). */
export type TlsPathInputs = {
    RH_TLS: "yes" | "no";
    RH_TLS_DIR: string;
    RH_TLS_CA_FILE?: string;
    RH_TLS_CERT_FILE?: string;
    RH_TLS_KEY_FILE?: string;
};

/** The same, with the public files' contents (base64) for the steps that install them. */
export type TlsInputs = TlsPathInputs & {
    RH_TLS_CA?: string;
    RH_TLS_CERT?: string;
};

/** The host's TLS private key (base64): a secret, on stdin like the password. */
export type TlsKeyInput = { RH_TLS_KEY?: string };

/** Added by hostStep to a step that owns a service: its owner token and where the host records it. */
export type OwnerInputs = { RH_OWNER?: string; RH_OWNER_FILE?: string };
/** A step's removal inputs (bash assignments), which the step keeps on its host for its removal (payload.ts keptRemoval). */
export type KeptRemovalInputs = { RH_KEPT_REMOVAL?: string };

/** What `wait_healthy` expects of the whole cluster. */
export type HealthExpectations = {
    /** Every data node as ip:port. */
    RH_DATA_ADDRESSES: string;
    RH_EXPECT_REPLICAS: number;
    RH_EXPECT_OTHER_SENTINELS: number;
};

/** remote/preflight.sh */
export type PreflightInputs = CommonInputs & {
    /** `port:unit` words: each port must be free or held by that unit of ours. */
    RH_PORTS: string;
    /** Changes when some step will run: the preflight runs then. */
    RH_REVISION: string;
    /** tcp-backlog Redis will run with (data nodes; empty elsewhere), for the host warnings. */
    RH_TCP_BACKLOG: string;
    /** "no" on a host that runs only a frontend: it needs redis-cli, not redis-server (absent: "yes"). */
    RH_REDIS_HOST?: "yes" | "no";
    /** `package:binary` words the host's frontend or exporters need (absent: none). */
    RH_BINARIES?: string;
    /** Our data node's and sentinel's units on this host: a deployed one must run the stack's server. */
    RH_SERVER_UNITS?: string;
    /** The config-table directives of this host's redis.conf, each of which its server must accept (data nodes). */
    RH_DIRECTIVES?: string;
};

/** `hostTuning` of a data node's host; the files' contents only when on. */
export type HostTuningInputs = {
    RH_HOST_TUNING: "yes" | "no";
    RH_SYSCTL_PATH: string;
    RH_THP_UNIT: string;
    RH_THP_UNIT_PATH: string;
    RH_SYSCTL_FILE?: string;
    RH_THP_UNIT_FILE?: string;
};

/** Directives the data node's step and check treat apart (space-separated names). */
export type DirectiveListInputs = {
    /** Changed: restart (after a hand-over on the master). */
    RH_RESTART_DIRECTIVES: string;
    /** Never set live by the node's step: the rotation's steps do (remote/auth.sh). */
    RH_PASSWORD_DIRECTIVES: string;
    /** Sentinel's once the cluster runs (replicaof): never compared, never put back. */
    RH_SENTINEL_OWNED: string;
};

/** What the step of a data node or sentinel needs to move it to another server (redis <-> valkey), whose packages run it as another account. */
export type ServiceAccountInputs = {
    /** The other of our units on this host (the sentinel of a data node's host, and the reverse; empty: none): while it still runs as the old account, the shared directories stay writable for it. */
    RH_PEER_UNIT: string;
    /** This service's own files, given to its account whenever it (re)starts. */
    RH_SERVICE_FILES: string;
};

/** remote/apply-redis.sh */
export type RedisStepInputs = CommonInputs &
    KeptRemovalInputs &
    TlsInputs &
    DirectiveListInputs &
    ServiceAccountInputs &
    HostTuningInputs & {
        RH_REDIS_UNIT: string;
        RH_REDIS_UNIT_PATH: string;
        /** The unit and redis.conf, base64. */
        RH_REDIS_UNIT_FILE: string;
        RH_REDIS_CONF_PATH: string;
        RH_REDIS_CONF: string;
        /** Users whose old passwords the written file keeps granting while a rotation is under way. */
        RH_AUTH_USERS: string;
        RH_DATA_ADDRESSES: string;
    };

/** remote/apply-sentinel.sh */
export type SentinelStepInputs = CommonInputs &
    KeptRemovalInputs &
    TlsInputs &
    ServiceAccountInputs & {
        RH_SENTINEL_UNIT: string;
        RH_SENTINEL_UNIT_PATH: string;
        RH_SENTINEL_UNIT_FILE: string;
        RH_SENTINEL_CONF_PATH: string;
        RH_SENTINEL_CONF: string;
        RH_EXPECT_REPLICAS: number;
        RH_AUTH_USERS: string;
    };

/**
 * remote/auth.sh: a phase of the password rotation, on the gate host for the whole cluster: `accept`
 * in its install step (before any node's step), `retire` in the health gate (after the last).
 */
export type AuthInputs = CommonInputs &
    TlsPathInputs & {
        RH_AUTH_PHASE: "accept" | "retire";
        RH_ACL: "yes" | "no";
        RH_DATA_ADDRESSES: string;
        /** `user:sha256` words: what each data node / sentinel must accept. */
        RH_DATA_AUTH: string;
        RH_SENTINEL_AUTH: string;
        /** SHA-256 of the replicas' new `masterauth`: checked before the old passwords go. */
        RH_MASTERAUTH_SHA256: string;
        /** This host's configs, where the password the cluster runs with is stored. */
        RH_REDIS_CONF_PATH: string;
        RH_SENTINEL_CONF_PATH: string;
        /** With ACL users, each one's rules (`user:rules` entries separated by `;`), given to it on every data node by `accept`. */
        RH_ACL_RULES?: string;
    };

/** What auth.sh needs besides what every program gets. */
type AuthPhaseInputs = Omit<AuthInputs, keyof CommonInputs | keyof TlsPathInputs>;
/** remote/auth.sh (`retire`), then remote/health-gate.sh */
export type HealthGateInputs = CommonInputs & TlsInputs & HealthExpectations & AuthPhaseInputs & { RH_REVISION: string };

/** remote/status.sh (`redis-ha status`) */
export type StatusInputs = CommonInputs &
    TlsPathInputs & {
        RH_HAS_REDIS: "yes" | "no";
        RH_HAS_SENTINEL: "yes" | "no";
        RH_REDIS_UNIT: string;
        RH_SENTINEL_UNIT: string;
        /** A frontend host: its two units, the VIP and the port (absent elsewhere). */
        RH_HAPROXY_UNIT?: string;
        RH_KEEPALIVED_UNIT?: string;
        RH_VIP?: string;
        RH_FRONTEND_PORT?: number;
        /** This host's exporter units (absent without `metrics`). */
        RH_EXPORTER_UNITS?: string;
    };

/** remote/switchover.sh (`redis-ha switchover`), on the current master. */
export type SwitchoverInputs = CommonInputs &
    TlsPathInputs &
    HealthExpectations & {
        /** The target's announce address; empty: the replica Sentinel picks. */
        RH_TARGET_ADDRESS: string;
        RH_MAX_LAG: number;
    };

/** What the standalone programs (removal, drift check) know about one service. */
export type ServiceInputs = CommonInputs &
    TlsPathInputs & {
        RH_KIND: "server" | "sentinel";
        RH_UNIT: string;
        RH_UNIT_PATH: string;
        RH_CONF_PATH: string;
    };

/** remote/remove.sh */
export type RemovalInputs = ServiceInputs &
    OwnerInputs & {
        RH_FILES: string;
        RH_DIRS: string;
        /** A data node's hostTuning unit, disabled before its file goes. */
        RH_TUNING_UNIT?: string;
    };

/** remote/check.sh */
export type CheckInputs = ServiceInputs &
    DirectiveListInputs & {
        RH_UNIT_SHA256: string;
        RH_SENTINEL_CONF_PATH: string;
    };

/** remote/apply-frontend.sh: HAProxy and keepalived on a frontend host. */
export type FrontendStepInputs = CommonInputs &
    KeptRemovalInputs & {
    RH_FRONTEND_DIR: string;
    RH_HAPROXY_BIN: string;
    RH_KEEPALIVED_BIN: string;
    RH_HAPROXY_CONF_PATH: string;
    /** Holds the password (the checks' AUTH): base64, on stdin only. */
    RH_HAPROXY_CONF: string;
    RH_KEEPALIVED_CONF_PATH: string;
    RH_KEEPALIVED_CONF: string;
    RH_HAPROXY_UNIT: string;
    RH_HAPROXY_UNIT_PATH: string;
    RH_HAPROXY_UNIT_FILE: string;
    RH_KEEPALIVED_UNIT: string;
    RH_KEEPALIVED_UNIT_PATH: string;
    RH_KEEPALIVED_UNIT_FILE: string;
    /** The word keepalived's file has where the stack named no interface: replaced by the one holding RH_ANNOUNCE_ADDRESS. */
    RH_INTERFACE_PLACEHOLDER: string;
    RH_VIP: string;
    RH_FRONTEND_PORT: number;
};

/** remote/apply-exporter.sh: one exporter (of the data node or the sentinel) on a host. */
export type ExporterStepInputs = CommonInputs &
    KeptRemovalInputs & {
    RH_EXPORTER_DIR: string;
    RH_EXPORTER_BIN: string;
    RH_EXPORTER_UNIT: string;
    RH_EXPORTER_UNIT_PATH: string;
    RH_EXPORTER_UNIT_FILE: string;
    RH_EXPORTER_PASSWORD_PATH: string;
    /** The password file (JSON, base64): on stdin only. */
    RH_EXPORTER_PASSWORD: string;
    /** address:port it listens on. */
    RH_EXPORTER_LISTEN: string;
};

/** remote/remove-units.sh: the removal of a frontend or an exporter (units, then files). */
export type UnitRemovalInputs = CommonInputs &
    OwnerInputs & {
        RH_UNITS: string;
        RH_UNIT_PATHS: string;
        RH_FILES: string;
        RH_DIRS: string;
    };

/**
 * remote/install.sh: the programs every other step, removal and check of this host runs; then
 * remote/auth.sh, which on the gate host makes every node accept a new password (`accept`) and
 * elsewhere, without a phase, does nothing.
 */
export type InstallInputs = CommonInputs &
    OwnerInputs &
    Partial<AuthPhaseInputs & TlsPathInputs> & {
        /** The files' hashes; the program itself has `sha256:base64` words, one per file (`deferredProgram`). */
        RH_PROGRAMS: string;
    };

/** remote/remove-programs.sh */
export type ProgramsRemovalInputs = CommonInputs & OwnerInputs;

/** Each program's inputs, by program. */
export type ProgramInputs = {
    preflight: PreflightInputs;
    install: InstallInputs;
    "remove-programs": ProgramsRemovalInputs;
    "apply-redis": RedisStepInputs;
    "apply-sentinel": SentinelStepInputs;
    "health-gate": HealthGateInputs;
    status: StatusInputs;
    switchover: SwitchoverInputs;
    "apply-frontend": FrontendStepInputs;
    "apply-exporter": ExporterStepInputs;
    remove: RemovalInputs;
    "remove-units": UnitRemovalInputs;
    check: CheckInputs;
};
