//go:build !unix

package library

import "os"

// processAlive reports whether a process with id pid exists; on Windows
// finding it opens it, which fails once it has exited.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
