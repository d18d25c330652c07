// Package epoll owns readiness: the one waiter mechanism (Queue, Entry)
// that every waitable object of the sandbox shares — pipes, sockets,
// eventfd, timerfd, signalfd and epoll instances themselves — and the
// epoll instance built on it. poll and select (in pkg/kernel) use the
// same Queues.
//
// It also holds the small files that are nothing but a buffer or a
// counter plus readiness (pipes, eventfd, timerfd), and the sentry's own
// stdio (stdio.go, also host fds handed to it for an OCI exec's
// process, which it then owns), whose host pipe or terminal must be a Waitable too: a
// goroutine polls the host fd only while someone waits on it
// (hostwatch.go), so no task ever blocks inside a host read. ARCHITECTURE.md puts
// pipes in pkg/vfs; they live here instead because a pipe must be a
// Waitable, an epoll instance is itself a vfs.FileImpl (so this package
// imports vfs), and vfs importing this package back would be a cycle.
//
// Nothing here blocks. Objects return EAGAIN when an operation would
// wait; the kernel registers an Entry, retries, and waits through its
// one interruptible wait (kernel.Task.waitFor), so signals and group
// exit interrupt every wait the same way.
//
// Lock order: Queue.mu -> Instance.mu -> object locks (a pipe's, a
// socket's) -> a nested Instance's mu. Objects therefore never call
// Queue.Notify while holding their own lock, and an Instance never takes
// a Queue's lock while holding its own.
package epoll
