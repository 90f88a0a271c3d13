package pack

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// Records longer than their kind's limit are refused from their length
// alone, before their bytes are read; names that would leave their folder
// and vectors that are not numbers are refused by name.
func TestRecordsOverTheirLimitAndUnsafeValuesAreRefused(t *testing.T) {
	seal, key := keySeal(t)
	manifest := `{"format":1,"collection":{"name":"x"},"vectors":{"model":"e5","dim":1},"counts":{"documents":1,"pages":1,"chunks":2,"vectors":1}}`
	doc := `{"id":1,"path":"/docs/a.pdf","status":"lexical"}`
	page := `{"doc":1,"page":1,"text":"x"}`
	length := func(t byte, n uint64) []byte { // a record's header claiming n bytes, without them
		var b [11]byte
		b[0] = t
		return b[:1+putUvarint(b[1:], n)]
	}
	tests := []struct {
		name    string
		records [][]byte
		want    error
		words   string
	}{
		{"a page of 300 MiB", [][]byte{frame('M', manifest), frame('D', doc), length('P', 300<<20)}, ErrUnsafe, "page 1 of the pack is 300.0 MiB"},
		{"a passage of 2 MiB", [][]byte{frame('M', manifest), frame('D', doc), frame('P', page), length('C', 2<<20)}, ErrUnsafe, "passage 1 of the pack"},
		{"a document of 2 MiB", [][]byte{frame('M', manifest), length('D', 2<<20)}, ErrUnsafe, "document 1 of the pack"},
		{"a model named to write outside the data folder", [][]byte{frame('M', `{"format":1,"counts":{"models":1,"model_bytes":4}}`),
			frame('L', `{"name":"../../../victim/planted","role":"chat","digest":"sha256:`+strings.Repeat("0", 64)+`","size":4}`)}, ErrUnsafe, "victim"},
		{"a manifest naming such a model", [][]byte{frame('M', `{"format":1,"collection":{"chat_model":"../x"}}`)}, ErrUnsafe, "../x"},
		{"a document whose path climbs out of its folder", [][]byte{frame('M', manifest), frame('D', `{"id":1,"path":"/docs/../../etc/passwd"}`)}, ErrUnsafe, "climbs"},
		{"a document with a control character in its path", [][]byte{frame('M', manifest), frame('D', `{"id":1,"path":"/docs/a\u001b[2Jb"}`)}, ErrUnsafe, `\x1b`},
		{"a vector that is not a number", [][]byte{frame('M', manifest), frame('D', doc), frame('P', page),
			frame('C', `{"id":1,"doc":1,"page":1,"text":"x"}`), frame('C', `{"id":2,"doc":1,"page":1,"text":"x"}`),
			frame('V', "\x01\x00\x00\xc0\x7f")}, ErrUnsafe, "NaN"},
		{"a passage across a page break, ending before its start offset", [][]byte{frame('M', strings.Replace(manifest, `"vectors":1`, `"vectors":0`, 1)),
			frame('D', doc), frame('P', page), frame('C', `{"id":1,"doc":1,"page":1,"start":900,"end":12,"end_page":2,"text":"x"}`),
			frame('C', `{"id":2,"doc":1,"page":1,"start":3,"end":5,"text":"x"}`),
			frame('Z', `{"counts":{"documents":1,"pages":1,"chunks":2}}`)}, nil, ""},
		{"a passage on one page ending before its start", [][]byte{frame('M', manifest), frame('D', doc), frame('P', page),
			frame('C', `{"id":1,"doc":1,"page":1,"start":900,"end":12,"text":"x"}`)}, ErrDamaged, "chunk 1"},
		{"a passage ending on an earlier page", [][]byte{frame('M', manifest), frame('D', doc), frame('P', page),
			frame('C', `{"id":1,"doc":1,"page":3,"start":9,"end":12,"end_page":2,"text":"x"}`)}, ErrDamaged, "chunk 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(sealPlain(t, seal, tt.records...), key)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.words) {
				t.Errorf("%q does not say %q", err, tt.words)
			}
		})
	}
}

// A passage across a page break is written and read back as it was.
func TestAPassageAcrossAPageBreakRoundTrips(t *testing.T) {
	s := newSample()
	s.chunks[1] = Chunk{ID: 2, Doc: 1, Page: 0, EndPage: 1, Start: 6, End: 3, Text: "第1条 この規程は…"}
	seal, key := keySeal(t)
	got, err := readAll(s.write(t, seal), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.chunks[1] != s.chunks[1] {
		t.Errorf("read back %+v, want %+v", got.chunks[1], s.chunks[1])
	}
}

// A writer refuses what a reader would refuse, so an export fails by name
// instead of making a pack that cannot be imported.
func TestAWriterRefusesWhatAReaderWould(t *testing.T) {
	seal, _ := keySeal(t)
	m := Manifest{Counts: Counts{Documents: 1, Pages: 1, Chunks: 1}}
	w, err := NewWriter(&bytes.Buffer{}, seal, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Document(Document{ID: 1, Path: "relative/a.txt"}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("a document with a relative path: %v", err)
	}
	w, _ = NewWriter(&bytes.Buffer{}, seal, m)
	w.Document(Document{ID: 1, Path: "/a.txt"})
	if err := w.Page(Page{Doc: 1, Text: strings.Repeat("x", MaxPageRecord)}); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("a page over the limit: %v", err)
	}
}

// A pack whose header asks for more scrypt work than Kura seals with is
// refused before scrypt runs: at once, and without its gigabytes.
func TestAPassphraseWorkFactorOverTheCapIsRefusedAtOnce(t *testing.T) {
	rcp, err := age.NewScryptRecipient("secret")
	if err != nil {
		t.Fatal(err)
	}
	rcp.SetWorkFactor(10)
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %d\n", Magic, FormatVersion)
	w, err := age.Encrypt(&out, rcp)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(frame('M', `{"format":1}`))
	w.Close()
	// Raise the work factor in the header, as a hostile sender would (the
	// header's MAC no longer matches, which is checked only after scrypt).
	b := out.Bytes()
	i := bytes.Index(b, []byte("-> scrypt "))
	j := i + bytes.IndexByte(b[i:], '\n')
	hostile := append(append(append([]byte{}, b[:j-2]...), "22"...), b[j:]...)

	key, err := PassphraseKey("secret")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = NewReader(bytes.NewReader(hostile), key)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "2^22") {
		t.Fatalf("got %v, want ErrUnsafe naming 2^22", err)
	}
	if d, grew := time.Since(start), after.TotalAlloc-before.TotalAlloc; d > 5*time.Second || grew > 64<<20 {
		t.Errorf("refusing took %s and %d MiB", d, grew>>20)
	}
	if _, err := Inspect(bytes.NewReader(hostile)); !errors.Is(err, ErrUnsafe) {
		t.Errorf("Inspect: %v, want ErrUnsafe", err)
	}
	// The unaltered pack, at a work factor under the cap, still opens.
	if _, err := NewReader(bytes.NewReader(b), key); err != nil {
		t.Errorf("a pack at 2^10: %v", err)
	}
}
