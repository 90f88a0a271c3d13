//go:build unix

package extract

import "syscall"

// nonBlock makes opening a named pipe return at once instead of waiting
// for a writer; it changes nothing for regular files.
const nonBlock = syscall.O_NONBLOCK
