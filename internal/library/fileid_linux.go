//go:build linux

package library

import (
	"io/fs"
	"syscall"
)

// fileID identifies a version of a file: which file (device, inode) and
// its size, modification and change times (the change time moves on any
// write and cannot be set by a user).
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

func identity(info fs.FileInfo) fileID {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{size: info.Size(), mtime: info.ModTime().UnixNano()}
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}
