#!/usr/bin/env bash
# --network host against native, in the same run on the same machine
# (needs root: it makes a network namespace and a veth pair, removed on
# exit): redis-benchmark from the veth's peer against redis-server under
# the sentry in host mode, against redis-server under the sentry in
# sandbox mode with its port published at the namespace's address (-p),
# and against native redis-server, all in the namespace at its address,
# rounds alternating, so the two ways in are compared with native in one
# run; then an outbound HTTP fetch loop (CPython's
# urllib, one process) from the namespace to a server on the peer,
# native and sandboxed.
set -eu
S=${1:-bin/sentry}
N=${N:-100000}
ROUNDS=${ROUNDS:-3}
FETCHES=${FETCHES:-500}
PY=${PY:-/usr/bin/python3.11}
[ "$(id -u)" = 0 ] || { echo "bench-hostnet: needs root (a network namespace and a veth)" >&2; exit 1; }

id=$(printf '%06x' $((RANDOM * 32768 + RANDOM)))
ns=sentry-bench-$id
a=sbh${id}a b=sbh${id}b
net=10.$((64 + RANDOM % 64)).$((RANDOM % 250))
host=$net.1 inside=$net.2
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip link del "$a" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "${www:-}"
}
trap cleanup EXIT
ip netns add "$ns"
ip link add "$a" type veth peer name "$b"
ip link set "$b" netns "$ns"
ip addr add "$host/24" dev "$a"
ip link set "$a" up
ip -n "$ns" addr add "$inside/24" dev "$b"
ip -n "$ns" link set "$b" up
ip -n "$ns" link set lo up

# The namespace is new: its ports are free.
ip netns exec "$ns" redis-server --port 6391 --save '' --appendonly no --protected-mode no >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$ns" "$S" run --network host /usr/bin/redis-server --port 6390 --save '' --appendonly no --protected-mode no >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$ns" "$S" run -p "$inside:6392:6379" /usr/bin/redis-server --port 6379 --save '' --appendonly no --protected-mode no >/dev/null 2>&1 &
pids+=($!)
wait_ping() { for _ in $(seq 200); do [ "$(redis-cli -h "$inside" -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.05; done; return 1; }
wait_ping 6391 && wait_ping 6390 && wait_ping 6392 || { echo "redis did not start" >&2; exit 1; }

rps() {
	local port=$1 test=$2; shift 2
	timeout 300 redis-benchmark -h "$inside" -p "$port" -q -t "$test" -n "$N" "$@" 2>/dev/null | tr '\r' '\n' |
		sed -n "s/^ *$(echo "$test" | tr a-z A-Z): \([0-9.]*\) requests per second.*/\1/p" | tail -1
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }

printf 'redis-benchmark -n %d from the veth peer to %s, requests per second (best of %d alternating rounds);\n' "$N" "$inside" "$ROUNDS"
printf 'host: sentry --network host; -p: sentry in sandbox mode, -p %s:6392:6379\n' "$inside"
printf '%-6s %-14s %12s %12s %8s %12s %8s\n' test config native host ratio -p ratio
for test in set get; do
	for cfg in "-c 50 -P 1" "-c 50 -P 16" "-c 1 -P 1"; do
		as=() bs=() ps=()
		for _ in $(seq "$ROUNDS"); do
			# shellcheck disable=SC2086
			as+=("$(rps 6391 "$test" $cfg)")
			# shellcheck disable=SC2086
			bs+=("$(rps 6390 "$test" $cfg)")
			# shellcheck disable=SC2086
			ps+=("$(rps 6392 "$test" $cfg)")
		done
		awk -v t="$test" -v c="$cfg" -v a="$(best "${as[@]}")" -v b="$(best "${bs[@]}")" -v p="$(best "${ps[@]}")" \
			'BEGIN { printf "%-6s %-14s %12.0f %12.0f %8.2f %12.0f %8.2f\n", toupper(t), c, a, b, (a > 0 ? b / a : 0), p, (a > 0 ? p / a : 0) }'
	done
done

www=$(mktemp -d)
head -c 4096 /dev/urandom >"$www/page"
(cd "$www" && exec "$PY" -m http.server --bind "$host" 18080 >/dev/null 2>&1) &
pids+=($!)
for _ in $(seq 200); do "$PY" -c "import urllib.request; urllib.request.urlopen('http://$host:18080/page')" 2>/dev/null && break; sleep 0.05; done
fetch="import time, urllib.request
t = time.monotonic()
for _ in range($FETCHES):
    urllib.request.urlopen('http://$host:18080/page').read()
print('%.0f' % ($FETCHES / (time.monotonic() - t)))"
nat=() sen=()
for _ in $(seq "$ROUNDS"); do
	nat+=("$(ip netns exec "$ns" "$PY" -c "$fetch")")
	sen+=("$(ip netns exec "$ns" "$S" run --network host "$PY" -c "$fetch")")
done
printf '\noutbound HTTP fetches (urllib, %d per process, new connection each), fetches per second (best of %d)\n' "$FETCHES" "$ROUNDS"
awk -v a="$(best "${nat[@]}")" -v b="$(best "${sen[@]}")" \
	'BEGIN { printf "%-21s %12.0f %12.0f %8.2f\n", "GET /page (4 KiB)", a, b, (a > 0 ? b / a : 0) }'
