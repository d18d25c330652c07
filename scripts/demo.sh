#!/usr/bin/env bash
# The demo: a few real host programs, every syscall served by the sentry.
set -eu
S=${1:-bin/sentry}
run() { echo "\$ sentry run $*"; "$S" run "$@"; echo "(exit $?)"; echo; }
run /bin/echo hello from the sandbox
run /bin/sh -c 'echo x > /tmp/sentry-demo-probe; read l < /tmp/sentry-demo-probe; echo "read back: $l"'
echo "on the host: $(ls /tmp/sentry-demo-probe 2>&1 || true)"; echo
run /bin/ls /usr
run /bin/busybox uname -a
echo "\$ sentry run --strace /bin/true"
"$S" run --strace /bin/true
