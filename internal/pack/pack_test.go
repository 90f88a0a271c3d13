package pack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sample is a small collection's worth of records, with a file and a
// model whose bytes are made up.
type sample struct {
	m       Manifest
	models  []Model
	modelB  [][]byte
	files   []File
	fileB   [][]byte
	docs    []Document
	pages   []Page
	chunks  []Chunk
	vectors []Vector
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func newSample() sample {
	s := sample{}
	gguf := bytes.Repeat([]byte("GGUF weights "), 200_000) // 2.6 MB: several 'B' records
	s.models = []Model{{Name: "bge-m3:latest", Role: RoleEmbedding, Digest: "sha256:" + hexSum(gguf), Size: int64(len(gguf)),
		Template: "{{ .Prompt }}", Parameters: map[string]any{"num_ctx": float64(8192)}}}
	s.modelB = [][]byte{gguf}
	file := []byte("社内規程\n\n第1条 この規程は…\n")
	s.files = []File{{Path: "規程/社内規程.txt", Size: int64(len(file)), SHA256: hexSum(file)}}
	s.fileB = [][]byte{file}
	s.docs = []Document{
		{ID: 1, Path: "/home/office/docs/規程/社内規程.txt", File: "規程/社内規程.txt", Hash: hexSum(file), Size: int64(len(file)),
			ModTime: 1700000000, Status: "indexed", Title: "社内規程", IndexedAt: 1700000100},
		{ID: 2, Path: "/home/office/docs/scan.pdf", Status: "no_text", Error: "no text layer", Pages: 3},
	}
	s.pages = []Page{{Doc: 1, Page: 0, Text: "社内規程\n\n第1条 この規程は…\n"}}
	s.chunks = []Chunk{{ID: 1, Doc: 1, Start: 0, End: 4, Text: "社内規程"}, {ID: 2, Doc: 1, Start: 6, End: 15, Text: "第1条 この規程は…"}}
	s.vectors = []Vector{{Chunk: 1, Vec: []float32{0.6, 0.8, 0}}, {Chunk: 2, Vec: []float32{0, -1, 0}}}
	s.m = Manifest{
		Created:    time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Kura:       "test",
		Collection: Collection{Name: "規程", EmbedModel: "bge-m3:latest", ChunkSize: 800, ChunkOverlap: 120},
		Vectors:    &VectorSet{Model: "bge-m3:latest", Dim: 3},
		Counts: Counts{Models: 1, ModelBytes: int64(len(gguf)), Files: 1, FileBytes: int64(len(file)),
			Documents: 2, Pages: 1, Chunks: 2, Vectors: 2},
	}
	return s
}

// write writes s sealed with seal.
func (s sample) write(t testing.TB, seal Seal) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, seal, s.m)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range s.models {
		if err := w.Model(m, bytes.NewReader(s.modelB[i])); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range s.files {
		if err := w.File(f, bytes.NewReader(s.fileB[i])); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range s.docs {
		if err := w.Document(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range s.pages {
		if err := w.Page(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range s.chunks {
		if err := w.Chunk(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range s.vectors {
		if err := w.Vector(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// readAll reads a pack into a sample; it fails on the first error.
func readAll(b []byte, k Key) (sample, error) {
	r, err := NewReader(bytes.NewReader(b), k)
	if err != nil {
		return sample{}, err
	}
	s := sample{m: r.Manifest()}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		switch {
		case rec.Model != nil:
			body, err := io.ReadAll(rec.Body)
			if err != nil {
				return s, err
			}
			s.models, s.modelB = append(s.models, *rec.Model), append(s.modelB, body)
		case rec.File != nil:
			body, err := io.ReadAll(rec.Body)
			if err != nil {
				return s, err
			}
			s.files, s.fileB = append(s.files, *rec.File), append(s.fileB, body)
		case rec.Document != nil:
			s.docs = append(s.docs, *rec.Document)
		case rec.Page != nil:
			s.pages = append(s.pages, *rec.Page)
		case rec.Chunk != nil:
			s.chunks = append(s.chunks, *rec.Chunk)
		case rec.Vector != nil:
			s.vectors = append(s.vectors, *rec.Vector)
		}
	}
}

// keyPair is one X25519 key pair for the whole test binary (keys are
// cheap; passphrases cost a second of scrypt each).
var keyPair = func() struct{ secret, public string } {
	s, p, err := NewKeyPair()
	if err != nil {
		panic(err)
	}
	return struct{ secret, public string }{s, p}
}()

func keySeal(t testing.TB) (Seal, Key) {
	t.Helper()
	seal, err := RecipientSeal([]string{keyPair.public})
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeys(strings.NewReader("# a comment\n" + keyPair.secret + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return seal, k
}

func TestAPackReadsBackAsItWasWritten(t *testing.T) {
	s := newSample()
	seal, key := keySeal(t)
	got, err := readAll(s.write(t, seal), key)
	if err != nil {
		t.Fatal(err)
	}
	want := s
	want.m.Format = FormatVersion
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
}

func TestAPassphraseOpensOnlyItsPack(t *testing.T) {
	s := newSample()
	seal, err := PassphraseSeal("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	b := s.write(t, seal)
	info, err := Inspect(bytes.NewReader(b))
	if err != nil || !info.Passphrase || info.Format != FormatVersion {
		t.Fatalf("Inspect: %+v, %v; want a passphrase pack of format %d", info, err, FormatVersion)
	}
	right, _ := PassphraseKey("correct horse battery staple")
	if _, err := readAll(b, right); err != nil {
		t.Fatalf("the right passphrase: %v", err)
	}
	wrong, _ := PassphraseKey("correct horse battery stapler")
	if _, err := readAll(b, wrong); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	_, key := keySeal(t)
	if _, err := readAll(b, key); !errors.Is(err, ErrNoKey) {
		t.Errorf("a secret key on a passphrase pack: %v, want ErrNoKey", err)
	}
	if _, err := PassphraseSeal(""); err == nil {
		t.Error("an empty passphrase seals")
	}
}

func TestAKeySealedPackOpensOnlyWithItsSecretKey(t *testing.T) {
	s := newSample()
	seal, key := keySeal(t)
	b := s.write(t, seal)
	if info, err := Inspect(bytes.NewReader(b)); err != nil || info.Passphrase {
		t.Fatalf("Inspect: %+v, %v; want a key-sealed pack", info, err)
	}
	if _, err := readAll(b, key); err != nil {
		t.Fatal(err)
	}
	other, _, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ParseKeys(strings.NewReader(other))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(b, otherKey); !errors.Is(err, ErrNoKey) {
		t.Errorf("another secret key: %v, want ErrNoKey", err)
	}
	pass, _ := PassphraseKey("anything")
	if _, err := readAll(b, pass); !errors.Is(err, ErrNoKey) {
		t.Errorf("a passphrase on a key-sealed pack: %v, want ErrNoKey", err)
	}
	if _, err := RecipientSeal([]string{"age1notakey"}); err == nil {
		t.Error("a malformed public key seals")
	}
}

func TestDamagedPacksAreRefusedByName(t *testing.T) {
	s := newSample()
	seal, key := keySeal(t)
	good := s.write(t, seal)
	firstLine := bytes.IndexByte(good, '\n') + 1

	cut := func(n int) []byte { return append([]byte(nil), good[:n]...) }
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x10
		return b
	}
	// stanza replaces the first character of the recipient's key share.
	stanza := func(c, other byte) []byte {
		b := append([]byte(nil), good...)
		i := bytes.Index(b, []byte("-> X25519 ")) + len("-> X25519 ")
		if b[i] == c {
			c = other
		}
		b[i] = c
		return b
	}
	newer := append([]byte(Magic+" 2\n"), good[firstLine:]...)
	tests := []struct {
		name string
		pack []byte
		want error
	}{
		{"an empty file is not a pack", nil, ErrNotAPack},
		{"a text file is not a pack", []byte("hello\nworld\n"), ErrNotAPack},
		{"a pack from a newer Kura is refused before any key is tried", newer, ErrNewerFormat},
		{"a pack cut in its seal's header is damaged", cut(firstLine + 40), ErrDamaged},
		{"a pack cut after its first chunk is damaged", cut(firstLine + 200 + 64*1024), ErrDamaged},
		{"a pack cut in the middle is damaged", cut(len(good) / 2), ErrDamaged},
		{"a pack missing its last byte is damaged", cut(len(good) - 1), ErrDamaged},
		{"a pack with a byte added is damaged", append(append([]byte(nil), good...), 0), ErrDamaged},
		// A recipient's line altered no longer matches any key: nobody
		// can tell that from a pack sealed for someone else.
		{"a changed recipient's line reads as another key's pack", stanza('A', 'B'), ErrNoKey},
		{"a recipient's line made unreadable is damaged", stanza('!', '!'), ErrDamaged},
		{"a bit flipped in the seal's MAC is damaged", flip(bytes.Index(good, []byte("\n---")) + 8), ErrDamaged},
		{"a bit flipped near the start of the content is damaged", flip(len(good) - len(good)*9/10), ErrDamaged},
		{"a bit flipped in the middle is damaged", flip(len(good) / 2), ErrDamaged},
		{"a bit flipped in the last byte is damaged", flip(len(good) - 1), ErrDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(tt.pack, key)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := Inspect(bytes.NewReader(newer)); !errors.Is(err, ErrNewerFormat) || !strings.Contains(err.Error(), "format 2") {
		t.Errorf("Inspect of a newer pack: %v; want ErrNewerFormat naming format 2", err)
	}
}

// sealPlain seals hand-made content: records a writer would never make.
func sealPlain(t *testing.T, seal Seal, records ...[]byte) []byte {
	t.Helper()
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %d\n", Magic, FormatVersion)
	w, err := ageEncrypt(&out, seal)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		w.Write(r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func frame(t byte, body string) []byte {
	var b bytes.Buffer
	b.WriteByte(t)
	var n [10]byte
	b.Write(n[:putUvarint(n[:], uint64(len(body)))])
	b.WriteString(body)
	return b.Bytes()
}

func putUvarint(b []byte, v uint64) int {
	i := 0
	for v >= 0x80 {
		b[i] = byte(v) | 0x80
		v >>= 7
		i++
	}
	b[i] = byte(v)
	return i + 1
}

func TestContentThatBreaksTheFormatIsRefusedAsDamaged(t *testing.T) {
	seal, key := keySeal(t)
	manifest := `{"format":1,"collection":{"name":"x"},"counts":{"documents":1,"chunks":1}}`
	doc := `{"id":1,"path":"/a.txt","status":"lexical"}`
	tests := []struct {
		name    string
		records [][]byte
		want    error
	}{
		{"content without a manifest", [][]byte{frame('D', doc)}, ErrDamaged},
		{"a manifest whose format differs from the first line", [][]byte{frame('M', `{"format":7}`)}, ErrDamaged},
		{"content that ends before its end record", [][]byte{frame('M', manifest), frame('D', doc)}, ErrDamaged},
		{"a chunk of a document that does not exist", [][]byte{frame('M', manifest), frame('D', doc),
			frame('C', `{"id":1,"doc":2,"text":"x"}`)}, ErrDamaged},
		{"more documents than the manifest says", [][]byte{frame('M', manifest), frame('D', doc),
			frame('D', `{"id":2,"path":"/b.txt"}`)}, ErrDamaged},
		{"a document after a chunk", [][]byte{frame('M', manifest), frame('D', doc),
			frame('C', `{"id":1,"doc":1,"text":"x"}`), frame('D', `{"id":2,"path":"/b.txt"}`)}, ErrDamaged},
		{"a file that would be written outside its folder", [][]byte{frame('M', `{"format":1,"counts":{"files":1,"file_bytes":1}}`),
			frame('F', `{"path":"../../.bashrc","size":1,"sha256":"`+strings.Repeat("0", 64)+`"}`)}, ErrUnsafe},
		{"a record longer than the limit", [][]byte{frame('M', manifest), {'D', 0xff, 0xff, 0xff, 0xff, 0x0f}}, ErrUnsafe},
		{"an unknown record that must be understood", [][]byte{frame('M', manifest), frame('Q', `{}`)}, ErrDamaged},
		{"a vector in a pack without vectors", [][]byte{frame('M', manifest), frame('D', doc),
			frame('C', `{"id":1,"doc":1,"text":"x"}`), frame('V', "\x01\x00\x00\x80\x3f")}, ErrDamaged},
		{"an end record whose counts differ", [][]byte{frame('M', manifest), frame('D', doc),
			frame('C', `{"id":1,"doc":1,"text":"x"}`), frame('Z', `{"counts":{"documents":1,"chunks":2}}`)}, ErrDamaged},
		{"optional records of a later version are skipped", [][]byte{frame('M', manifest), frame('x', `{"new":"thing"}`),
			frame('D', doc+"\n"), frame('c', "binary\x00stuff"), frame('C', `{"id":1,"doc":1,"text":"x","end_page":3}`),
			frame('Z', `{"counts":{"documents":1,"chunks":1}}`)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(sealPlain(t, seal, tt.records...), key)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAWriterRefusesWhatTheManifestDoesNotCount(t *testing.T) {
	s := newSample()
	seal, _ := keySeal(t)
	w, err := NewWriter(io.Discard, seal, s.m)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Document(Document{ID: 1, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "manifest says") {
		t.Errorf("Close with records missing: %v; want a count mismatch", err)
	}
	w, _ = NewWriter(io.Discard, seal, s.m)
	f := s.files[0]
	if err := w.File(f, strings.NewReader("other bytes of the same length!!")); !errors.Is(err, ErrChanged) {
		t.Errorf("a file whose bytes changed: %v, want ErrChanged", err)
	}
	if _, err := NewWriter(io.Discard, Seal{}, s.m); err == nil {
		t.Error("a writer without a seal")
	}
}

func TestValidPathKeepsFilesInsideTheirFolder(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"a.txt", true}, {"規程/社内規程.pdf", true}, {"a/b/c d.md", true},
		{"", false}, {"/etc/passwd", false}, {"../a", false}, {"a/../../b", false}, {"a/./b", false},
		{"a//b", false}, {`a\b`, false}, {"C:/x", false}, {"a/", false}, {"a\x00b", false},
	}
	for _, tt := range tests {
		if got := ValidPath(tt.path); got != tt.ok {
			t.Errorf("ValidPath(%q) = %v, want %v", tt.path, got, tt.ok)
		}
	}
}

// FuzzReader feeds altered packs to the reader: it must never panic, and
// every failure must be one of the named errors.
func FuzzReader(f *testing.F) {
	s := newSample()
	s.models, s.modelB, s.m.Counts.Models, s.m.Counts.ModelBytes = nil, nil, 0, 0
	seal, key := keySeal(f)
	good := s.write(f, seal)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := readAll(b, key)
		if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotAPack) && !errors.Is(err, ErrNewerFormat) && !errors.Is(err, ErrNoKey) && !errors.Is(err, ErrUnsafe) {
			t.Errorf("unnamed error: %v", err)
		}
	})
}
