package procfs

import "fmt"

// settable are the sysctls an OCI config's linux.sysctl may set, with the
// values each accepts and its default: values the sandbox keeps and
// /proc/sys shows. net.ipv4.ip_forward has no effect in the sandbox
// either way: it routes no packet between interfaces (its network is
// loopback, or sockets the sentry bridges to the host's).
var settable = map[string]struct {
	def   string
	valid func(string) bool
}{
	"net.ipv4.ip_forward": {"0", func(v string) bool { return v == "0" || v == "1" }},
}

// CheckSysctl says whether key is one of the sysctls the sandbox keeps
// (false: not one) and, if so, whether value is one it accepts.
func CheckSysctl(key, value string) (known bool, err error) {
	s, ok := settable[key]
	if !ok {
		return false, nil
	}
	if !s.valid(value) {
		return true, fmt.Errorf("sysctl %s: invalid value %q", key, value)
	}
	return true, nil
}

// sysctlValue is a settable sysctl's value: the one set, or its default.
func sysctlValue(k Kernel, key string) string {
	if v, ok := k.System().Sysctl[key]; ok {
		return v
	}
	return settable[key].def
}
