//go:build unix

package conns

import "syscall"

// OpenFileLimit returns the process's limit on open file descriptors
// (RLIMIT_NOFILE, which the Go runtime raises to the hard limit at start).
func OpenFileLimit() (int, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0, false
	}
	return int(r.Cur), true
}
