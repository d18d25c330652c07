#!/bin/bash
# The OCI runtime-tools v0.9.0 validation suite under runc and under the
# sentry, on this machine: one markdown table row per validation with the
# ok / not ok / skip counts of each runtime.
#
#   scripts/oci-conformance.sh [SENTRY]        (default bin/sentry; run as root)
#
# The suite is built from testdata/oci-conformance (its own Go module, every
# version pinned in its go.mod/go.sum) with the go command. Environment:
#   OUT=DIR        keep the build and each validation's TAP in DIR
#                  (DIR/runc/NAME.tap, DIR/sentry/NAME.tap; stderr in .err)
#   JOBS=N         validations run N at a time (default 2): those sharing
#                  cgroup paths one at a time in one lane, the others in
#                  the other N-1
#   RUNC=PATH      the reference runtime (default: runc on PATH)
#   VALIDATIONS="a b"  only these validations (default: all of them)
#   TIMEOUT=SECS   per validation (default 300: the machine may be busy)
# A validation that aborts before its first assertion (TAP "1..0" with an
# error) shows as "error".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sentry=$(realpath "${1:-$here/bin/sentry}")
runc=$(command -v "${RUNC:-runc}") || { echo "oci-conformance: runc not found" >&2; exit 1; }
jobs=${JOBS:-2}
timeout=${TIMEOUT:-300}
[ -x "$sentry" ] || { echo "oci-conformance: $sentry is not executable (make build)" >&2; exit 1; }
if [ -n "${OUT:-}" ]; then
	out=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
else
	out=$(mktemp -d /tmp/oci-conformance.XXXXXX)
fi
GO=${GO:-go}

mod="$here/testdata/oci-conformance"
mkdir -p "$out/bin" "$out/run" "$out/runc" "$out/sentry"
(cd "$mod" && $GO build -o "$out/bin/" tool)
# The validations unpack rootfs-amd64.tar.gz and copy runtimetest from
# their working directory into each bundle.
tools=$(cd "$mod" && $GO list -m -f '{{.Dir}}' github.com/opencontainers/runtime-tools)
install -m 0644 "$tools/rootfs-amd64.tar.gz" "$out/run/rootfs-amd64.tar.gz"
install -m 0755 "$out/bin/runtimetest" "$out/run/runtimetest"

if [ -n "${VALIDATIONS:-}" ]; then
	names=$VALIDATIONS
else
	names=$(cd "$out/bin" && ls | grep -vx runtimetest)
fi

# run RUNTIME_NAME RUNTIME_PATH VALIDATION
run() {
	local tap="$out/$1/$3.tap" rc=0
	(cd "$out/run" && RUNTIME=$2 timeout -k 10 "$timeout" "$out/bin/$3") >"$tap" 2>"$out/$1/$3.err" || rc=$?
	echo "$rc" >"$out/$1/$3.rc"
}
export -f run
export out timeout
# The cgroup validations share fixed cgroup paths (/cgrouptest, ...): no
# two containers (of either runtime) may meet in one cgroup, so they run
# one at a time, in a lane of their own beside the others.
shared='cgroups|^delete_resources$|^delete_only_create_resources$'
lane() { # lane shared|other
	for n in $names; do
		if [[ $n =~ $shared ]]; then [ "$1" = shared ] || continue; else [ "$1" = other ] || continue; fi
		printf 'runc %s %s\nsentry %s %s\n' "$runc" "$n" "$sentry" "$n"
	done
}
lane shared | xargs -r -P 1 -L 1 bash -c 'run "$@"' _ &
lane other | xargs -r -P "$(( jobs > 1 ? jobs - 1 : 1 ))" -L 1 bash -c 'run "$@"' _
wait

# counts TAP: "ok/not ok/skip" of the top-level assertions, or "error".
counts() {
	local tap=$1 ok notok skip
	ok=$(grep -cE '^ok [0-9]+' "$tap" || true)
	skip=$(grep -cE '^ok [0-9]+ # SKIP' "$tap" || true)
	notok=$(grep -cE '^not ok [0-9]+' "$tap" || true)
	if [ "$ok" = 0 ] && [ "$notok" = 0 ]; then
		echo "error"
	else
		echo "$((ok - skip))/$notok/$skip"
	fi
}

echo "runtime-tools v0.9.0 validation: ok/not ok/skip (runc: $("$runc" --version | head -1); sentry: $sentry)"
echo
echo "| validation | runc | sentry |"
echo "|---|---|---|"
for n in $names; do
	echo "| $n | $(counts "$out/runc/$n.tap") | $(counts "$out/sentry/$n.tap") |"
done
echo
echo "TAP output: $out/{runc,sentry}/NAME.tap"
