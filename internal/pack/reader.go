package pack

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"

	"filippo.io/age"
)

// Reader reads a pack record by record. Everything it returns has passed
// age's authentication, but the pack as a whole is known to be intact only
// once Next returns io.EOF: until then, a later part may still turn out
// cut short or altered (ErrDamaged). A Reader is not safe for concurrent
// use.
type Reader struct {
	src   *countingReader
	r     *bufio.Reader // the opened seal
	m     Manifest
	got   Counts
	stage byte
	body  *body // the bytes of the last model or file, while unread
	done  bool
	err   error
	buf   []byte
}

// Record is one record of a pack: exactly one of its pointers is set.
// For a Model or File, Body yields its bytes; read them (or not) before
// calling Next again. Body fails with ErrDamaged when they do not match
// the header's digest.
type Record struct {
	Model    *Model
	File     *File
	Document *Document
	Page     *Page
	Chunk    *Chunk
	Vector   *Vector
	Body     io.Reader
}

// NewReader opens the pack read from src with key k and reads its
// manifest. It fails with ErrNotAPack, ErrNewerFormat, ErrWrongPassphrase,
// ErrNoKey or ErrDamaged (all wrapped); an error reading src itself is
// returned as it is.
func NewReader(src io.Reader, k Key) (*Reader, error) {
	cr := &countingReader{r: src}
	br := bufio.NewReaderSize(cr, maxHeader)
	format, err := readMagic(br)
	if err != nil {
		return nil, err
	}
	if len(k.identities) == 0 {
		return nil, errors.New("no passphrase or secret key given")
	}
	if err := peekWorkFactor(br); err != nil {
		return nil, err
	}
	opened, err := age.Decrypt(br, k.identities...)
	if err != nil {
		if cr.err != nil && !errors.Is(cr.err, io.EOF) {
			return nil, cr.err
		}
		return nil, unsealErr(err, k)
	}
	if k.passphrase {
		afterScrypt()
	}
	r := &Reader{src: cr, r: bufio.NewReaderSize(opened, 256<<10)}
	t, b, err := r.record()
	if err != nil {
		return nil, err
	}
	if t != typeManifest {
		return nil, damaged("it does not start with a manifest")
	}
	if err := json.Unmarshal(b, &r.m); err != nil {
		return nil, damaged("manifest: %v", err)
	}
	// The first line is outside the seal; the manifest's copy is inside.
	if r.m.Format != format {
		return nil, damaged("format %d outside the seal, %d inside", format, r.m.Format)
	}
	if v := r.m.Vectors; v != nil && (v.Dim <= 0 || v.Dim > maxDim || v.Model == "") {
		return nil, damaged("vectors of model %q with dimension %d", v.Model, v.Dim)
	}
	if !nonNegative(r.m.Counts) {
		return nil, damaged("negative counts")
	}
	if err := r.m.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// Manifest is the pack's manifest.
func (r *Reader) Manifest() Manifest { return r.m }

// Offset is how many bytes of the pack file have been read, for progress
// against its size.
func (r *Reader) Offset() int64 { return r.src.n }

// Read counts the records read so far.
func (r *Reader) Read() Counts { return r.got }

// Next returns the next record. It returns io.EOF once the end record has
// been read, its counts match the manifest's and the seal has authenticated
// the whole pack; any other end is ErrDamaged.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if r.body != nil {
		if _, err := io.Copy(io.Discard, r.body); err != nil {
			return Record{}, r.fail(err)
		}
		r.body = nil
	}
	for {
		t, b, err := r.record()
		if err != nil {
			return Record{}, r.fail(err)
		}
		rec, err := r.decode(t, b)
		if err != nil {
			return Record{}, r.fail(err)
		}
		if rec != nil {
			return *rec, nil
		}
		if r.done {
			return Record{}, r.fail(io.EOF)
		}
	}
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

var digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
var hexRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// decode checks one record and turns it into a Record; nil for a record
// that was skipped or the end.
func (r *Reader) decode(t byte, b []byte) (*Record, error) {
	if t >= 'a' && t <= 'z' {
		return nil, nil // an optional record of a later version
	}
	rank, known := order[t]
	switch {
	case t == typeBytes:
		return nil, damaged("file bytes without a file")
	case !known:
		return nil, damaged("unknown record type %q", t)
	case rank < order[r.stage]:
		return nil, damaged("record %q after %q", t, r.stage)
	}
	r.stage = t
	m, got := r.m.Counts, &r.got
	switch t {
	case typeModel:
		var h Model
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, damaged("model: %v", err)
		}
		if err := CheckModelName(h.Name); err != nil {
			return nil, err
		}
		if !ValidRole(h.Role) || !digestRe.MatchString(h.Digest) || h.Size < 0 {
			return nil, damaged("model %q", h.Name)
		}
		got.Models++
		got.ModelBytes += h.Size
		if got.Models > m.Models || got.ModelBytes > m.ModelBytes {
			return nil, damaged("more models than the manifest says")
		}
		r.body = &body{r: r, left: h.Size, want: h.Digest[len("sha256:"):], h: sha256.New()}
		return &Record{Model: &h, Body: r.body}, nil
	case typeFile:
		var h File
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, damaged("file: %v", err)
		}
		if err := CheckPath(h.Path); err != nil {
			return nil, err
		}
		if h.Size < 0 || !hexRe.MatchString(h.SHA256) {
			return nil, damaged("file %q", h.Path)
		}
		got.Files++
		got.FileBytes += h.Size
		if got.Files > m.Files || got.FileBytes > m.FileBytes {
			return nil, damaged("more files than the manifest says")
		}
		r.body = &body{r: r, left: h.Size, want: h.SHA256, h: sha256.New()}
		return &Record{File: &h, Body: r.body}, nil
	case typeDocument:
		var d Document
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, damaged("document: %v", err)
		}
		if d.ID != int64(got.Documents)+1 {
			return nil, damaged("document %d", d.ID)
		}
		if err := CheckSenderPath(d.Path); err != nil {
			return nil, fmt.Errorf("document %d: %w", d.ID, err)
		}
		if d.File != "" {
			if err := CheckPath(d.File); err != nil {
				return nil, fmt.Errorf("document %d: %w", d.ID, err)
			}
		}
		if got.Documents++; got.Documents > m.Documents {
			return nil, damaged("more documents than the manifest says")
		}
		return &Record{Document: &d}, nil
	case typePage:
		var p Page
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, damaged("page: %v", err)
		}
		if p.Doc < 1 || p.Doc > int64(got.Documents) {
			return nil, damaged("page of unknown document %d", p.Doc)
		}
		if got.Pages++; got.Pages > m.Pages {
			return nil, damaged("more pages than the manifest says")
		}
		return &Record{Page: &p}, nil
	case typeChunk:
		var c Chunk
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, damaged("chunk: %v", err)
		}
		if c.ID != int64(got.Chunks)+1 || c.Doc < 1 || c.Doc > int64(got.Documents) || !c.offsetsValid() {
			return nil, damaged("chunk %d", c.ID)
		}
		if got.Chunks++; got.Chunks > m.Chunks {
			return nil, damaged("more chunks than the manifest says")
		}
		return &Record{Chunk: &c}, nil
	case typeVector:
		if r.m.Vectors == nil {
			return nil, damaged("a vector in a pack without vectors")
		}
		id, n := binary.Uvarint(b)
		dim := r.m.Vectors.Dim
		if n <= 0 || len(b)-n != 4*dim || id < 1 || id > uint64(got.Chunks) {
			return nil, damaged("vector record")
		}
		v := make([]float32, dim)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[n+4*i:]))
			if f := float64(v[i]); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%w: the vector of passage %d holds %v", ErrUnsafe, id, f)
			}
		}
		if got.Vectors++; got.Vectors > m.Vectors {
			return nil, damaged("more vectors than the manifest says")
		}
		return &Record{Vector: &Vector{Chunk: int64(id), Vec: v}}, nil
	case typeEnd:
		var e end
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, damaged("end: %v", err)
		}
		if e.Counts != m || *got != m {
			return nil, damaged("it holds %+v, its manifest says %+v", *got, m)
		}
		// Nothing may follow, and age authenticates the last part of
		// the stream only when its end is read.
		if _, err := r.r.ReadByte(); !errors.Is(err, io.EOF) {
			if err == nil {
				return nil, damaged("data after the end")
			}
			return nil, r.readErr(err)
		}
		r.done = true
		return nil, nil
	}
	return nil, damaged("record %q", t)
}

// record reads one framed record: its type and body. Bodies of 'B' records
// are not read here (see body).
func (r *Reader) record() (byte, []byte, error) {
	t, err := r.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, damaged("it ends before its end record")
		}
		return 0, nil, r.readErr(err)
	}
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return 0, nil, r.readErr(err)
	}
	if limit := recordLimit(t); n > uint64(limit) {
		return 0, nil, fmt.Errorf("%w: %s is %s, over the limit of %s", ErrUnsafe, r.nameNext(t), sizeText(n), sizeText(uint64(limit)))
	}
	if t == typeBytes || (t >= 'a' && t <= 'z') {
		if t == typeBytes {
			return t, nil, damaged("file bytes without a file")
		}
		if _, err := io.CopyN(io.Discard, r.r, int64(n)); err != nil {
			return 0, nil, r.readErr(err)
		}
		return t, nil, nil
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return 0, nil, r.readErr(err)
	}
	return t, b, nil
}

