package library

// SetMountPoint replaces how the library tells a mount point, so that a
// test can unmount a drive; the returned function restores it.
func SetMountPoint(f func(folder string) bool) (restore func()) {
	old := isMountPoint
	isMountPoint = f
	return func() { isMountPoint = old }
}
