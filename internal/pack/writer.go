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
	"strconv"
)

// Writer writes a pack. Records go in this order, each kind after the
// one before: models, files, documents, pages, chunks, vectors; the counts
// must be those of the manifest (Close checks). A Writer is not safe for
// concurrent use. An error leaves the pack unusable: the caller removes
// the file.
type Writer struct {
	w      *bufio.Writer // the sealed stream, buffered
	sealed io.WriteCloser
	out    *bufio.Writer // the plain first line and age's output
	m      Manifest
	got    Counts
	stage  byte
	err    error
	buf    []byte
}

// order is the rank of each record type in a pack.
var order = map[byte]int{typeModel: 1, typeFile: 2, typeDocument: 3, typePage: 4, typeChunk: 5, typeVector: 6, typeEnd: 7}

// NewWriter starts a pack on dst sealed with s, writing the plain first
// line, the seal and m (Format and zero Created are filled in). dst is
// written through a buffer; Close flushes it but does not close dst.
func NewWriter(dst io.Writer, s Seal, m Manifest) (*Writer, error) {
	if len(s.recipients) == 0 {
		return nil, errors.New("the pack has no seal: give a passphrase or public keys")
	}
	if m.Vectors != nil && (m.Vectors.Dim <= 0 || m.Vectors.Dim > maxDim || m.Vectors.Model == "") {
		return nil, fmt.Errorf("vectors of model %q with dimension %d", m.Vectors.Model, m.Vectors.Dim)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	m.Format = FormatVersion
	out := bufio.NewWriterSize(dst, 256<<10)
	if _, err := io.WriteString(out, Magic+" "+strconv.Itoa(FormatVersion)+"\n"); err != nil {
		return nil, err
	}
	sealed, err := ageEncrypt(out, s)
	if err != nil {
		return nil, err
	}
	w := &Writer{w: bufio.NewWriterSize(sealed, 256<<10), sealed: sealed, out: out, m: m}
	if err := w.json(typeManifest, m); err != nil {
		return nil, err
	}
	return w, nil
}

// Manifest is the manifest as written.
func (w *Writer) Manifest() Manifest { return w.m }

// Model writes a model's header and its m.Size bytes read from body,
// checking them against m.Digest as they pass.
func (w *Writer) Model(m Model, body io.Reader) error {
	if err := CheckModelName(m.Name); err != nil {
		return w.fail(err)
	}
	if !ValidRole(m.Role) || m.Size < 0 {
		return w.fail(fmt.Errorf("model %q with role %q", m.Name, m.Role))
	}
	if err := w.next(typeModel); err != nil {
		return err
	}
	if err := w.json(typeModel, m); err != nil {
		return err
	}
	sum, err := w.bytes(body, m.Size)
	if err != nil {
		return w.fail(fmt.Errorf("model %s: %w", m.Name, err))
	}
	if "sha256:"+sum != m.Digest {
		return w.fail(fmt.Errorf("model %s: its file does not match its digest %s", m.Name, m.Digest))
	}
	w.got.Models++
	w.got.ModelBytes += m.Size
	return nil
}

// ErrChanged means a source file's bytes were not those it was indexed
// with (it changed while the pack was written).
var ErrChanged = errors.New("the file changed since it was indexed")

// File writes a source file's header and its f.Size bytes read from body,
// checking them against f.SHA256 (ErrChanged when they differ).
func (w *Writer) File(f File, body io.Reader) error {
	if err := CheckPath(f.Path); err != nil {
		return w.fail(err)
	}
	if f.Size < 0 {
		return w.fail(fmt.Errorf("file %q of size %d", f.Path, f.Size))
	}
	if err := w.next(typeFile); err != nil {
		return err
	}
	if err := w.json(typeFile, f); err != nil {
		return err
	}
	sum, err := w.bytes(body, f.Size)
	if err != nil {
		return w.fail(fmt.Errorf("file %s: %w", f.Path, err))
	}
	if sum != f.SHA256 {
		return w.fail(fmt.Errorf("file %s: %w", f.Path, ErrChanged))
	}
	w.got.Files++
	w.got.FileBytes += f.Size
	return nil
}

// Document writes a document; its ID must be the next number (1, 2, ...).
func (w *Writer) Document(d Document) error {
	if d.ID != int64(w.got.Documents)+1 {
		return w.fail(fmt.Errorf("document number %d out of order", d.ID))
	}
	if err := CheckSenderPath(d.Path); err != nil {
		return w.fail(err)
	}
	if d.File != "" {
		if err := CheckPath(d.File); err != nil {
			return w.fail(err)
		}
	}
	if err := w.next(typeDocument); err != nil {
		return err
	}
	if err := w.json(typeDocument, d); err != nil {
		return err
	}
	w.got.Documents++
	return nil
}

// Page writes a page of a document written before.
func (w *Writer) Page(p Page) error {
	if p.Doc < 1 || p.Doc > int64(w.got.Documents) {
		return w.fail(fmt.Errorf("page of unknown document %d", p.Doc))
	}
	if err := w.next(typePage); err != nil {
		return err
	}
	if err := w.json(typePage, p); err != nil {
		return err
	}
	w.got.Pages++
	return nil
}

// Chunk writes a passage of a document written before; its ID must be the
// next number.
func (w *Writer) Chunk(c Chunk) error {
	if c.ID != int64(w.got.Chunks)+1 || c.Doc < 1 || c.Doc > int64(w.got.Documents) || !c.offsetsValid() {
		return w.fail(fmt.Errorf("chunk %d of document %d out of order", c.ID, c.Doc))
	}
	if err := w.next(typeChunk); err != nil {
		return err
	}
	if err := w.json(typeChunk, c); err != nil {
		return err
	}
	w.got.Chunks++
	return nil
}

// Vector writes the vector of a chunk written before, of the manifest's
// dimension.
func (w *Writer) Vector(v Vector) error {
	switch {
	case w.m.Vectors == nil:
		return w.fail(errors.New("a vector in a pack whose manifest has none"))
	case len(v.Vec) != w.m.Vectors.Dim:
		return w.fail(fmt.Errorf("vector of chunk %d has dimension %d, the pack's is %d", v.Chunk, len(v.Vec), w.m.Vectors.Dim))
	case v.Chunk < 1 || v.Chunk > int64(w.got.Chunks):
		return w.fail(fmt.Errorf("vector of unknown chunk %d", v.Chunk))
	}
	for _, f := range v.Vec {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return w.fail(fmt.Errorf("the vector of chunk %d holds %v", v.Chunk, f))
		}
	}
	if err := w.next(typeVector); err != nil {
		return err
	}
	b := binary.AppendUvarint(w.buf[:0], uint64(v.Chunk))
	for _, f := range v.Vec {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	w.buf = b
	if err := w.record(typeVector, b); err != nil {
		return err
	}
	w.got.Vectors++
	return nil
}

// Close writes the end record and finishes the seal. It fails when the
// records written are not those the manifest counts.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.got != w.m.Counts {
		return w.fail(fmt.Errorf("the pack holds %+v, its manifest says %+v", w.got, w.m.Counts))
	}
	if err := w.json(typeEnd, end{Counts: w.got}); err != nil {
		return err
	}
	if err := w.w.Flush(); err != nil {
		return w.fail(err)
	}
	if err := w.sealed.Close(); err != nil {
		return w.fail(err)
	}
	if err := w.out.Flush(); err != nil {
		return w.fail(err)
	}
	w.err = errors.New("pack writer closed")
	return nil
}

