package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runHooks runs hooks in order, each with the container's state on its
// stdin, as the runtime spec says; the first that fails (non-zero exit,
// or past its timeout) stops the list and is the error. They run on the
// host, as the engine's own programs (runc does the same for the
// runtime-namespace hooks).
func runHooks(kind string, hooks []specs.Hook, st State) error {
	if len(hooks) == 0 {
		return nil
	}
	state, err := json.Marshal(st.State)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		ctx := context.Background()
		if h.Timeout != nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
			defer cancel()
		}
		cmd := exec.CommandContext(ctx, h.Path)
		if len(h.Args) > 0 {
			cmd.Args = h.Args
		}
		cmd.Env = h.Env
		cmd.Stdin = bytes.NewReader(state)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return fmt.Errorf("%s hook %s: %v: %s", kind, h.Path, err, bytes.TrimSpace(out.Bytes()))
		}
	}
	return nil
}
