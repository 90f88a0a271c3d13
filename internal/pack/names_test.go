package pack

import (
	"errors"
	"strings"
	"testing"
)

// The one table of names a pack may and may not hold, whatever system made
// it or opens it.
func TestNamesThatWouldLeaveTheirFolderAreRefused(t *testing.T) {
	tests := []struct {
		check func(string) error
		name  string
		ok    bool
	}{
		{CheckName, "社内規程.pdf", true}, {CheckName, "a b.txt", true}, {CheckName, "console.txt", true}, {CheckName, "COM10", true},
		{CheckName, "", false}, {CheckName, ".", false}, {CheckName, "..", false}, {CheckName, "a/b", false}, {CheckName, `a\b`, false},
		{CheckName, "C:", false}, {CheckName, "a\x00b", false}, {CheckName, "a\nb", false}, {CheckName, "a\u009bb", false},
		{CheckName, "CON", false}, {CheckName, "nul.txt", false}, {CheckName, "Com1", false}, {CheckName, "LPT9.md", false},
		{CheckName, "aux .txt", false}, {CheckName, "COM¹", false}, {CheckName, "name.", false}, {CheckName, "name ", false},
		{CheckName, strings.Repeat("x", 256), false},

		{CheckPath, "a.txt", true}, {CheckPath, "規程/社内規程.pdf", true}, {CheckPath, "a/b/c d.md", true},
		{CheckPath, "", false}, {CheckPath, "/etc/passwd", false}, {CheckPath, "../a", false}, {CheckPath, "a/../../b", false},
		{CheckPath, "a/./b", false}, {CheckPath, "a//b", false}, {CheckPath, `a\b`, false}, {CheckPath, "C:/x", false},
		{CheckPath, "a/", false}, {CheckPath, "a\x00b", false}, {CheckPath, "docs/CON/a.txt", false}, {CheckPath, "docs./a", false},

		{CheckModelName, "qwen3:1.7b", true}, {CheckModelName, "hf.co/owner/model-GGUF:Q4_K_M", true},
		{CheckModelName, "../../../victim/planted", false}, {CheckModelName, "/etc/cron.d/x", false}, {CheckModelName, "a/../b", false},
		{CheckModelName, `..\..\x`, false}, {CheckModelName, "nul", false}, {CheckModelName, "bad\x1bname", false},
		{CheckModelName, "", false}, {CheckModelName, strings.Repeat("m", 201), false},

		{CheckSenderPath, "/home/office/docs/a.pdf", true}, {CheckSenderPath, `C:\Users\office\a.pdf`, true},
		{CheckSenderPath, `\\server\share\a.pdf`, true}, {CheckSenderPath, "/docs/CON", true},
		{CheckSenderPath, "", false}, {CheckSenderPath, "a.pdf", false}, {CheckSenderPath, "/docs/../etc/passwd", false},
		{CheckSenderPath, `C:\docs\..\x`, false}, {CheckSenderPath, "/docs/a\nb.pdf", false}, {CheckSenderPath, "/docs/./a", false},
	}
	for _, tt := range tests {
		err := tt.check(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsafe) {
			t.Errorf("%q: %v does not wrap ErrUnsafe", tt.name, err)
		}
		if err != nil && strings.IndexFunc(err.Error(), func(r rune) bool { return r < 0x20 }) >= 0 {
			t.Errorf("%q: the error %q prints a control character", tt.name, err)
		}
	}
	for _, name := range []string{"qwen3:1.7b", "hf.co/owner/model-GGUF:Q4_K_M"} {
		if err := CheckName(ModelFileName(name)); err != nil {
			t.Errorf("the file a model %q is kept in: %v", name, err)
		}
	}
}
