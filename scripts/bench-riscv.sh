#!/usr/bin/env bash
# riscv64 interpreter speed, measured against qemu-riscv64 (a JIT) in the
# same run:
#   - guest MIPS of the interpreter on a load/store/ALU/branch loop (Go
#     benchmark in pkg/riscv);
#   - wall time of a CPU-bound C program (testdata/riscv/cpubench.c) under
#     the sentry and under qemu-riscv64, as a ratio;
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

echo "riscv64 interpreter, guest instructions per second (Go benchmark):"
go test -run XXX -bench InterpreterMIPS -benchtime 20x ./pkg/riscv | awk '/MIPS/ { printf "  %s MIPS\n", $(NF-1) }'

riscv64-linux-gnu-gcc -O2 -static -o "$dir/cpubench" testdata/riscv/cpubench.c
best() { sort -n | head -1; }
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
q=$(for i in $(seq "$ROUNDS"); do secs qemu-riscv64 "$dir/cpubench" 10; done | best)
s=$(for i in $(seq "$ROUNDS"); do secs "$S" run "$dir/cpubench" 10; done | best)
printf 'cpubench (best of %d): qemu-riscv64 %.2fs, sentry %.2fs, speed ratio sentry/qemu = %.2f\n' "$ROUNDS" "$q" "$s" \
	"$(awk -v q="$q" -v s="$s" 'BEGIN { print q/s }')"

if [ ! -x "$ROOT/usr/bin/redis-server" ] || ! command -v redis-benchmark >/dev/null; then
	echo "redis: skipped (make rootfs-riscv64; apt-get install redis-tools)"
	exit 0
fi
ROOT=$(cd "$ROOT" && pwd)
bench() { # port label
	for args in "-c 50 -P 16" "-c 1"; do
		r=$(timeout 300 redis-benchmark -p "$1" -t set,get -n "${N:-20000}" $args -q 2>/dev/null | tr '\r' '\n' | awk '/requests per second/ { printf "%s %s ", $1, $2 }')
		echo "  $2 $args: $r"
	done
}
wait_port() { for i in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
pids=""
qemu-riscv64 -L "$ROOT" "$ROOT/usr/bin/redis-server" --port 16391 --save '' >/dev/null 2>&1 & pids="$pids $!"
"$S" run --root "$ROOT" -p 127.0.0.1:16392:6379 /usr/bin/redis-server --port 6379 --save '' >/dev/null 2>&1 & pids="$pids $!"
echo "redis-benchmark SET/GET, requests per second:"
if wait_port 16391; then bench 16391 qemu; else echo "  qemu: redis did not start"; fi
if wait_port 16392; then bench 16392 sentry; else echo "  sentry: redis did not answer (sockets and publishing needed)"; fi
