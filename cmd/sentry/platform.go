package main

import (
	"debug/elf"
	"fmt"
	"os"

	"sentry/pkg/kernel"
	"sentry/pkg/loader"
	"sentry/pkg/platform"
	"sentry/pkg/ptrace"
	"sentry/pkg/riscv"
	"sentry/pkg/vfs"
)

// choosePlatform picks the platform for the program at path: by name, or
// (auto) from its ELF machine. A program for a machine the sentry cannot
// run is an exec failure (status 126). A relative path starts at cwd.
// popts configure a ptrace platform.
func choosePlatform(name string, fs *vfs.FS, cwd *vfs.Dentry, path string, popts ptrace.Options) (platform.Platform, error) {
	switch name {
	case "ptrace":
		return ptrace.NewWithOptions(popts)
	case "interp":
		return riscv.New(), nil
	case "auto", "":
	default:
		return nil, fmt.Errorf("--platform must be auto, ptrace or interp, not %q", name)
	}
	m, err := loader.Machine(fs, cwd, path)
	// A script runs on its interpreter's machine (Linux allows a few
	// levels of scripts running scripts).
	for depth := 0; err == nil && m == elf.EM_NONE && depth < 4; depth++ {
		interp, ok, ierr := loader.ScriptInterpreter(fs, cwd, path)
		if ierr != nil || !ok {
			break
		}
		path = interp
		m, err = loader.Machine(fs, cwd, path)
	}
	if err != nil {
		return nil, execFailed(&kernel.ExecError{Path: path, Err: err})
	}
	switch m {
	case elf.EM_X86_64, elf.EM_NONE:
		return ptrace.NewWithOptions(popts)
	case elf.EM_RISCV:
		return riscv.New(), nil
	}
	fmt.Fprintf(os.Stderr, "sentry: %s: cannot run a program for %v: the sentry runs x86-64 (ptrace) and riscv64 (interpreter)\n", path, m)
	return nil, exitError{126}
}
