//go:build !unix

package conns

// OpenFileLimit reports no limit where the platform has none to read.
func OpenFileLimit() (int, bool) { return 0, false }
