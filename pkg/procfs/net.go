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
		kids[name] = gen(func() string {
			content, _ := k.NetFile(name)
			return content
		})
	}
	return newDir(base, static(base, kids))
}
