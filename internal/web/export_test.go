package web

// SetMaxCatchUp lowers the catch-up bound for a test; the returned func
// restores it.
func SetMaxCatchUp(n int) (restore func()) {
	old := maxCatchUp
	maxCatchUp = n
	return func() { maxCatchUp = old }
}
