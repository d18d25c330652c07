// Package procfs builds the sandbox's /proc and /sys as vfs.Node trees
// whose content is generated, at each lookup and open, from the sentry's
// own state: the kernel's processes, fd tables and address spaces, and the
// mount table of the vfs. Nothing of the host's /proc is shown, except
// facts about the CPU the application really runs on (cpuinfo) that the
// kernel chooses to pass through its Kernel interface. /proc/PID/net shows
// the sandbox's network (pkg/netstack's socket table): there is one
// network namespace, so it is the same for every process.
//
// Who may call it: pkg/kernel, which implements Kernel and mounts New's
// and NewSys's trees with vfs.FS.Mount. procfs never imports pkg/kernel;
// it reads kernel state only through Kernel and Process, so the kernel
// stays free to change its own types.
//
// Invariants: file content is a snapshot taken at open (reads of one open
// file are consistent, as seq_file makes them on Linux); directories are
// listed afresh each time; every node is read-only (the vfs refuses
// changes with EROFS). Inode numbers are a hash of the node's path, so they
// are stable across lookups.
//
// Concurrency: nodes hold no mutable state; Kernel and Process
// implementations must be safe for concurrent use. Node methods are called
// without vfs locks held (see vfs.Node), so they may call into the vfs.
package procfs