// Written is what has been written so far.
func (w *Writer) Written() Counts { return w.got }

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// next checks that a record of type t may follow those written.
func (w *Writer) next(t byte) error {
	if w.err != nil {
		return w.err
	}
	if order[t] < order[w.stage] {
		return w.fail(fmt.Errorf("record %q after %q", t, w.stage))
	}
	w.stage = t
	return nil
}

func (w *Writer) json(t byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return w.fail(err)
	}
	if limit := recordLimit(t); len(b) > limit {
		return w.fail(fmt.Errorf("%s of %s is over the limit of %s a pack may hold", recordName(t), sizeText(uint64(len(b))), sizeText(uint64(limit))))
	}
	return w.record(t, b)
}

// record writes one framed record: type, uvarint length, body.
func (w *Writer) record(t byte, body []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = t
	n := binary.PutUvarint(hdr[1:], uint64(len(body)))
	if _, err := w.w.Write(hdr[:1+n]); err != nil {
		return w.fail(err)
	}
	if _, err := w.w.Write(body); err != nil {
		return w.fail(err)
	}
	return nil
}

// bytes copies exactly size bytes of body as 'B' records and returns their
// SHA-256 in hex.
func (w *Writer) bytes(body io.Reader, size int64) (string, error) {
	h := sha256.New()
	buf := make([]byte, bytesRecord)
	left := size
	for left > 0 {
		n, err := io.ReadFull(body, buf[:min(int64(len(buf)), left)])
		if n > 0 {
			h.Write(buf[:n])
			if err := w.record(typeBytes, buf[:n]); err != nil {
				return "", err
			}
			left -= int64(n)
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return "", fmt.Errorf("%w: %d bytes shorter than its size", ErrChanged, left)
			}
			return "", err
		}
	}
	// One byte more means the source grew.
	if n, _ := body.Read(buf[:1]); n > 0 {
		return "", fmt.Errorf("%w: longer than its size", ErrChanged)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