// readErr names an error from the opened seal: the source's own read
// error as it is, anything else (age's authentication failures, an end in
// the middle of a record) as ErrDamaged.
func (r *Reader) readErr(err error) error {
	if r.src.err != nil && !errors.Is(r.src.err, io.EOF) {
		return r.src.err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return damaged("%v", err)
}

// body reads the 'B' records of a model or file: exactly left bytes,
// hashed, and checked against want when the last one is read.
type body struct {
	r     *Reader
	left  int64 // bytes of the body not yet read
	chunk int64 // bytes of the current 'B' record not yet read
	want  string
	h     interface {
		io.Writer
		Sum([]byte) []byte
	}
	err error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left == 0 {
		if hex.EncodeToString(b.h.Sum(nil)) != b.want {
			b.err = damaged("a file's bytes do not match its hash")
			return 0, b.err
		}
		b.err = io.EOF
		return 0, io.EOF
	}
	if b.chunk == 0 {
		t, err := b.r.r.ReadByte()
		if err != nil {
			b.err = b.r.readErr(err)
			return 0, b.err
		}
		n, err := binary.ReadUvarint(b.r.r)
		if err != nil {
			b.err = b.r.readErr(err)
			return 0, b.err
		}
		if t != typeBytes || n == 0 || int64(n) > b.left || n > bytesRecord {
			b.err = damaged("a file's bytes are cut short")
			return 0, b.err
		}
		b.chunk = int64(n)
	}
	p = p[:min(int64(len(p)), b.chunk)]
	n, err := b.r.r.Read(p)
	b.h.Write(p[:n])
	b.chunk -= int64(n)
	b.left -= int64(n)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		b.err = b.r.readErr(err)
		return n, b.err
	}
	return n, nil
}

// countingReader counts the bytes read from the pack file and keeps its
// first error.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// check checks the model names in a manifest. The collection's name is
// checked where it is used (a receiver may import under its own name).
func (m Manifest) check() error {
	models := []string{m.Collection.EmbedModel, m.Collection.ChatModel}
	if m.Vectors != nil {
		models = append(models, m.Vectors.Model)
	}
	for _, name := range models {
		if name == "" {
			continue
		}
		if err := CheckModelName(name); err != nil {
			return err
		}
	}
	return nil
}

// offsetsValid reports whether a passage's offsets can be those of a
// passage: not negative, and, on one page, not ending before they start.
// A passage across a page break ends on a later page, where its end offset
// counts from that page's start and is often below its start.
func (c Chunk) offsetsValid() bool {
	if c.Start < 0 || c.End < 0 || c.Page < 0 {
		return false
	}
	if c.EndPage == 0 || c.EndPage == c.Page {
		return c.End >= c.Start
	}
	return c.EndPage > c.Page
}

// nameNext names the record of type t about to be read, by its number
// among those of its kind ("passage 41 of the pack"), for messages.
func (r *Reader) nameNext(t byte) string {
	g := r.got
	n := map[byte]int{typeModel: g.Models, typeFile: g.Files, typeDocument: g.Documents, typePage: g.Pages, typeChunk: g.Chunks, typeVector: g.Vectors}
	kind := map[byte]string{typeModel: "model", typeFile: "file", typeDocument: "document", typePage: "page", typeChunk: "passage", typeVector: "vector"}[t]
	if kind == "" {
		return recordName(t)
	}
	return fmt.Sprintf("%s %d of the pack", kind, n[t]+1)
}

// sizeText writes a byte count for people.
func sizeText(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func nonNegative(c Counts) bool {
	return c.Models >= 0 && c.ModelBytes >= 0 && c.Files >= 0 && c.FileBytes >= 0 && c.Documents >= 0 &&
		c.Pages >= 0 && c.Chunks >= 0 && c.Vectors >= 0
}

// Check reads a whole pack and reports whether it opens and is intact,
// without keeping anything: the same errors as NewReader and Next.
func Check(src io.Reader, k Key) (Manifest, error) {
	r, err := NewReader(src, k)
	if err != nil {
		return Manifest{}, err
	}
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Manifest(), nil
		}
		if err != nil {
			return r.Manifest(), fmt.Errorf("check the pack: %w", err)
		}
	}
}
