#!/usr/bin/env bash
# Path walks from many processes (issue #15): N forked processes each doing
# open/fstat/read/close on their own file under the read-only root
# (testdata/bench/files_procs.c), N = 1 and 8, natively and under the
# sentry, alternating; each figure is the best of ROUNDS. The scaling
# column is the 8-process rounds/s over the 1-process rounds/s: a file
# tree behind one lock stays near 1.0 whatever the CPUs; on a 2-CPU
# machine the goal is 1.5 or more. getppid per call under the sentry, in
# the same run, shows what a syscall costs apart from the file tree.
set -eu
S=${1:-bin/sentry}
ROUNDS=${ROUNDS:-3}
ITERS=${ITERS:-20000}  # rounds per process at N=1 (N=8: ITERS/8 each)
FILES="/etc/passwd /etc/group /etc/hostname /etc/hosts /etc/os-release /etc/shells /etc/profile /etc/issue"
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gcc -O2 -o "$dir/files_procs" testdata/bench/files_procs.c
gcc -O2 -o "$dir/getppid_loop" testdata/bench/getppid_loop.c
rate() { sed -n 's/.*rounds_per_s=\([0-9.]*\).*/\1/p'; }
top() { sort -n | tail -1; }
: >"$dir/n1"; : >"$dir/n8"; : >"$dir/s1"; : >"$dir/s8"
for i in $(seq "$ROUNDS"); do
	"$dir/files_procs" 1 $((ITERS * 10)) $FILES | rate >>"$dir/n1"
	"$S" run "$dir/files_procs" 1 "$ITERS" $FILES | rate >>"$dir/s1"
	"$dir/files_procs" 8 $((ITERS * 10 / 8)) $FILES | rate >>"$dir/n8"
	"$S" run "$dir/files_procs" 8 $((ITERS / 8)) $FILES | rate >>"$dir/s8"
done
n1=$(top <"$dir/n1"); n8=$(top <"$dir/n8"); s1=$(top <"$dir/s1"); s8=$(top <"$dir/s8")
gp=$(for i in $(seq "$ROUNDS"); do "$S" run "$dir/getppid_loop" 200000 | sed -n 's/.*ns_per_syscall=\([0-9.]*\).*/\1/p'; done | sort -n | head -1)
echo "open/fstat/read/close rounds per second, N processes (best of $ROUNDS; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-7s %12s %12s %8s\n' "" "N=1" "N=8" scaling
printf '  %-7s %12.0f %12.0f %8.2f\n' native "$n1" "$n8" "$(awk -v a="$n1" -v b="$n8" 'BEGIN{print b/a}')"
printf '  %-7s %12.0f %12.0f %8.2f\n' sentry "$s1" "$s8" "$(awk -v a="$s1" -v b="$s8" 'BEGIN{print b/a}')"
printf '  getppid under the sentry: %.1f ns per call\n' "$gp"
