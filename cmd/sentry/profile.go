package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the sentry to the file named by
// SENTRY_CPUPROFILE, for measuring the interpreter and the kernel; the
// returned function stops it.
func startProfile() func() {
	path := os.Getenv("SENTRY_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
