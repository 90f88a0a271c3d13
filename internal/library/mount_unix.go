//go:build unix

package library

import (
	"path/filepath"
	"syscall"
)

// mountPoint reports whether folder is on another device than its parent,
// that is the root of a mounted file system (a drive, a share). It is
// false when either cannot be read.
func mountPoint(folder string) bool {
	var a, b syscall.Stat_t
	parent := filepath.Dir(folder)
	if parent == folder || syscall.Stat(folder, &a) != nil || syscall.Stat(parent, &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}
