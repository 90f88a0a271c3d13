package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// zipDoc is an open zip-based document (docx, pptx, xlsx, epub) whose
// entries are read with a bound on how far each may expand.
type zipDoc struct {
	zr    *zip.ReadCloser
	files map[string]*zip.File // by lower-case name: OPC part names ignore case
	limit int64                // per entry
	exp   *expansion           // all entries together
}

// cfbMagic starts an OLE compound file: an encrypted OOXML document or a
// pre-2007 binary Office file.
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// openZip opens the zip archive at p. A password-protected Office file
// fails with ErrEncrypted, anything else that is not a readable zip with
// ErrCorrupt.
func openZip(p string, opts Options) (*zipDoc, error) {
	if err := checkOLE(p); err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) ||
			errors.Is(err, zip.ErrAlgorithm) || errors.Is(err, zip.ErrChecksum) {
			return nil, fmt.Errorf("not a readable zip archive (%v): %w", err, ErrCorrupt)
		}
		return nil, err
	}
	z := &zipDoc{zr: zr, files: make(map[string]*zip.File, len(zr.File)), limit: opts.maxBytes(), exp: newExpansion(opts.maxExpandBytes())}
	for _, f := range zr.File {
		z.files[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	return z, nil
}

// checkOLE rejects OLE compound files, which Office uses for encrypted
// documents and for its old binary formats.
func checkOLE(p string) error {
	f, _, err := OpenFile(p)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if !bytes.HasPrefix(head, cfbMagic) {
		return nil
	}
	if bytes.Contains(head, utf16LE("EncryptionInfo")) || bytes.Contains(head, utf16LE("EncryptedPackage")) {
		return fmt.Errorf("needs a password to open: %w", ErrEncrypted)
	}
	return fmt.Errorf("an old binary Office file (.doc, .ppt or .xls), not Office Open XML: %w", ErrCorrupt)
}

func utf16LE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

func (z *zipDoc) Close() error { return z.zr.Close() }

func (z *zipDoc) has(name string) bool {
	_, ok := z.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	return ok
}

// open opens the XML entry name for reading as a stream. Reading past
// the entry's limit or the file's expansion budget fails with ErrTooLarge,
// as does a token or nesting beyond the XML limits (see tokenGuard); a
// damaged entry fails with ErrCorrupt.
func (z *zipDoc) open(name string) (io.ReadCloser, error) {
	return z.openLimited(name, z.limit, true)
}

func (z *zipDoc) openLimited(name string, limit int64, depth bool) (io.ReadCloser, error) {
	f, ok := z.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return nil, fmt.Errorf("missing %s: %w", name, ErrCorrupt)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %v: %w", name, err, ErrCorrupt)
	}
	g := newTokenGuard(&limitedReadCloser{rc: rc, left: limit, name: name, exp: z.exp}, name)
	if !depth {
		g.depthOff = true
	}
	return struct {
		io.Reader
		io.Closer
	}{g, rc}, nil
}

// read reads the whole of a small XML entry (at most maxMetaBytes), such
// as relationships or a package document.
func (z *zipDoc) read(name string) ([]byte, error) {
	return z.readLimited(name, maxMetaBytes, true)
}

// readLimited reads the whole entry name, of at most limit bytes.
func (z *zipDoc) readLimited(name string, limit int64, depth bool) ([]byte, error) {
	rc, err := z.openLimited(name, min(limit, z.limit), depth)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// limitedReadCloser fails once more than left bytes were read from the
// entry or the file's expansion budget is spent, and turns decompression
// errors into ErrCorrupt.
type limitedReadCloser struct {
	rc   io.ReadCloser
	left int64
	name string
	exp  *expansion
}

func (l *limitedReadCloser) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%s expands beyond the size limit: %w", l.name, ErrTooLarge)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, fmt.Errorf("%s expands beyond the size limit: %w", l.name, ErrTooLarge)
	}
	if l.exp != nil {
		if eerr := l.exp.take(n); eerr != nil {
			return 0, fmt.Errorf("%s: the file %w", l.name, eerr)
		}
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("read %s: %v: %w", l.name, err, ErrCorrupt)
	}
	return n, err
}

func (l *limitedReadCloser) Close() error { return l.rc.Close() }

// prescanZip reads every XML entry of the zip archive at p through the
// budgets (expansion, entry size, token size, depth), for a library that
// reads the archive itself. Entries that are not XML (images) are not
// read.
func prescanZip(ctx context.Context, p string, opts Options) error {
	z, err := openZip(p, opts)
	if err != nil {
		return err
	}
	defer z.Close()
	buf := make([]byte, 64<<10)
	for _, f := range z.zr.File {
		n := strings.ToLower(f.Name)
		if !strings.HasSuffix(n, ".xml") && !strings.HasSuffix(n, ".rels") {
			continue
		}
		if err := checkpoint(ctx); err != nil {
			return err
		}
		rc, err := z.open(f.Name)
		if err != nil {
			return err
		}
		for {
			_, err = rc.Read(buf)
			if err != nil {
				break
			}
		}
		rc.Close()
		if err != io.EOF {
			return err
		}
	}
	return nil
}

// relationships reads an OPC relationships part and returns the targets
// by id, resolved against base (the folder of the part they belong to),
// plus the targets of the given type in document order.
func (z *zipDoc) relationships(relsPath, base, typeSuffix string) (byID map[string]string, ofType []string, err error) {
	byID = map[string]string{}
	if !z.has(relsPath) {
		return byID, nil, nil
	}
	data, err := z.read(relsPath)
	if err != nil {
		return nil, nil, err
	}
	var rels struct {
		Rel []struct {
			ID         string `xml:"Id,attr"`
			Type       string `xml:"Type,attr"`
			Target     string `xml:"Target,attr"`
			TargetMode string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &rels); err != nil {
		return nil, nil, fmt.Errorf("parse %s: %v: %w", relsPath, err, ErrCorrupt)
	}
	for _, r := range rels.Rel {
		if strings.EqualFold(r.TargetMode, "External") {
			continue
		}
		t := resolvePart(base, r.Target)
		byID[r.ID] = t
		if strings.HasSuffix(r.Type, typeSuffix) && typeSuffix != "" {
			ofType = append(ofType, t)
		}
	}
	return byID, ofType, nil
}

// partRels is the relationships part that belongs to part.
func partRels(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

// resolvePart resolves an OPC target against the folder base.
func resolvePart(base, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join("/", base, target)), "/")
}

// coreTitle reads dc:title from docProps/core.xml; "" when absent.
func (z *zipDoc) coreTitle() string {
	if !z.has("docProps/core.xml") {
		return ""
	}
	data, err := z.read("docProps/core.xml")
	if err != nil {
		return ""
	}
	var core struct {
		Title string `xml:"http://purl.org/dc/elements/1.1/ title"`
	}
	if xml.Unmarshal(data, &core) != nil {
		return ""
	}
	return core.Title
}
