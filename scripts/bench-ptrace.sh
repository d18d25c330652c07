#!/usr/bin/env bash
# The ptrace platform's own round trip (Switch on a getppid loop) against the
# raw C PTRACE_SYSEMU floor measured in the same run, pinned and unpinned.
# x-raw is the ratio (target: at most 1.3). Needs root (ptrace) and gcc.
set -eu
cd "$(dirname "$0")/.."
N=${N:-30000}
exec go test -run '^$' -bench BenchmarkSwitch -benchtime "${N}x" -count "${COUNT:-3}" ./pkg/ptrace/
