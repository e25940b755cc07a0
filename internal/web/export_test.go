package web

import "time"

// SetMaxCatchUp lowers the catch-up bound for a test; the returned func
// restores it.
func SetMaxCatchUp(n int) (restore func()) {
	old := maxCatchUp
	maxCatchUp = n
	return func() { maxCatchUp = old }
}

// SetRecheck shortens how often streams check their session.
func SetRecheck(d time.Duration) (restore func()) {
	old := recheck
	recheck = d
	return func() { recheck = old }
}
