package kernel

import "testing"

func TestNoteEpollResult(t *testing.T) {
	tests := []struct {
		name   string
		before bool
		ready  int
		block  bool
		want   bool
	}{
		{"many events: busy", true, 50, true, false},
		{"one event: one exchange at a time", false, 1, false, true},
		{"had to wait", false, 0, true, true},
		{"empty poll says nothing (was busy)", false, 0, false, false},
		{"empty poll says nothing (was bound)", true, 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := &Task{latencyBound: tc.before}
			task.noteEpollResult(tc.ready, tc.block)
			if task.latencyBound != tc.want {
				t.Fatalf("latencyBound = %v, want %v", task.latencyBound, tc.want)
			}
		})
	}
}
