#!/usr/bin/env bash
# Makes sure a supported Node.js (>= 22, what @pulumi/pulumi requires) is used, without touching
# the system's: when the `node` on PATH is older, installs the `node` package from the npm registry
# (a prebuilt binary shipped as a registry package) into the user's cache, once.
#
# Usage:  PATH="$(bash scripts/install-node.sh | tail -n 1):$PATH"
# The last stdout line is a bin dir holding a supported `node`; progress goes to stderr.
set -euo pipefail

NODE_MIN_MAJOR=22
NODE_VERSION=22.23.3   # pinned: the one the tests and CI run on when the machine's node is older

log() { printf 'install-node: %s\n' "$*" >&2; }

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if current=$(command -v node 2>/dev/null) && [ "$(major_of "$current")" -ge "$NODE_MIN_MAJOR" ]; then
	dirname "$current"
	exit 0
fi

prefix="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/node-$NODE_VERSION"
bin="$prefix/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [ "$(major_of "$bin/node")" -lt "$NODE_MIN_MAJOR" ]; then
	command -v npm >/dev/null 2>&1 || { log "error: npm is needed to install Node.js $NODE_VERSION (apt-get install npm)"; exit 1; }
	log "node on PATH is ${current:-missing} ($(node --version 2>/dev/null || echo none)); installing node@$NODE_VERSION from the npm registry into $prefix"
	rm -rf "$prefix" && mkdir -p "$prefix"
	printf '{"name":"pulumi-sev-node","private":true}\n' > "$prefix/package.json"
	npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@$NODE_VERSION" >&2
	[ -x "$bin/node" ] || { log "error: $bin/node missing after npm install node@$NODE_VERSION"; exit 1; }
fi
log "using $("$bin/node" --version) from $bin"
echo "$bin"
