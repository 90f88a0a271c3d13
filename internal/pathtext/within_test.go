package pathtext

import (
	"path/filepath"
	"testing"
)

func TestWithinComparesWholeNamesByteForByte(t *testing.T) {
	sep := string(filepath.Separator)
	j := func(parts ...string) string { return sep + filepath.Join(parts...) }
	for _, tc := range []struct {
		name         string
		path, folder string
		want         bool
	}{
		{"a file directly in the folder", j("a", "b", "x.txt"), j("a", "b"), true},
		{"a file deep under the folder", j("a", "b", "c", "d", "x.txt"), j("a", "b"), true},
		{"the folder itself", j("a", "b"), j("a", "b"), true},
		{"a sibling whose name starts with the folder's", j("a", "bc", "x.txt"), j("a", "b"), false},
		{"the parent", j("a"), j("a", "b"), false},
		{"a Japanese folder", j("データ", "規程", "就業規則.pdf"), j("データ", "規程"), true},
		{"a Japanese sibling sharing the first character", j("データ", "規程集", "x.pdf"), j("データ", "規程"), false},
		{"a Korean folder", j("자료", "규정", "보고서.docx"), j("자료", "규정"), true},
		{"a Latin-1 folder name", j("caf\xe9", "x.txt"), j("caf\xe9"), true},
		{"a different Latin-1 byte", j("caf\xe8", "x.txt"), j("caf\xe9"), false},
		{"the root holds everything", j("a", "x.txt"), sep, true},
		{"a folder given with a trailing separator", j("a", "b", "x.txt"), j("a", "b") + sep, true},
		{"case differs", j("A", "b", "x.txt"), j("a", "b"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Within(tc.path, tc.folder); got != tc.want {
				t.Errorf("Within(%q, %q) = %v, want %v", tc.path, tc.folder, got, tc.want)
			}
			// FolderRange answers the same for paths strictly under the
			// folder, comparing bytes as SQLite's BINARY collation does.
			lo, hi := FolderRange(tc.folder)
			inRange := tc.path >= lo && tc.path < hi
			under := tc.want && filepath.Clean(tc.path) != filepath.Clean(tc.folder)
			if inRange != under {
				t.Errorf("FolderRange(%q) = [%q, %q) holds %q: %v, want %v", tc.folder, lo, hi, tc.path, inRange, under)
			}
		})
	}
}
