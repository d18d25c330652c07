#!/usr/bin/env bash
# redis-benchmark against native redis-server and against redis-server in
# the sandbox, in the same run on the same machine: ops/s and the ratio.
set -eu
S=${1:-bin/sentry}
N=${N:-100000}
ROUNDS=${ROUNDS:-3}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ping() { for i in $(seq 200); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.05; done; return 1; }
# rps PORT TEST ARGS...: requests per second of one redis-benchmark test.
rps() {
	local port=$1 test=$2; shift 2
	timeout 300 redis-benchmark -p "$port" -q -t "$test" -n "$N" "$@" 2>/dev/null | tr '\r' '\n' |
		sed -n "s/^ *$(echo "$test" | tr a-z A-Z): \([0-9.]*\) requests per second.*/\1/p" | tail -1
}

np=$(free_port)
redis-server --port "$np" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
native=$!
sp=$(free_port)
"$S" run -p "127.0.0.1:$sp:6379" /usr/bin/redis-server --port 6379 --save '' --appendonly no >/dev/null 2>&1 &
sandboxed=$!
trap 'kill $native $sandboxed 2>/dev/null || true' EXIT
wait_ping "$np" && wait_ping "$sp" || { echo "redis did not start" >&2; exit 1; }

# best RUNS...: the highest of the numbers given.
best() { printf '%s\n' "$@" | sort -g | tail -1; }

printf 'redis-benchmark -n %d, requests per second (best of %d alternating rounds)\n' "$N" "$ROUNDS"
printf '%-6s %-14s %12s %12s %8s\n' test config native sentry ratio
for test in set get; do
	for cfg in "-c 50 -P 1" "-c 50 -P 16" "-c 1 -P 1"; do
		# Native and sandboxed runs alternate, so that a burst of load
		# from elsewhere on the machine does not land on one side only.
		as=() bs=()
		for _ in $(seq "$ROUNDS"); do
			# shellcheck disable=SC2086
			as+=("$(rps "$np" "$test" $cfg)")
			# shellcheck disable=SC2086
			bs+=("$(rps "$sp" "$test" $cfg)")
		done
		a=$(best "${as[@]}")
		b=$(best "${bs[@]}")
		awk -v t="$test" -v c="$cfg" -v a="$a" -v b="$b" \
			'BEGIN { printf "%-6s %-14s %12.0f %12.0f %8.2f\n", toupper(t), c, a, b, (a > 0 ? b / a : 0) }'
	done
done
