package procfs

import (
	"sentry/pkg/vfs"
)

// /proc/PID/net: the sandbox's one network namespace, so every process's
// directory shows the same tables, rendered by the network stack
// (Kernel.NetFile).

// netDir is /proc/PID/net.
func netDir(k Kernel, base string) vfs.Node {
	kids := map[string]func(string) vfs.Node{}
	for _, name := range k.NetFiles() {
		kids[name] = func(path string) vfs.Node {
			f := gen(func() string {
				content, _ := k.NetFile(name)
				return content
			})(path)
			// The tables belong to the namespace's root, not to the
			// process whose directory shows them.
			inherit(f, rootOwner)
			return f
		}
	}
	return newDir(base, static(base, kids))
}
