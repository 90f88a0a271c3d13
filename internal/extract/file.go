package extract

import (
	"fmt"
	"io/fs"
	"os"
)

// OpenFile opens path for reading only if it is a regular file, following
// links. The open never blocks: a named pipe with no writer is opened
// without waiting and then refused, and so is a device or socket. The
// check is made on what was opened (fstat), so a file swapped for a pipe or
// a link to a device between an earlier check and the open is refused too.
// Errors are *fs.PathError; a file that is not regular wraps ErrNotRegular.
func OpenFile(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%s: %w", Kind(info.Mode()), ErrNotRegular)}
	}
	return f, info, nil
}

// Kind names what a file that is not regular is, for messages.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}
