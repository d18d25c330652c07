//go:build race

package loader

// raceEnabled: under the race detector each load is tens of times slower,
// and the mutation test is single-goroutine, so it runs fewer mutations.
const raceEnabled = true
