#!/usr/bin/env bash
# redis with I/O threads: redis-server with io-threads 1 and with
# io-threads 2 (io-threads-do-reads yes), natively and under the sentry,
# redis-benchmark -c 50 -P 16 SET and GET against each, rounds alternating
# over the four servers (best of ROUNDS). On 2 CPUs two I/O threads should
# give at least the throughput of one, in the sandbox as natively.
set -eu
S=${1:-bin/sentry}
N=${N:-200000}
ROUNDS=${ROUNDS:-3}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ping() { for i in $(seq 400); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.05; done; return 1; }
rps() {
	local port=$1 test=$2; shift 2
	timeout 300 redis-benchmark -p "$port" -q -t "$test" -n "$N" -c 50 -P 16 2>/dev/null | tr '\r' '\n' |
		sed -n "s/^ *$(echo "$test" | tr a-z A-Z): \([0-9.]*\) requests per second.*/\1/p" | tail -1
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }
pids=""
trap 'kill $pids 2>/dev/null || true' EXIT
declare -A port
for io in 1 2; do
	args=(--save '' --appendonly no --io-threads "$io" --io-threads-do-reads yes)
	p=$(free_port)
	redis-server --port "$p" "${args[@]}" >/dev/null 2>&1 &
	pids="$pids $!"
	port[native$io]=$p
	p=$(free_port)
	"$S" run -p "127.0.0.1:$p:6379" /usr/bin/redis-server --port 6379 "${args[@]}" >/dev/null 2>&1 &
	pids="$pids $!"
	port[sentry$io]=$p
done
for k in native1 native2 sentry1 sentry2; do
	wait_ping "${port[$k]}" || { echo "redis ($k) did not start" >&2; exit 1; }
done
printf 'redis io-threads, -c 50 -P 16 -n %d, requests per second (best of %d alternating rounds; load average %s)\n' \
	"$N" "$ROUNDS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-7s %12s %12s %10s\n' test where io-threads=1 io-threads=2 "2/1"
for test in set get; do
	declare -A r=()
	for _ in $(seq "$ROUNDS"); do
		for k in native1 native2 sentry1 sentry2; do
			r[$k]="${r[$k]:-} $(rps "${port[$k]}" "$test")"
		done
	done
	for w in native sentry; do
		# shellcheck disable=SC2086
		a=$(best ${r[${w}1]})
		# shellcheck disable=SC2086
		b=$(best ${r[${w}2]})
		awk -v t="$test" -v w="$w" -v a="$a" -v b="$b" \
			'BEGIN { printf "%-4s %-7s %12.0f %12.0f %10.2f\n", toupper(t), w, a, b, (a > 0 ? b / a : 0) }'
	done
done
