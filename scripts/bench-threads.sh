#!/usr/bin/env bash
# Threads of one process on every CPU: N threads spinning, and N threads
# making syscalls (getppid; 1-byte reads of a pipe), for N = 1, 2, 4, 8,
# natively and under the sentry in the same run (testdata/bench/
# threads_scale.c). Native and sandboxed rounds alternate; each figure is
# the best of ROUNDS. Then the same program built for riscv64, under the
# sentry and under qemu-riscv64.
#   spin: wall time; the sandbox should scale like native (ratio ~1 at
#         every N), not take N times the one-thread time.
#   getppid, pipe: ns per call per thread (wall time / calls per thread).
set -eu
S=${1:-bin/sentry}
ROUNDS=${ROUNDS:-3}
NS=${NS:-"1 2 4 8"}
MODES=${MODES:-"spin getppid pipe"}
SPIN=${SPIN:-100000000}  # iterations per spinning thread
CALLS=${CALLS:-50000}    # syscalls per thread
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gcc -O2 -pthread -o "$dir/threads_scale" testdata/bench/threads_scale.c
wall() { sed -n 's/.*wall_ns=\([0-9.]*\).*/\1/p'; }
per() { sed -n 's/.*ns_per_op=\([0-9.]*\).*/\1/p'; }
best() { sort -n | head -1; }
# run ROUNDS times alternating "$A" and "$B"; print "bestA bestB".
pair() {
	local field=$1 a=$2 b=$3; shift 3
	local fa="$dir/a" fb="$dir/b"
	: >"$fa"; : >"$fb"
	for i in $(seq "$ROUNDS"); do
		$a "$@" | $field >>"$fa"
		$b "$@" | $field >>"$fb"
	done
	echo "$(best <"$fa") $(best <"$fb")"
}
echo "threads of one process, amd64 (best of $ROUNDS alternating rounds; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-8s %2s %14s %14s %7s\n' mode N native sentry ratio
for mode in $MODES; do
	iters=$CALLS; field=per; unit=ns/call
	if [ "$mode" = spin ]; then iters=$SPIN; field=wall; unit=ms; fi
	for n in $NS; do
		read -r a b <<<"$(pair $field "$dir/threads_scale" "$S run $dir/threads_scale" "$mode" "$n" "$iters")"
		if [ "$mode" = spin ]; then a=$(awk -v x="$a" 'BEGIN{print x/1e6}'); b=$(awk -v x="$b" 'BEGIN{print x/1e6}'); fi
		printf '  %-8s %2d %11.1f %-2s %11.1f %-2s %7.2f\n' "$mode" "$n" "$a" "${unit%%/*}" "$b" "${unit%%/*}" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"
	done
done

# Python threads hashing large buffers (hashlib releases the GIL).
PY=${PY:-/usr/bin/python3.11}
if [ -x "$PY" ]; then
	echo "python threading, sha256 of 16 MiB x ${HASHES:-10} per thread, wall s (best of $ROUNDS alternating rounds)"
	printf '  %2s %10s %10s %7s
' T native sentry ratio
	pyw() { sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p'; }
	for n in 1 2; do
		read -r a b <<<"$(pair pyw "$PY" "$S run $PY" testdata/py/hashlib_threads.py "$n" "${HASHES:-10}")"
		printf '  %2d %10.2f %10.2f %7.2f\n' "$n" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"
	done
fi

if command -v riscv64-linux-gnu-gcc >/dev/null && command -v qemu-riscv64 >/dev/null; then
	riscv64-linux-gnu-gcc -O2 -static -pthread -o "$dir/threads_scale.rv" testdata/bench/threads_scale.c
	RSPIN=${RSPIN:-$((SPIN / 4))}
	echo "threads of one process, riscv64 spin (best of $ROUNDS; qemu-riscv64 is the reference; load average $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '  %2s %14s %14s %7s\n' N qemu sentry ratio
	for n in $NS; do
		read -r a b <<<"$(pair wall "qemu-riscv64 $dir/threads_scale.rv" "$S run $dir/threads_scale.rv" spin "$n" "$RSPIN")"
		printf '  %2d %11.1f ms %11.1f ms %7.2f\n' "$n" "$(awk -v x="$a" 'BEGIN{print x/1e6}')" "$(awk -v x="$b" 'BEGIN{print x/1e6}')" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"
	done
else
	echo "riscv64: skipped (needs gcc-riscv64-linux-gnu and qemu-user)"
fi
