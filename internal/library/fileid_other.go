//go:build !linux

package library

import "io/fs"

// fileID identifies a version of a file by its size and modification time
// where the system gives no inode or change time.
type fileID struct {
	size, mtime int64
}

func identity(info fs.FileInfo) fileID {
	return fileID{size: info.Size(), mtime: info.ModTime().UnixNano()}
}
