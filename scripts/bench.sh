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

# The riscv64 interpreter (MIPS, cpubench and redis against qemu-riscv64).
"$(dirname "$0")/bench-riscv.sh" "$S" || echo "riscv64 benchmark failed"
