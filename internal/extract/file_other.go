//go:build !unix

package extract

// nonBlock is 0 where opening cannot block on a pipe.
const nonBlock = 0
