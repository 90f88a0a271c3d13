package pathtext

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestEncodeRoundTripsEveryPathThroughJSON(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		same       bool // Encode leaves it as it is
	}{
		{"a UTF-8 path is unchanged", "/home/u/文書/보고서.pdf", true},
		{"a Latin-1 name", "/home/u/caf\xe9.txt", false},
		{"a Shift_JIS name", "/home/u/\x93\xfa\x96\x7b\x8c\xea.txt", false},
		{"a name that is a truncated UTF-8 sequence", "/tmp/\xe6\x97.md", false},
		{"a name holding a code point Encode uses as an escape", "/tmp/\U0010FF80x.txt", false},
		{"a newline in a name", "/tmp/a\nb.txt", true},
		{"every byte value", func() string {
			b := []byte("/tmp/")
			for c := 1; c < 256; c++ {
				if c != '/' {
					b = append(b, byte(c))
				}
			}
			return string(b)
		}(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := Encode(tc.path)
			if !utf8.ValidString(enc) {
				t.Fatalf("Encode(%q) = %q is not valid UTF-8", tc.path, enc)
			}
			if (enc == tc.path) != tc.same {
				t.Errorf("Encode(%q) = %q; unchanged %v, want %v", tc.path, enc, enc == tc.path, tc.same)
			}
			b, err := json.Marshal(enc)
			if err != nil {
				t.Fatal(err)
			}
			var back string
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if got := Decode(back); got != tc.path {
				t.Errorf("Decode(JSON(Encode(%q))) = %q", tc.path, got)
			}
		})
	}
}

func TestDisplayKeepsOneNameOnOneLine(t *testing.T) {
	for _, tc := range []struct{ name, path, want string }{
		{"a plain path is as it is", "/docs/報告書.pdf", "/docs/報告書.pdf"},
		{"a newline is escaped", "/docs/a\nb.txt", `"/docs/a\nb.txt"`},
		{"a byte that is not UTF-8 is escaped", "/docs/caf\xe9.txt", `"/docs/caf\xe9.txt"`},
		{"a terminal escape is escaped", "/docs/\x1b[31mred.txt", `"/docs/\x1b[31mred.txt"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Display(tc.path); got != tc.want {
				t.Errorf("Display(%q) = %s, want %s", tc.path, got, tc.want)
			}
			if got := Parse(tc.want); got != tc.path {
				t.Errorf("Parse(%s) = %q, want %q", tc.want, got, tc.path)
			}
		})
	}
}

func FuzzEncodeDecode(f *testing.F) {
	for _, s := range []string{"/a/b", "caf\xe9", "\U0010FFFF", "\xf4\x8f\xbe\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		enc := Encode(p)
		if !utf8.ValidString(enc) || Decode(enc) != p {
			t.Fatalf("Encode(%q) = %q, Decode back %q", p, enc, Decode(enc))
		}
		// The paths Kura prints are absolute: each printed form parses back.
		abs := "/" + p
		if got := Parse(Encode(abs)); got != abs {
			t.Fatalf("Parse(Encode(%q)) = %q", abs, got)
		}
		if got := Parse(Display(abs)); got != abs {
			t.Fatalf("Parse(Display(%q)) = %q", abs, got)
		}
	})
}
