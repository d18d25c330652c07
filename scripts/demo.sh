#!/usr/bin/env bash
# The demo: Debian's redis-server, unmodified, in the sandbox. Its port is
# published on a free host port, a temporary host directory is its /data,
# the host's redis-cli runs the seed notes' session, and SIGTERM ends it.
set -eu
S=${1:-bin/sentry}
dir=$(mktemp -d /tmp/sentry-demo.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'protected-mode no\nport 6379\ndir /data\n' > "$dir/redis.conf"

echo "\$ sentry run --strace --strace-output $dir/trace -p 127.0.0.1:$port:6379 -v $dir:/data /usr/bin/redis-server /data/redis.conf"
"$S" run --strace --strace-output "$dir/trace" -p "127.0.0.1:$port:6379" -v "$dir:/data" \
	/usr/bin/redis-server /data/redis.conf > "$dir/redis.log" 2>&1 &
sentry=$!
for i in $(seq 100); do
	[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

cli() { echo "127.0.0.1:$port> $*"; redis-cli -p "$port" "$@" | head -n "${LINES_SHOWN:-6}"; }
cli keys '*'
cli set mycsv 1,mydata,10
cli get mycsv
cli PING
LINES_SHOWN=4 cli CONFIG GET '*'
LINES_SHOWN=4 cli INFO
cli SAVE
echo
echo "on the host, in the volume: $(ls "$dir" | tr '\n' ' ')"
echo
echo "\$ kill -TERM <sentry>"
kill -TERM "$sentry"
wait "$sentry" && echo "(sentry exit status 0)" || echo "(sentry exit status $?)"
echo
echo "--- redis's log (the clean shutdown):"
tail -n 6 "$dir/redis.log"
echo
echo "--- the first lines of the trace ($(wc -l < "$dir/trace") lines in $dir/trace):"
head -n 15 "$dir/trace"
echo "..."
grep -E 'clone3?\(|accept4\(|rename\(|--- SIGTERM|rt_sigreturn|\+\+\+' "$dir/trace" | head -n 12
