// Package procfs builds the sandbox's /proc and /sys as vfs.Node trees
// whose content is generated, at each lookup and open, from the sentry's
// own state: the kernel's processes, fd tables and address spaces, and the
// mount table of the vfs. Nothing of the host's /proc is shown, except
// facts about the CPU the application really runs on (cpuinfo) that the
// kernel chooses to pass through its Kernel interface. /proc/PID/net shows
// the sandbox's network as the stack renders its tables (Kernel.NetFile):
// there is one network namespace, so it is the same for every process.
//
// Who may call it: pkg/kernel, which implements Kernel and mounts New's
// and NewSys's trees with vfs.FS.Mount. procfs sits beside the kernel,
// above pkg/vfs, and imports neither pkg/kernel nor pkg/netstack: it
// reads kernel and network state only through Kernel and Process, so
// both stay free to change their own types. The kernel asks DirProcess
// which process an open /proc/PID directory stands for (pidfd_send_signal
// takes one as a pidfd): the one it was looked up for, not a later
// process given the same PID.
//
// Invariants: file content is rendered at the first read of an open file
// and again at each read from offset 0, and reads further on are served
// from that rendering (so one pass of reads is consistent, as seq_file
// makes it on Linux); directories are listed afresh each time. The tree
// is read-only (the vfs refuses namespace changes with EROFS). Of its
// files only /proc/PID/comm, /proc/PID/task/TID/comm,
// /proc/PID/oom_score_adj and, for a root caller,
// /proc/sys/kernel/{hostname,domainname} take writes; the other files of
// /proc and /proc/PID open for writing for a root caller only (EACCES
// otherwise, as the permission check on Linux) and fail each write with
// Linux's errno; the rest of /proc/sys and /sys refuse write opens with
// EROFS. Inode numbers are a hash of the node's path, so they are stable
// across lookups. /proc/PID and everything under it belong to the
// process's effective ids while it is dumpable, to root otherwise but
// for the 0555 directories (Process.Owner, asked at each stat, as
// Linux's task_dump_owner); the rest of the tree is root's.
//
// Concurrency: nodes hold no mutable state (an open file's rendering is
// guarded by its own mutex); Kernel and Process
// implementations must be safe for concurrent use. Node methods are called
// without vfs locks held (see vfs.Node), so they may call into the vfs.
package procfs
