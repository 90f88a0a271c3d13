package pathtext

import (
	"os"
	"strings"
)

// Within reports whether path is folder itself or lies under it. Both are
// cleaned absolute paths as the file system spells them (filepath.Abs or
// filepath.Clean): the comparison is of bytes, exact (no case folding, no
// Unicode normalisation), at the platform's separators, so /a/bc is not
// within /a/b, and a name in 規程 or in Latin-1 bytes is compared as it is
// stored. Every question "is this file in that folder" is answered here
// or by FolderRange, which gives the same answer to a database.
func Within(path, folder string) bool {
	return path == folder || strings.HasPrefix(path, FolderPrefix(folder))
}

// FolderPrefix is folder with one trailing separator: every path strictly
// under folder starts with it, and no other path does. A root ("/", `C:\`)
// already ends with one and is returned as it is.
func FolderPrefix(folder string) string {
	if folder != "" && os.IsPathSeparator(folder[len(folder)-1]) {
		return folder
	}
	return folder + string(os.PathSeparator)
}

// FolderRange returns the byte range [lo, hi) that holds exactly the
// paths strictly under folder, for a query over stored paths compared
// byte by byte (SQLite's BINARY collation, a sorted list): lo is
// FolderPrefix(folder) and hi is lo with its final separator byte raised
// by one. Unlike a character count (SQL substr) or a LIKE pattern, it
// needs no escaping and holds for any bytes.
func FolderRange(folder string) (lo, hi string) {
	lo = FolderPrefix(folder)
	return lo, lo[:len(lo)-1] + string(lo[len(lo)-1]+1)
}
