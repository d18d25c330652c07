#!/usr/bin/env bash
# Per-syscall cost of the sentry against the raw PTRACE_SYSEMU floor,
# measured in the same run: a C getppid loop under the sentry, the same
# loop natively, and a raw C tracer doing GETREGS/SETREGS per stop.
set -eu
S=${1:-bin/sentry}
N=${N:-200000}
ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gcc -O2 -o "$dir/getppid_loop" testdata/bench/getppid_loop.c
gcc -O2 -o "$dir/raw_sysemu" testdata/bench/raw_sysemu.c
val() { sed -n 's/.*ns_per_syscall=\([0-9.]*\).*/\1/p'; }
best() { sort -n | head -1; }
native=$(for i in $(seq $ROUNDS); do "$dir/getppid_loop" "$N" | val; done | best)
raw=$(for i in $(seq $ROUNDS); do "$dir/raw_sysemu" "$N" 0 | val; done | best)
rawpin=$(for i in $(seq $ROUNDS); do "$dir/raw_sysemu" "$N" 1 | val; done | best)
sentry=$(for i in $(seq $ROUNDS); do "$S" run "$dir/getppid_loop" "$N" | val; done | best)
printf 'getppid, ns per syscall (best of %d rounds of %d calls)\n' "$ROUNDS" "$N"
printf '  native                      %8.1f\n' "$native"
printf '  raw C PTRACE_SYSEMU         %8.1f\n' "$raw"
printf '  raw C PTRACE_SYSEMU pinned  %8.1f\n' "$rawpin"
printf '  sentry                      %8.1f\n' "$sentry"
awk -v s="$sentry" -v r="$raw" -v p="$rawpin" 'BEGIN { printf "ratio sentry/raw = %.2f, sentry/raw-pinned = %.2f\n", s/r, s/p }'

# Loopback network: two threads of one process over 127.0.0.1, in the
# sandbox (the sentry's in-memory stack) and natively (the host's TCP).
gcc -O2 -pthread -o "$dir/net_loopback" testdata/bench/net_loopback.c
PP=${PP:-20000}
MB=${MB:-512}
rt() { sed -n 's/.*ns_per_roundtrip=\([0-9.]*\).*/\1/p'; }
mbs() { sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p'; }
top() { sort -n | tail -1; }
pp_native=$(for i in $(seq $ROUNDS); do "$dir/net_loopback" pingpong "$PP" | rt; done | best)
pp_sentry=$(for i in $(seq $ROUNDS); do "$S" run "$dir/net_loopback" pingpong "$PP" | rt; done | best)
bulk_native=$(for i in $(seq $ROUNDS); do "$dir/net_loopback" bulk "$MB" | mbs; done | top)
bulk_sentry=$(for i in $(seq $ROUNDS); do "$S" run "$dir/net_loopback" bulk "$MB" | mbs; done | top)
printf 'loopback TCP, two threads (best of %d rounds)\n' "$ROUNDS"
printf '  ping-pong 1 byte, ns per round trip: native %8.0f  sentry %8.0f\n' "$pp_native" "$pp_sentry"
printf '  bulk %d MiB, MB/s:                  native %8.1f  sentry %8.1f\n' "$MB" "$bulk_native" "$bulk_sentry"
awk -v a="$pp_native" -v b="$pp_sentry" -v c="$bulk_native" -v d="$bulk_sentry" \
	'BEGIN { printf "ratio sentry/native: ping-pong speed = %.2f, bulk throughput = %.2f\n", a/b, d/c }'

# Threads of one process on every CPU (spinning and syscall-heavy, N = 1..8).
"$(dirname "$0")/bench-threads.sh" "$S" || echo "threads benchmark failed"

echo
"$(dirname "$0")/bench-files.sh" "$S" || echo "files benchmark failed"

# redis with io-threads 1 and 2, natively and in the sandbox.
"$(dirname "$0")/bench-iothreads.sh" "$S" || echo "redis io-threads benchmark failed"

# The riscv64 interpreter (MIPS, cpubench and redis against qemu-riscv64).
"$(dirname "$0")/bench-riscv.sh" "$S" || echo "riscv64 benchmark failed"

# redis-benchmark, native against the sandbox.
"$(dirname "$0")/bench-redis.sh" "$S" || echo "redis benchmark failed"

# --network host against native in a namespace made for it (root only).
if [ "$(id -u)" = 0 ]; then
	"$(dirname "$0")/bench-hostnet.sh" "$S" || echo "host network benchmark failed"
fi

# Container start-up and an idle redis container's memory, against runc
# (root only).
if [ "$(id -u)" = 0 ]; then
	"$(dirname "$0")/bench-oci.sh" "$S" || echo "container benchmark failed"
fi
