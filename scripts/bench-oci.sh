#!/usr/bin/env bash
# Container start-up and footprint (issue #13): create+start of a
# container that prints one line, and of redis until it answers PING,
# under runc (the reference runtime, where it works on this host) and
# under the sentry, alternating, same bundles; and the resident memory of
# an idle redis container (the container sentry itself, its stubs, and
# redis under runc for scale). Both runtimes use the host's network
# namespace, so redis is reached the same way. Needs root.
set -eu
S=$(realpath "${1:-bin/sentry}")
ROUNDS=${ROUNDS:-5}
dir=$(mktemp -d); trap 'for r in runc "$S"; do for c in $("$r" --root "$dir/state-$(basename "$r")" list -q 2>/dev/null); do "$r" --root "$dir/state-$(basename "$r")" delete --force "$c" >/dev/null 2>&1; done; done; rm -rf "$dir"' EXIT
now() { date +%s%N; }
# rootfs DIR BIN...: the binaries and the libraries they link.
rootfs() {
	local root=$1; shift
	for f in "$@" $(ldd "$@" | grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f"
	done
}
# bundle NAME ARGS-JSON: a runc-default config (no network namespace,
# no terminal) with those args.
bundle() {
	local b=$dir/$1; mkdir -p "$b"
	(cd "$b" && runc spec)
	python3 - "$b/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = json.loads(sys.argv[2])
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
	echo "$b"
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo_b=$(bundle echo '["/bin/busybox","echo","hi"]'); rootfs "$echo_b/rootfs" /bin/busybox
redis_b=$(bundle redis "[\"/usr/bin/redis-server\",\"--port\",\"$port\",\"--save\",\"\",\"--appendonly\",\"no\"]")
rootfs "$redis_b/rootfs" /usr/bin/redis-server

# startup RUNTIME BUNDLE ID READY-CMD: ns from create to READY-CMD's success.
startup() {
	local r=$1 b=$2 id=$3; shift 3
	local st=$dir/state-$(basename "$r") out=$dir/out-$id
	local t0; t0=$(now)
	"$r" --root "$st" create --bundle "$b" "$id" >"$out" 2>&1 </dev/null
	"$r" --root "$st" start "$id"
	until "$@" "$out" >/dev/null 2>&1; do :; done
	echo $(( $(now) - t0 ))
}
printed() { grep -q hi "$1"; }
pong() { [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; }
runc_ok=1
if ! runc --root "$dir/probe" run --bundle "$echo_b" probe >/dev/null 2>&1; then
	runc_ok=0; echo "runc cannot run containers here: the sentry is compared with itself only"
fi
: >"$dir/e-runc"; : >"$dir/e-sentry"; : >"$dir/r-runc"; : >"$dir/r-sentry"
for i in $(seq "$ROUNDS"); do
	for r in runc "$S"; do
		[ "$r" = runc ] && [ $runc_ok = 0 ] && continue
		k=$( [ "$r" = runc ] && echo runc || echo sentry )
		startup "$r" "$echo_b" "e$i" printed >>"$dir/e-$k"
		"$r" --root "$dir/state-$(basename "$r")" delete --force "e$i" >/dev/null 2>&1 || true
		startup "$r" "$redis_b" "r$i" pong >>"$dir/r-$k"
		if [ "$i" = "$ROUNDS" ]; then
			pid=$("$r" --root "$dir/state-$(basename "$r")" state "r$i" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
			rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
			if [ "$k" = runc ]; then
				echo "runc: redis resident ($pid): $(rss "$pid") kB" >>"$dir/mem"
			else
				stubs=0
				for c in $(cat /proc/"$pid"/task/*/children); do stubs=$((stubs + $(rss "$c"))); done
				echo "sentry: container sentry resident ($pid): $(rss "$pid") kB; its stubs: $stubs kB" >>"$dir/mem"
			fi
		fi
		"$r" --root "$dir/state-$(basename "$r")" delete --force "r$i" >/dev/null 2>&1 || true
	done
done
ms() { sort -n "$1" | head -1 | awk '{printf "%.1f", $1/1e6}'; }
echo "container start, create until first output / first PONG, ms (best of $ROUNDS; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-7s %10s %10s\n' "" "echo hi" "redis"
[ $runc_ok = 1 ] && printf '  %-7s %10s %10s\n' runc "$(ms "$dir/e-runc")" "$(ms "$dir/r-runc")"
printf '  %-7s %10s %10s\n' sentry "$(ms "$dir/e-sentry")" "$(ms "$dir/r-sentry")"
cat "$dir/mem"
