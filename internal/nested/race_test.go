//go:build race

package nested

// raceEnabled reports that this test binary runs with the race detector, so that the
// nested modules' tests do too.
const raceEnabled = true
