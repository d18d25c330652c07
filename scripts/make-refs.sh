#!/usr/bin/env bash
# make refs: record the reference logs under testdata/ref/ that
# `sentry trace-diff` compares runs with. Each log is the seed session
# (testdata/ref/seed-session.txt, driven by one redis-cli connection, then
# SIGTERM to the server) against a redis-server that listens on a free port
# and writes into a temporary directory; nothing of the host is changed.
#
#   redis-native-amd64.strace   strace -f of the native redis-server
#   redis-cli-amd64.strace      strace -tt -T (no -f, so no pid prefixes)
#                               of the client, for the parser tests
#   redis-qemu-amd64.qemu       qemu-x86_64 -strace of the native server
#   redis-qemu-riscv64.qemu     qemu-riscv64 -strace of the riscv64
#                               server: only when the riscv64 root file
#                               system (RISCV64_ROOT, default
#                               testdata/rootfs/riscv64 as `make
#                               rootfs-riscv64` builds it) holds
#                               usr/bin/redis-server; skipped with a
#                               message otherwise
#
# The maturin excerpt (maturin-excerpt.log) is copied by hand from the
# seed notes (shared/seed/redis-on-maturin.md); it is not regenerated.
#
#   sh-sentry-amd64.jsonl       the sentry's own jsonl of a small shell
#                               command, when SENTRY names a sentry binary
#                               (make refs builds and passes it)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-testdata/ref}
mkdir -p "$OUT"
SESSION=${SESSION:-testdata/ref/seed-session.txt}
REDIS=${REDIS:-/usr/bin/redis-server}
for t in strace redis-cli "$REDIS"; do
	command -v "$t" >/dev/null || { echo "make-refs: $t is missing (make deps installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# free_port prints a TCP port nobody listens on (not 6379, which a host
# redis may hold).
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "make-refs: no free port" >&2
	exit 1
}

# record NAME CMD...: start the server under CMD (a tracer prefix), run
# the session against it, SIGTERM it, wait for the tracer to finish; fail
# (status 1) if the server does not get ready. The server's readiness is
# read from its own log, not probed with a client, so the trace holds the
# session's one connection only.
record() {
	local name=$1
	shift
	local port dir
	port=$(free_port)
	dir=$work/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	printf 'protected-mode no\nport %s\ndir %s\npidfile %s/redis.pid\nlogfile ""\n' \
		"$port" "$dir" "$dir" >"$dir/redis.conf"
	"$@" "$dir/redis.conf" >"$dir/server.out" 2>&1 &
	local tracer=$!
	for _ in $(seq 600); do
		grep -q 'Ready to accept connections' "$dir/server.out" 2>/dev/null && break
		if ! kill -0 "$tracer" 2>/dev/null; then
			tail -3 "$dir/server.out" >&2
			echo "make-refs: $name: server died" >&2
			return 1
		fi
		sleep 0.1
	done
	if ! grep -q 'Ready to accept connections' "$dir/server.out"; then
		kill -KILL "$tracer" 2>/dev/null || true
		echo "make-refs: $name: server not ready" >&2
		return 1
	fi
	redis-cli -p "$port" <"$SESSION" >"$dir/client.out"
	# Let the server go back to waiting before the signal, as the seed's
	# author did by quitting the client first.
	sleep 0.3
	kill -TERM "$(cat "$dir/redis.pid")"
	wait "$tracer" || true
	echo "make-refs: $name: $(wc -l <"$dir/client.out") reply lines"
}

# timer_in_command says the server's timer (serverCron, which reads
# /proc/self/stat) ran between the read of a command from a client socket
# and the next wait for events, in a strace or qemu log: a reference must
# show only the command's own calls in a command phase, or a run that does
# not hit the timer there looks as if it missed them.
timer_in_command() {
	awk '
	/accept4?\(/ && match($0, /= [0-9]+$/) { acc[substr($0, RSTART + 2)] = 1 }
	match($0, / (read|close)\([0-9]+/) {
		fd = substr($0, RSTART, RLENGTH); sub(/.*\(/, "", fd)
		if ($0 ~ / close\(/) delete acc[fd]; else if (fd in acc) c = 1
	}
	/ epoll_p?wait\(/ { c = 0 }
	c && /\/proc\/self\/stat/ { bad = 1 }
	END { exit !bad }' "$1"
}

# record_clean LOG NAME CMD...: record until it works (another program
# may take the free port first) and LOG has no timer inside a command
# phase; at most ten tries (qemu runs slowly enough that its timer often
# lands in SAVE).
record_clean() {
	local log=$1
	shift
	for try in 1 2 3 4 5 6 7 8 9 10; do
		if record "$@"; then
			timer_in_command "$log" || return 0
			echo "make-refs: $1: the server's timer ran inside a command phase; recording again ($try)" >&2
		fi
	done
	echo "make-refs: $1: no clean recording in ten tries; $log is the last one" >&2
	return 1
}

record_clean "$OUT/redis-native-amd64.strace" redis-native-amd64 strace -f -s 256 -o "$OUT/redis-native-amd64.strace" "$REDIS"

# The client under strace -tt -T without -f: lines without pid prefixes.
port=$(free_port)
dir=$work/client
mkdir -p "$dir"
printf 'protected-mode no\nport %s\ndir %s\nlogfile ""\n' "$port" "$dir" >"$dir/redis.conf"
"$REDIS" "$dir/redis.conf" >"$dir/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 'Ready to accept' "$dir/server.out" && break; sleep 0.1; done
strace -tt -T -s 256 -o "$OUT/redis-cli-amd64.strace" redis-cli -p "$port" <"$SESSION" >/dev/null
kill -TERM "$server"
wait "$server" || true

if command -v qemu-x86_64 >/dev/null; then
	record_clean "$OUT/redis-qemu-amd64.qemu" redis-qemu-amd64 qemu-x86_64 -strace -D "$OUT/redis-qemu-amd64.qemu" "$REDIS"
else
	echo "make-refs: qemu-x86_64 missing (Debian package qemu-user): skipped redis-qemu-amd64.qemu" >&2
fi

# The riscv64 root that `make rootfs-riscv64` builds, unless RISCV64_ROOT
# names another.
RISCV64_ROOT=${RISCV64_ROOT:-testdata/rootfs/riscv64}
if [ -x "$RISCV64_ROOT/usr/bin/redis-server" ] && command -v qemu-riscv64 >/dev/null; then
	record_clean "$OUT/redis-qemu-riscv64.qemu" redis-qemu-riscv64 qemu-riscv64 -L "$RISCV64_ROOT" -strace -D "$OUT/redis-qemu-riscv64.qemu" "$RISCV64_ROOT/usr/bin/redis-server"
else
	echo "make-refs: no $RISCV64_ROOT/usr/bin/redis-server (make rootfs-riscv64, or set RISCV64_ROOT) or no qemu-riscv64: skipped redis-qemu-riscv64.qemu" >&2
fi

if [ -n "${SENTRY:-}" ]; then
	# The sentry's own jsonl, for the parser tests.
	"$SENTRY" run --strace-format jsonl --strace-output "$OUT/sh-sentry-amd64.jsonl" \
		/bin/sh -c 'echo hi; read x < /etc/hostname; exit 3' >/dev/null || true
fi
