#!/usr/bin/env bash
# Installs a Pulumi CLI (v3.259.0) plus a Node.js language host, the dynamic
# provider plugin script and the Node.js policy analyzer script, building them
# from Go modules (module proxy only: no GitHub, no get.pulumi.com).
#
# Usage:
#   PATH="$(bash scripts/install-pulumi.sh | tail -1):$PATH"
#
# The last stdout line is the bin dir; progress goes to stderr.
#   - If `pulumi` and `pulumi-language-nodejs` are already on PATH, prints the
#     directory of `pulumi` and exits (set PULUMI_SEV_FORCE_BUILD=1 to skip that).
#   - Otherwise builds into ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/pulumi-v3.259.0/
#     (bin/ + libexec/) once; later runs find the cache and return at once.
# Details and the reasons for the choices: tools/pulumi-cli/NOTES.md.
set -euo pipefail

PULUMI_VERSION=v3.259.0
# Newest github.com/pulumi/pulumi/sdk/v3 release that still contains the
# nodejs/cmd/pulumi-language-nodejs package (the proxy refuses the separate
# .../sdk/nodejs/cmd/pulumi-language-nodejs/v3 module at every version).
NODEJS_HOST_VERSION=v3.68.0
# The `go` line of tools/pulumi-cli/go.mod (that of pulumi/pkg/v3 v3.259.0).
GO_MIN_VERSION=1.25.11

