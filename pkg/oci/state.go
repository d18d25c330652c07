package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Errors with runc's wording, since engines show them to their users.
var (
	ErrNotExist = errors.New("container does not exist")
	ErrExist    = errors.New("container with given ID already exists")
	ErrNotRun   = errors.New("container not running")
)

// record is what create writes to STATEDIR/ID/state.json.
type record struct {
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	StartTime   uint64            `json:"startTime"` // /proc/PID/stat field 22
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Hooks are the config's, for start (poststart) and delete
	// (poststop), which do not read the bundle again.
	Hooks *specs.Hooks `json:"hooks,omitempty"`
	// CgroupsPath is linux.cgroupsPath, whose cgroup delete removes.
	CgroupsPath string `json:"cgroupsPath,omitempty"`
}

// State is `state`'s output: the OCI state plus runc's extra fields.
type State struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

// Store is one state directory (runc's --root).
type Store struct {
	Root string
	// Warn receives what failed but does not fail the verb (a
	// poststart or poststop hook); nil drops it.
	Warn func(msg string)
}

func (s Store) warn(msg string) {
	if s.Warn != nil {
		s.Warn(msg)
	}
}

var validID = regexp.MustCompile(`^[\w+\-.]+$`)

func (s Store) dir(id string) (string, error) {
	if !validID.MatchString(id) || id == "." || id == ".." {
		return "", fmt.Errorf("invalid container id %q", id)
	}
	return filepath.Join(s.Root, id), nil
}

// locked is one container's directory with its flock held.
type locked struct {
	dir string
	fd  int
}

func (l *locked) unlock() { unix.Close(l.fd) }

// lock takes the container's flock; ErrNotExist if it has no directory.
func (s Store) lock(id string) (*locked, error) {
	dir, err := s.dir(id)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("state of %s: %w", id, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock state of %s: %w", id, err)
	}
	// A delete that held the lock before us removed the directory.
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		unix.Close(fd)
		return nil, ErrNotExist
	}
	return &locked{dir: dir, fd: fd}, nil
}

func (l *locked) read() (*record, error) {
	data, err := os.ReadFile(filepath.Join(l.dir, "state.json"))
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(l.dir, "state.json"), err)
	}
	return &r, nil
}

func writeRecord(dir string, r *record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "state.json"), data)
}

// writeFileAtomic makes name appear whole or not at all, as engines
// read pid files while we write them.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// alive reports whether the container sentry still runs: the PID exists,
// is not a zombie, and is the process create started (same start time).
func (r *record) alive() bool {
	st, ok := procStat(r.Pid)
	return ok && st.state != 'Z' && st.state != 'X' && st.start == r.StartTime
}

func (r *record) status(dir string) specs.ContainerState {
	if !r.alive() {
		return specs.StateStopped
	}
	if _, err := os.Stat(filepath.Join(dir, fifoName)); err == nil {
		return specs.StateCreated
	}
	return specs.StateRunning
}

func (r *record) state(dir string) State {
	st := State{
		State: specs.State{
			Version:     specs.Version,
			ID:          r.ID,
			Status:      r.status(dir),
			Pid:         r.Pid,
			Bundle:      r.Bundle,
			Annotations: r.Annotations,
		},
		Rootfs:  r.Rootfs,
		Created: r.Created,
		Owner:   "",
	}
	if st.Status == specs.StateStopped {
		st.Pid = 0
	}
	return st
}

type pstat struct {
	state byte
	start uint64
}

// procStat reads a process's state and start time from /proc/PID/stat.
func procStat(pid int) (pstat, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return pstat{}, false
	}
	// The command name may hold spaces and parentheses: fields start
	// after the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return pstat{}, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return pstat{}, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return pstat{}, false
	}
	return pstat{state: f[0][0], start: start}, true
}

// State is the `state` verb.
func (s Store) State(id string) (State, error) {
	l, err := s.lock(id)
	if err != nil {
		return State{}, err
	}
	defer l.unlock()
	r, err := l.read()
	if err != nil {
		return State{}, err
	}
	return r.state(l.dir), nil
}

// List is the `list` verb: every container in the store, by ID.
func (s Store) List() ([]State, error) {
	ents, err := os.ReadDir(s.Root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []State
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		st, err := s.State(e.Name())
		if err != nil {
			continue // deleted meanwhile, or not ours
		}
		out = append(out, st)
	}
	return out, nil
}

// Pids is the `ps` verb's answer: the container's host processes. The
// container sentry is the only one an engine may signal or account (its
// stubs only run what it injects), so it is the list.
func (s Store) Pids(id string) ([]int, error) {
	st, err := s.State(id)
	if err != nil {
		return nil, err
	}
	if st.Status == specs.StateStopped {
		return []int{}, nil
	}
	return []int{st.Pid}, nil
}
