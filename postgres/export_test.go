package postgres

import "time"

// SetPollInterval sets the poll interval of the feeds that start from now on, and
// returns a function that restores it.
func SetPollInterval(d time.Duration) (restore func()) {
	old := pollNs.Swap(int64(d))
	return func() { pollNs.Store(old) }
}
