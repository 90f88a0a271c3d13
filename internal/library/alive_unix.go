//go:build unix

package library

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with id pid exists (a reused id
// counts as alive: the caller then leaves things be).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
