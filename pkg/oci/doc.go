// Package oci makes the sentry an OCI runtime: it turns a bundle (a
// directory holding config.json and a root filesystem) into a sandbox,
// keeps each container's state on disk under a state directory (runc's
// --root), and implements the lifecycle verbs engines drive (create,
// start, state, kill, delete, list, exec).
//
// One container is one sentry process (the "container sentry"): create
// starts it (cmd/sentry's hidden init verb calls Boot), it loads the
// sandbox and the program (already PID 1, held as runc's init is),
// reports ready on a pipe, and then blocks on the container's exec FIFO
// until start opens it; then the program runs. The PID engines wait on
// is that process and its exit status is the container's. Nothing the
// application does reaches the host: the bundle's config only chooses
// what the sandbox looks like (root, volumes, environment, limits, ids),
// all of it emulated by pkg/kernel and pkg/vfs.
//
// Network (netns.go): the sandbox runs in host mode (netstack.ModeHost)
// in the network namespace runc would give the container: the
// linux.namespaces network entry's path (the engine's, e.g. podman's
// netavark bridge with its port forwards), a new namespace with lo up
// when the entry has no path, the runtime's own without an entry. create
// starts the container sentry there from a locked OS thread that entered
// the namespace (setns and unshare act on one thread); the container
// sentry's host sockets (its listeners and connections beyond loopback)
// are then that namespace's, and the application still holds none.
// Without the privilege to make a new namespace, the sandbox's network
// is its in-memory loopback only (netstack.ModeNone), and --log says so.
//
// Host namespaces (hostns.go): the container sentry itself runs in the
// IPC, mount, PID, UTS and cgroup namespaces linux.namespaces names (a
// path joined, an entry without one new), in its linux.cgroupsPath
// (cgroups.go), as runc's init would; never in a host user namespace.
// They hold the sentry process only: the sandbox's namespaces are its
// kernel's own.
//
// Invariants: a container's state lives in STATEDIR/ID (state.json,
// exec.sock and, until start, exec.fifo) and nowhere else; every verb
// that changes a container holds the flock of STATEDIR/ID (exec changes
// none: it only reads the state, then talks to the container sentry); a failed create leaves
// nothing behind. State is recomputed from the process, never trusted
// from disk: the PID recorded at create (with its start time, so a
// reused PID does not count) alive and the FIFO present is "created",
// alive without it "running", otherwise "stopped".
//
// exec (exec.go, exec_server.go, exec_client.go) runs a new process in
// a created or running container's own kernel, never on the host: the container
// sentry listens on STATEDIR/ID/exec.sock (0600), `sentry exec` sends the
// process and its stdio fds (and --preserve-fds ones) there and exits with the process's status;
// with -d a background copy of it does, and its PID (--pid-file) stands
// for the process: signals it gets are forwarded, its death kills it.
//
// With process.terminal, create gives the container sentry a host
// pseudo-terminal as stdio and controlling terminal and sends the master
// over --console-socket (console.go). Hooks (hooks.go) run with the
// state on stdin: on the host, except startContainer ones, which run
// inside the sandbox at start before the program (start returns once
// they have, as runc's returns once its init execs the program); those
// of create fail create, a startContainer one stops the container, the
// post ones are warnings.
//
// Callers: cmd/sentry's OCI verbs only. Lock order: one container's
// flock at a time (List takes each in turn); no lock is held across
// calls.
package oci
