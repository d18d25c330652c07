#!/usr/bin/env bash
# riscv64 interpreter speed, measured against qemu-riscv64 (a JIT) in the
# same run:
#   - guest MIPS on a load/store/ALU/branch loop (Go benchmark in
#     pkg/riscv), translated (jit) and interpreted only (interp);
#   - wall time of CPU-bound C programs (testdata/riscv/cpubench.c, mostly
#     integer; fpbench.c, floating point) under the sentry (--jit on and
#     off) and under qemu-riscv64, as a ratio;
#   - when the riscv64 root exists and redis answers, redis-benchmark SET/GET
#     (-c 50 -P 16 and -c 1) against the riscv64 redis-server under the
#     sentry and under qemu-riscv64, as a ratio.
# Needs gcc-riscv64-linux-gnu and qemu-user (installed when missing).
set -eu
S=${1:-bin/sentry}
ROOT=${ROOT:-testdata/rootfs/riscv64}
ROUNDS=${ROUNDS:-3}
need=""
command -v riscv64-linux-gnu-gcc >/dev/null || need="$need gcc-riscv64-linux-gnu"
command -v qemu-riscv64 >/dev/null || need="$need qemu-user"
if [ -n "$need" ]; then
	SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
	$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $need >/dev/null
fi
dir=$(mktemp -d); trap 'rm -rf "$dir"; [ -n "${pids:-}" ] && kill $pids 2>/dev/null || true' EXIT

echo "riscv64 guest instructions per second (Go benchmark, loop):"
go test -run XXX -bench InterpreterMIPS -benchtime 20x ./pkg/riscv | awk '/MIPS/ { sub(/-[0-9]+$/, "", $1); sub(/.*\//, "", $1); printf "  %-6s %s MIPS\n", $1, $(NF-1) }'

best() { sort -n | head -1; }
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for prog in cpubench:10 fpbench:50; do
	name=${prog%%:*} arg=${prog#*:}
	riscv64-linux-gnu-gcc -O2 -static -o "$dir/$name" "testdata/riscv/$name.c" -lm
	q=$(for i in $(seq "$ROUNDS"); do secs qemu-riscv64 "$dir/$name" "$arg"; done | best)
	modes="on off"
	# The interpreter alone takes minutes on fpbench: it rounds in modes
	# other than RNE with math/big.
	[ "$name" = fpbench ] && modes=on
	for jit in $modes; do
		s=$(for i in $(seq "$ROUNDS"); do secs "$S" run --jit "$jit" "$dir/$name" "$arg"; done | best)
		printf '%s (best of %d): qemu-riscv64 %.2fs, sentry --jit %-3s %.2fs, speed ratio sentry/qemu = %.2f\n' "$name" "$ROUNDS" "$q" "$jit" "$s" \
			"$(awk -v q="$q" -v s="$s" 'BEGIN { print q/s }')"
	done
done

if [ ! -x "$ROOT/usr/bin/redis-server" ] || ! command -v redis-benchmark >/dev/null; then
	echo "redis: skipped (make rootfs-riscv64; apt-get install redis-tools)"
	exit 0
fi
ROOT=$(cd "$ROOT" && pwd)
# rps PORT ARGS...: "SET GET" requests per second.
rps() {
	local port=$1; shift
	timeout 300 redis-benchmark -p "$port" -t set,get -n "${N:-100000}" "$@" -q 2>/dev/null | tr '\r' '\n' |
		awk '/^(SET|GET): [0-9.]+ requests per second/ { v[$1] = $2 } END { printf "%s %s", v["SET:"], v["GET:"] }'
}
wait_port() { for i in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
qp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=""
qemu-riscv64 -L "$ROOT" "$ROOT/usr/bin/redis-server" --port "$qp" --save '' >/dev/null 2>&1 & pids="$pids $!"
"$S" run --root "$ROOT" -p "127.0.0.1:$sp:6379" /usr/bin/redis-server --port 6379 --save '' >/dev/null 2>&1 & pids="$pids $!"
wait_port "$qp" || { echo "redis under qemu-riscv64 did not start"; exit 1; }
wait_port "$sp" || { echo "redis under the sentry did not answer"; exit 1; }
echo "riscv64 redis-server, redis-benchmark -n ${N:-100000} requests per second (best of $ROUNDS alternating rounds):"
printf '  %-5s %-12s %12s %12s %7s\n' test config qemu sentry ratio
for args in "-c 50 -P 16" "-c 1"; do
	qs=0 qg=0 ss=0 sg=0
	for _ in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086
		read -r a b <<<"$(rps "$qp" $args)"
		# shellcheck disable=SC2086
		read -r c d <<<"$(rps "$sp" $args)"
		qs=$(awk -v x="$qs" -v y="${a:-0}" 'BEGIN { print (y > x ? y : x) }')
		qg=$(awk -v x="$qg" -v y="${b:-0}" 'BEGIN { print (y > x ? y : x) }')
		ss=$(awk -v x="$ss" -v y="${c:-0}" 'BEGIN { print (y > x ? y : x) }')
		sg=$(awk -v x="$sg" -v y="${d:-0}" 'BEGIN { print (y > x ? y : x) }')
	done
	awk -v c="$args" -v a="$qs" -v b="$ss" 'BEGIN { printf "  %-5s %-12s %12.0f %12.0f %7.2f\n", "SET", c, a, b, (a > 0 ? b / a : 0) }'
	awk -v c="$args" -v a="$qg" -v b="$sg" 'BEGIN { printf "  %-5s %-12s %12.0f %12.0f %7.2f\n", "GET", c, a, b, (a > 0 ? b / a : 0) }'
done
