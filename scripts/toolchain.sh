#!/usr/bin/env bash
# Makes sure everything redis-ha runs with is here, at the versions the npm packages need:
#   node_modules, the Pulumi CLI (+ nodejs language host when it can be had), the `command` and
#   `docker` resource plugins, a running Docker engine (for the lab), and the linters' tools.
# Order of preference for each Pulumi binary: already installed -> the official download (what real
# users have) -> built from its Go module with `go`. Results are cached outside the repo, keyed by
# version, so a warm run takes seconds. Idempotent. Source the printed env file to use the tools:
#   source "$(scripts/toolchain.sh --print-env)"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${REDIS_HA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-ha}
# Per checkout: it puts this checkout's shims on PATH (several checkouts can share the cache).
ENV_FILE="$ROOT/.redis-ha/env.sh"
export PULUMI_SKIP_UPDATE_CHECK=true

say() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" = --print-env ]; then
    [ -f "$ENV_FILE" ] || die "run scripts/toolchain.sh first"
    echo "$ENV_FILE"
    exit 0
fi

mkdir -p "$CACHE"

# --- node_modules ----------------------------------------------------------------------------------
ensure_node_modules() {
    command -v node >/dev/null || die "node is missing: install Node.js >= 20 (e.g. apt-get install nodejs npm)"
    local stamp="$ROOT/node_modules/.redis-ha-lock"
    if [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/package-lock.json"; then return 0; fi
    say "installing npm dependencies (npm ci)"
    # --ignore-scripts: provider packages' install hooks try to download plugins; we install them below.
    (cd "$ROOT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
}

# --- the compiled program -------------------------------------------------------------------------
# Pulumi.yaml's `main` is bin/index.js (no type-check at each run): built when missing or when a
# source of stack/compiled.ts's PROGRAM_SOURCES is newer (index.ts refuses a stale build too).
ensure_build() {
    if [ -f "$ROOT/bin/index.js" ] && [ -z "$(cd "$ROOT" && find index.ts components stack -name '*.ts' ! -name '*.d.ts' -newer bin/index.js | head -n 1)" ]; then return 0; fi
    say "building the compiled program (npm run build)"
    (cd "$ROOT" && npm run -s build)
}

npm_field() { node -p "require('$ROOT/node_modules/$1/package.json')$2"; }

# --- Go builds -------------------------------------------------------------------------------------
# Builds `pkg` from a throwaway module that requires `requires` (module@version lines) and repeats the
# target's non-local `replace` lines. The module proxy here serves no checksum database: GOSUMDB=off.
go_build() {
    local out=$1 pkg=$2 ldflags=$3 requires=$4 replaces=$5 dir
    command -v go >/dev/null || die "go is missing and no prebuilt binary could be downloaded: install Go >= 1.25 (apt/golang.org) or Pulumi (https://www.pulumi.com/docs/install/)"
    dir=$(mktemp -d "$CACHE/gobuild.XXXXXX")
    {
        echo "module redisha/toolbuild"
        echo "go 1.25"
        echo "require ("
        echo "$requires" | sed 's/@/ /; s/^/\t/'
        echo ")"
        [ -z "$replaces" ] || printf '%s\n' "$replaces"
    } >"$dir/go.mod"
    printf 'package tools\n\nimport _ "%s"\n' "$pkg" >"$dir/tools.go"
    say "building $pkg with go (first time only; several minutes on 2 cores)"
    (
        cd "$dir"
        export GOFLAGS=-mod=mod GOSUMDB=off GOTOOLCHAIN=local
        go mod tidy >/dev/null 2>"$dir/tidy.log" || { cat "$dir/tidy.log" >&2; exit 1; }
        go build -trimpath -ldflags "$ldflags" -o "$out" "$pkg"
    ) || { rm -rf "$dir"; return 1; }
    rm -rf "$dir"
}

# --- Pulumi CLI ------------------------------------------------------------------------------------
PULUMI_VERSION=""
PULUMI_BIN_DIR=""
ensure_pulumi_cli() {
    PULUMI_VERSION=$(npm_field @pulumi/pulumi .version)
    if command -v pulumi >/dev/null && [ -z "${REDIS_HA_FORCE_CACHE:-}" ]; then
        # Resolved: the `pulumi` on PATH may be the link write_shims makes below.
        PULUMI_BIN_DIR=$(dirname "$(readlink -f "$(command -v pulumi)")")
        say "using installed $(pulumi version) at $PULUMI_BIN_DIR"
        return 0
    fi
    PULUMI_BIN_DIR="$CACHE/pulumi/v$PULUMI_VERSION/bin"
    if [ -x "$PULUMI_BIN_DIR/pulumi" ]; then return 0; fi
    mkdir -p "$PULUMI_BIN_DIR"
    local url="https://get.pulumi.com/releases/sdk/pulumi-v$PULUMI_VERSION-linux-x64.tar.gz"
    say "downloading Pulumi v$PULUMI_VERSION (official release)"
    if curl -fsSL --connect-timeout 10 --max-time 300 "$url" | tar -xz -C "$PULUMI_BIN_DIR" --strip-components=1 2>/dev/null && [ -x "$PULUMI_BIN_DIR/pulumi" ]; then
        return 0
    fi
    say "official download unavailable; building Pulumi v$PULUMI_VERSION from its Go module"
    go_build "$PULUMI_BIN_DIR/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION
github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
        "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" ||
        die "could not build the Pulumi CLI. Install Pulumi by hand (https://www.pulumi.com/docs/install/) and re-run"
}

# --- Resource plugins ------------------------------------------------------------------------------
# The `command` and `docker` plugins, at the versions @pulumi/command and @pulumi/docker declare.
# When one cannot be had (no plugin downloads here, and its Go module is not served by our module
# proxy), the code falls back on its own: RedisHaCluster to its plugin-free executor
# (`redis-ha:executor: dynamic`, which the lab scripts pick), the lab to its docker CLI driver.
COMMAND_PLUGIN=no
plugin_installed() {
    pulumi plugin ls --json 2>/dev/null | node -e "const p=JSON.parse(require('fs').readFileSync(0,'utf8')||'[]');process.exit(p.some(x=>x.name==='$1'&&x.kind==='resource'&&x.version==='$2')?0:1)"
}
# ensure_plugin <name> <npm package>: succeeds when the plugin is installed afterwards.
ensure_plugin() {
    local name=$1 version
    version=$(npm_field "$2" .pulumi.version)
    plugin_installed "$name" "$version" && return 0
    local marker="$CACHE/$name-plugin-$version.unavailable"
    [ -f "$marker" ] && return 1
    say "installing resource plugin $name v$version (official download)"
    timeout 120 pulumi plugin install resource "$name" "$version" >/dev/null 2>&1 && return 0
    say "plugin $name v$version cannot be downloaded here; redis-ha falls back on its plugin-free path for it"
    touch "$marker"
    return 1
}
ensure_plugins() {
    if ensure_plugin command @pulumi/command; then COMMAND_PLUGIN=yes; fi
    ensure_plugin docker @pulumi/docker || true
}

# The dynamic-provider plugin runs @pulumi/pulumi's provider host from this checkout, whatever the
# working directory of the engine (the one shipped with the CLI resolves it from the cwd).
write_shims() {
    mkdir -p "$ROOT/.redis-ha/bin"
    # The CLI beside the shims: the operator commands (npm run ops) find it there in a shell whose PATH lacks it.
    ln -sf "$PULUMI_BIN_DIR/pulumi" "$ROOT/.redis-ha/bin/pulumi"
    # Written aside and moved in: a running engine may be executing the shim now (rewriting the file
    # in place fails its next start with "text file busy").
    local shim="$ROOT/.redis-ha/bin/pulumi-resource-pulumi-nodejs"
    cat >"$shim.new" <<SHIM
#!/bin/sh
exec node "$ROOT/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "\$@"
SHIM
    chmod +x "$shim.new"
    mv -f "$shim.new" "$shim"
}

# ssh-keygen (lab keys, host-key fingerprints), curl (downloads), shellcheck (the lint in
# scripts/test.sh), strace (the secrets spec traces every exec).
ensure_host_tools() {
    local tool missing=no
    for tool in ssh-keygen curl shellcheck strace; do command -v "$tool" >/dev/null || missing=yes; done
    [ "$missing" = yes ] || return 0
    say "installing openssh-client, curl, shellcheck and strace (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client curl shellcheck strace >/dev/null
}

# actionlint (the lint of .github/workflows in scripts/test.sh): no Debian package, so its Go module,
# built once per version into the cache.
ACTIONLINT_VERSION=v1.7.12
ensure_actionlint() {
    local bin="$CACHE/actionlint/$ACTIONLINT_VERSION/actionlint"
    if [ ! -x "$bin" ]; then
        command -v go >/dev/null || die "go is missing: it builds actionlint (github.com/rhysd/actionlint), the workflows' lint"
        say "building actionlint $ACTIONLINT_VERSION (go install)"
        GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
    fi
    mkdir -p "$ROOT/.redis-ha/bin"
    ln -sf "$bin" "$ROOT/.redis-ha/bin/actionlint"
}

ensure_host_tools
ensure_actionlint
ensure_node_modules
ensure_build
ensure_pulumi_cli
export PATH="$ROOT/.redis-ha/bin:$PULUMI_BIN_DIR:$PATH"
ensure_plugins
write_shims
"$ROOT/scripts/ensure-docker.sh"
mkdir -p "$(dirname "$ENV_FILE")"
cat >"$ENV_FILE" <<ENV
export PATH="$ROOT/.redis-ha/bin:$PULUMI_BIN_DIR:\$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Whether the \`command\` plugin is installed: the tests then run on both executors.
export REDIS_HA_COMMAND_PLUGIN=$COMMAND_PLUGIN
ENV
say "ready: $(pulumi version) ($PULUMI_BIN_DIR), node $(node --version)"
