package oci

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Features is the `features` verb's answer: what this runtime accepts in
// config.json (see Translate for how each is served).
func Features() *features.Features {
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks: []string{"prestart", "createRuntime", "createContainer", "startContainer",
			"poststart", "poststop"},
		MountOptions: []string{"bind", "rbind", "ro", "rw"},
		Linux: &features.Linux{
			Namespaces: []string{string(specs.PIDNamespace), string(specs.NetworkNamespace),
				string(specs.IPCNamespace), string(specs.UTSNamespace), string(specs.MountNamespace)},
		},
		Annotations: map[string]string{"org.opencontainers.runtime-spec.features.runtime": "sentry"},
	}
}