log() { printf 'install-pulumi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools_dir=$(cd "$script_dir/../tools/pulumi-cli" && pwd)
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/pulumi-$PULUMI_VERSION"
bin_dir="$cache_root/bin"
libexec_dir="$cache_root/libexec"
stamp_file="$cache_root/.stamp"

# 1. Already installed on PATH?
if [ -z "${PULUMI_SEV_FORCE_BUILD:-}" ] &&
	pulumi_path=$(command -v pulumi 2>/dev/null) &&
	command -v pulumi-language-nodejs >/dev/null 2>&1; then
	log "using pulumi already on PATH: $pulumi_path"
	dirname "$pulumi_path"
	exit 0
fi

# 2. Cached build? The stamp covers the versions and every input file of the build.
compute_stamp() {
	{
		printf '%s %s go>=%s recipe=2\n' "$PULUMI_VERSION" "$NODEJS_HOST_VERSION" "$GO_MIN_VERSION"
		(cd "$tools_dir" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
			while read -r f; do printf '%s ' "$f"; sha256sum <"$f"; done)
	} | sha256sum | cut -d' ' -f1
}
want_stamp=$(compute_stamp)
expected_files=(
	"$bin_dir/pulumi"
	"$bin_dir/pulumi-language-nodejs"
	"$bin_dir/pulumi-resource-pulumi-nodejs"
	"$bin_dir/pulumi-analyzer-policy"
	"$libexec_dir/pulumi-language-nodejs-$NODEJS_HOST_VERSION"
)
cache_ok() {
	[ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want_stamp" ] || return 1
	local f
	for f in "${expected_files[@]}"; do [ -x "$f" ] || return 1; done
}
if cache_ok; then
	log "cached: $bin_dir"
	echo "$bin_dir"
	exit 0
fi

# 3. Build. Everything below only prints to stderr.
mkdir -p "$cache_root"
exec 9>"$cache_root.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9 # another run may be building the same cache
	if cache_ok; then
		log "cached (built by a concurrent run): $bin_dir"
		echo "$bin_dir"
		exit 0
	fi
fi

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

command -v go >/dev/null 2>&1 || die "no 'go' on PATH: install Go >= $GO_MIN_VERSION (or Debian's golang-go, see NOTES.md)"
go_version=$(go env GOVERSION 2>/dev/null || go version | awk '{print $3}')
go_version=${go_version#go}
go_version=${go_version%%[ -]*}

export GOWORK=off
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
go_cmd=(go)
if version_ge "$go_version" "$GO_MIN_VERSION"; then
	export GOTOOLCHAIN=local
elif version_ge "$go_version" 1.21; then
	# Go fetches golang.org/toolchain@v0.0.1-go$GO_MIN_VERSION.<os>-<arch> from the module proxy.
	log "go $go_version < $GO_MIN_VERSION: letting go download toolchain go$GO_MIN_VERSION from the module proxy"
	export GOTOOLCHAIN="go$GO_MIN_VERSION"
else
	# Too old for toolchain switching (e.g. Debian bookworm's golang-go 1.19): fetch the
	# toolchain as an ordinary module from the module proxy and run its bin/go.
	goroot="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/go$GO_MIN_VERSION"
	if [ ! -x "$goroot/bin/go" ]; then
		log "go $go_version < 1.21: fetching golang.org/toolchain go$GO_MIN_VERSION as a module"
		tc_mod="golang.org/toolchain@v0.0.1-go$GO_MIN_VERSION.$(go env GOOS)-$(go env GOARCH)"
		tmp_mod=$(mktemp -d)
		tc_dir=$(cd "$tmp_mod" && go mod download -json "$tc_mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
		rm -rf "$tmp_mod"
		[ -n "$tc_dir" ] && [ -f "$tc_dir/bin/go" ] || die "could not download $tc_mod"
		rm -rf "$goroot.tmp" && cp -r "$tc_dir" "$goroot.tmp" && chmod -R u+w "$goroot.tmp"
		chmod +x "$goroot.tmp"/bin/* "$goroot.tmp"/pkg/tool/*/*
		rm -rf "$goroot" && mv "$goroot.tmp" "$goroot"
	fi
	export GOTOOLCHAIN=local
	go_cmd=("$goroot/bin/go")
fi
log "using $("${go_cmd[@]}" version) (GOTOOLCHAIN=$GOTOOLCHAIN GOFLAGS=$GOFLAGS CGO_ENABLED=0)"

work=$(mktemp -d "$cache_root.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/libexec"
version_pkg=github.com/pulumi/pulumi/sdk/v3/go/common/version
start=$(date +%s)

log "building pulumi $PULUMI_VERSION (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi; ~3 min warm module cache, longer on a cold one)..."
(cd "$tools_dir" && "${go_cmd[@]}" build -trimpath \
	-ldflags "-s -w -X $version_pkg.Version=$PULUMI_VERSION" \
	-o "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2

log "building the Node.js language host (sdk/v3 $NODEJS_HOST_VERSION) and its shim..."
(cd "$tools_dir/nodejs-langhost" && "${go_cmd[@]}" build -trimpath \
	-ldflags "-s -w -X $version_pkg.Version=$NODEJS_HOST_VERSION" \
	-o "$work/libexec/pulumi-language-nodejs-$NODEJS_HOST_VERSION" \
	github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs) >&2
(cd "$tools_dir" && "${go_cmd[@]}" build -trimpath -ldflags "-s -w" \
	-o "$work/bin/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs) >&2

# The official plugin scripts ship in the sdk/v3 module zips (nodejs/dist), i.e. the
# same files the official CLI tarball contains.
sdk_dir=$(cd "$tools_dir" && "${go_cmd[@]}" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
old_sdk_dir=$(cd "$tools_dir/nodejs-langhost" && "${go_cmd[@]}" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$work/bin/"
# sdk/v3 dropped pulumi-analyzer-policy from nodejs/dist after v3.68.0; the script is unchanged.
install -m 0755 "$old_sdk_dir/nodejs/dist/pulumi-analyzer-policy" "$work/bin/"

PULUMI_SKIP_UPDATE_CHECK=true "$work/bin/pulumi" version >/dev/null 2>&1 || die "built pulumi does not run"

rm -rf "$bin_dir" "$libexec_dir"
mv "$work/bin" "$bin_dir"
mv "$work/libexec" "$libexec_dir"
echo "$want_stamp" >"$stamp_file"
log "built in $(($(date +%s) - start))s: $(du -sh "$cache_root" | cut -f1) in $cache_root"
echo "$bin_dir"
