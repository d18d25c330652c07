package oci

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/kernel"
)

// processInit is what a runtime-spec process asks of the process the
// kernel makes (the container's program, or an exec's --process): its
// user (ids, groups, umask), rlimits, noNewPrivileges and capabilities,
// all emulated, so none needs a host privilege. ignored lists what is
// not applied (for --log); an unknown rlimit type is an error, as in
// runc.
func processInit(p *specs.Process) (in *kernel.InitProcess, ignored []string, err error) {
	u := p.User
	in = &kernel.InitProcess{
		UID: u.UID, GID: u.GID, Groups: slices.Clone(u.AdditionalGids), Umask: u.Umask,
		NoNewPrivs: p.NoNewPrivileges,
	}
	if p.OOMScoreAdj != nil {
		if *p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000 {
			return nil, nil, fmt.Errorf("process.oomScoreAdj %d: not in [-1000, 1000]", *p.OOMScoreAdj)
		}
		in.OOMScoreAdj = *p.OOMScoreAdj
	}
	if u.Username != "" {
		// Windows only in the spec; runc ignores it too.
		ignored = append(ignored, "process.user.username "+u.Username)
	}
	if in.Rlimits, err = rlimitMap(p.Rlimits); err != nil {
		return nil, nil, err
	}
	if c := p.Capabilities; c != nil {
		set := func(names []string) uint64 {
			s, unknown := capSet(names)
			for _, n := range unknown {
				ignored = append(ignored, "process.capabilities: unknown capability "+n)
			}
			return s
		}
		in.Caps = &kernel.CapSets{
			Effective: set(c.Effective), Permitted: set(c.Permitted),
			Inheritable: set(c.Inheritable), Bounding: set(c.Bounding), Ambient: set(c.Ambient),
		}
	}
	return in, ignored, nil
}

// capSet turns capability names into a set; a name this kernel does not
// know is left out and returned, for a warning, as runc warns.
func capSet(names []string) (set uint64, unknown []string) {
	for _, n := range names {
		c, ok := linux.CapabilityFromString(n)
		if !ok {
			c, ok = newerCaps[n]
		}
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		set |= 1 << uint(c)
	}
	return set, unknown
}

// newerCaps are the capabilities the kernel has (up to CAP_LAST_CAP)
// whose names gvisor's linux.Capability.String does not know, so that
// CapabilityFromString misses them.
var newerCaps = map[string]linux.Capability{
	"CAP_PERFMON":            linux.CAP_PERFMON,
	"CAP_BPF":                linux.CAP_BPF,
	"CAP_CHECKPOINT_RESTORE": linux.CAP_CHECKPOINT_RESTORE,
}

// rlimitMap takes process.rlimits as runc does: an unknown type, or a
// soft limit above the hard one, is an error.
func rlimitMap(rls []specs.POSIXRlimit) (map[int][2]uint64, error) {
	var out map[int][2]uint64
	for _, r := range rls {
		res, ok := rlimitNumbers[r.Type]
		if !ok {
			return nil, fmt.Errorf("process.rlimits: unknown type %q", r.Type)
		}
		if r.Soft > r.Hard {
			return nil, fmt.Errorf("process.rlimits: %s soft limit %d above hard limit %d", r.Type, r.Soft, r.Hard)
		}
		if out == nil {
			out = map[int][2]uint64{}
		}
		out[res] = [2]uint64{r.Soft, r.Hard}
	}
	return out, nil
}

// rlimitNumbers are the names runtime-spec gives Linux's resources.
var rlimitNumbers = map[string]int{
	"RLIMIT_CPU": unix.RLIMIT_CPU, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_DATA": unix.RLIMIT_DATA,
	"RLIMIT_STACK": unix.RLIMIT_STACK, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK,
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE, "RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME": unix.RLIMIT_RTTIME,
}

// execProcess is what an exec'd process is made as, as runc's exec makes
// it: the --process file's process when the request has one; otherwise
// the container's own process (its user, groups, umask, capabilities,
// rlimits, noNewPrivileges) with exec's flags over it (--user, the
// --additional-gids, --cap and --no-new-privs runc's exec takes).
func (sb *Sandbox) execProcess(req execRequest) (*kernel.InitProcess, error) {
	if req.Process != nil {
		in, _, err := processInit(req.Process)
		return in, err
	}
	in := *sb.Init
	in.Groups = append(slices.Clone(in.Groups), req.AddGroups...)
	if req.UID != nil {
		in.UID = *req.UID
	}
	if req.GID != nil {
		in.GID = *req.GID
	}
	in.NoNewPrivs = in.NoNewPrivs || req.NoNewPrivs
	if in.Caps != nil {
		caps := *in.Caps
		add, unknown := capSet(req.AddCaps)
		if len(unknown) > 0 {
			return nil, fmt.Errorf("exec --cap: unknown capability %v", unknown)
		}
		// runc's exec --cap: not inheritable, so not ambient either.
		caps.Bounding |= add
		caps.Effective |= add
		caps.Permitted |= add
		in.Caps = &caps
	}
	return &in, nil
}
