package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bundle is a parsed, checked OCI bundle.
type Bundle struct {
	Dir  string // absolute
	Spec *specs.Spec
}

// LoadBundle reads DIR/config.json and checks what the sentry needs
// before anything is created: a 1.x ociVersion, process.args, a root
// directory that exists, and namespace paths of their declared type.
func LoadBundle(dir string) (*Bundle, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(abs, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bundle %s: config.json: no such file or directory", abs)
		}
		return nil, fmt.Errorf("bundle %s: %w", abs, err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("bundle %s: config.json: %w", abs, err)
	}
	if err := checkSpec(&s); err != nil {
		return nil, fmt.Errorf("bundle %s: config.json: %w", abs, err)
	}
	b := &Bundle{Dir: abs, Spec: &s}
	root := b.RootPath()
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("bundle %s: root.path %q: %w", abs, s.Root.Path, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("bundle %s: root.path %q is not a directory", abs, s.Root.Path)
	}
	if err := checkNamespaces(&s); err != nil {
		return nil, fmt.Errorf("bundle %s: config.json: %w", abs, err)
	}
	return b, nil
}

func checkSpec(s *specs.Spec) error {
	if !strings.HasPrefix(s.Version, "1.") {
		return fmt.Errorf("ociVersion %q: the sentry runs runtime-spec 1.x bundles", s.Version)
	}
	if s.Root == nil || s.Root.Path == "" {
		return errors.New("root.path is required")
	}
	if s.Process == nil || len(s.Process.Args) == 0 {
		return errors.New("process.args must name the program to run")
	}
	if s.Process.Cwd != "" && !filepath.IsAbs(s.Process.Cwd) {
		return fmt.Errorf("process.cwd %q must be an absolute path", s.Process.Cwd)
	}
	return nil
}

// RootPath is root.path, relative paths being relative to the bundle.
func (b *Bundle) RootPath() string {
	return b.hostPath(b.Spec.Root.Path)
}

func (b *Bundle) hostPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(b.Dir, p)
}
