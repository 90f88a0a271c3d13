//go:build !unix

package library

// mountPoint is false where a drive is not mounted on a folder (a drive
// letter that is not there is a folder that is not there).
func mountPoint(folder string) bool { return false }
