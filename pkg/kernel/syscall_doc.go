package kernel

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sentry/pkg/arch"
)

// WriteSyscallTable prints every syscall of a with its support, as text,
// markdown (the README's table) or json.
func WriteSyscallTable(w io.Writer, a arch.Arch, format string) error {
	rows, err := Syscalls(a)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		type row struct {
			Name    string `json:"name"`
			Number  uint64 `json:"number"`
			Support string `json:"support"`
			Note    string `json:"note,omitempty"`
		}
		out := make([]row, len(rows))
		for i, r := range rows {
			out[i] = row{r.Name, r.Number, r.Support.String(), r.Note}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "markdown":
		var full, partial, unsupported int
		for _, r := range rows {
			switch r.Support {
			case Full:
				full++
			case Partial:
				partial++
			default:
				unsupported++
			}
		}
		fmt.Fprintf(w, "%s: %d full, %d partial, %d unsupported (ENOSYS). Unsupported calls are not listed.\n\n", a, full, partial, unsupported)
		fmt.Fprintln(w, "| syscall | nr | support | note |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, r := range rows {
			if r.Support == Unsupported && r.Note == "" {
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", r.Name, r.Number, r.Support, strings.ReplaceAll(r.Note, "|", `\|`))
		}
		return nil
	case "text", "":
		for _, r := range rows {
			fmt.Fprintf(w, "%-24s %4d  %-11s %s\n", r.Name, r.Number, r.Support, r.Note)
		}
		return nil
	}
	return fmt.Errorf("unknown format %q: want text, markdown or json", format)
}
