package library_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/ocr/ocrtest"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/store"
)

// craftPack seals records a Kura writer would never make, as a hostile
// sender would, for the test key.
func craftPack(t *testing.T, records ...[]byte) []byte {
	t.Helper()
	id, err := age.ParseX25519Identity(strings.TrimSpace(testKey.text))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %d\n", pack.Magic, pack.FormatVersion)
	w, err := age.Encrypt(&out, id.Recipient())
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

// record frames a record: its type, its length, its body (JSON for a
// value that is not []byte).
func record(typ byte, v any) []byte {
	body, ok := v.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	b := binary.AppendUvarint([]byte{typ}, uint64(len(body)))
	return append(b, body...)
}

// modelRecords are a model's header and its bytes.
func modelRecords(name string, body []byte) [][]byte {
	sum := sha256.Sum256(body)
	return [][]byte{record('L', pack.Model{Name: name, Role: pack.RoleChat, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(body))}),
		record('B', body)}
}

// onePack crafts a pack of one document (with a page and a passage), after
// the models' and files' records given, counting them in its manifest.
func onePack(t *testing.T, m pack.Manifest, doc pack.Document, before ...[]byte) []byte {
	t.Helper()
	m.Format = pack.FormatVersion
	if m.Collection.Name == "" {
		m.Collection.Name = "crafted"
	}
	m.Counts.Documents, m.Counts.Pages, m.Counts.Chunks = 1, 1, 1
	doc.ID = 1
	recs := [][]byte{record('M', m)}
	recs = append(recs, before...)
	recs = append(recs, record('D', doc), record('P', pack.Page{Doc: 1, Page: 1, Text: "a crafted page"}),
		record('C', pack.Chunk{ID: 1, Doc: 1, Page: 1, Start: 0, End: 14, Text: "a crafted page"}), record('Z', map[string]any{"counts": m.Counts}))
	return craftPack(t, recs...)
}

// A pack is refused, by a named error, when a name in it would place a file
// outside its folder or cannot be used safely on some system; nothing is
// written outside the data folder, and the data folder is left as it was.
func TestAPackWhoseNamesReachOutsideTheDataFolderIsRefused(t *testing.T) {
	ctx := context.Background()
	dst := emptyLibrary(t)
	if _, err := dst.Ingest(ctx, "mine", []string{writeFolder(t, 2)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	// The data folder sits in a folder of its own, so that what ../../
	// reaches can be watched.
	victim := filepath.Join(filepath.Dir(dst.Dir()), "victim")
	doc := pack.Document{Path: "/office/a.txt", Status: store.StatusLexical}
	file := []byte("carried")
	fileSum := sha256.Sum256(file)
	fileRecs := func(path string) [][]byte {
		return [][]byte{record('F', pack.File{Path: path, Size: int64(len(file)), SHA256: hex.EncodeToString(fileSum[:])}), record('B', file)}
	}
	withModel := pack.Manifest{Counts: pack.Counts{Models: 1, ModelBytes: 4}}
	withFile := pack.Manifest{Counts: pack.Counts{Files: 1, FileBytes: int64(len(file))}}
	tests := []struct {
		name  string
		pack  []byte
		words string
	}{
		{"a model named ../../../victim/planted", onePack(t, withModel, doc, modelRecords("../../../victim/planted", []byte("GGUF"))...), "victim/planted"},
		{"a model named with a backslash climb", onePack(t, withModel, doc, modelRecords(`..\..\victim\planted`, []byte("GGUF"))...), "separator"},
		{"a model named after a device", onePack(t, withModel, doc, modelRecords("nul", []byte("GGUF"))...), "Windows reserves"},
		{"a carried file that climbs out", onePack(t, withFile, pack.Document{Path: doc.Path, File: "../../victim/planted"}, fileRecs("../../victim/planted")...), "would leave"},
		{"a carried file under an absolute path", onePack(t, withFile, doc, fileRecs("/tmp/victim/planted")...), "absolute"},
		{"a carried file named CON", onePack(t, withFile, doc, fileRecs("docs/CON.txt")...), "Windows reserves"},
		{"a carried file with a control character", onePack(t, withFile, doc, fileRecs("docs/a\x1b]0;x\x07.txt")...), "control character"},
		{"a document that claims a file in the data folder", onePack(t, pack.Manifest{},
			pack.Document{Path: filepath.Join(dst.Dir(), library.PacksDir, "mine-1", "files", "a.txt"), Status: store.StatusLexical}), "this data folder"},
		{"a document of an unknown status", onePack(t, pack.Manifest{}, pack.Document{Path: "/office/a.txt", Status: "pwned"}), "pwned"},
		{"a collection named after a device", onePack(t, pack.Manifest{Collection: pack.Collection{Name: "CON"}}, doc), "another name"},
		{"a collection name ending in a dot", onePack(t, pack.Manifest{Collection: pack.Collection{Name: "x."}}, doc), "dot"},
	}
	before := snapshotFolder(t, dst)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importPack(dst, tt.pack, testKey.key, library.ImportOptions{})
			if !errors.Is(err, pack.ErrUnsafe) || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("got %v, want ErrUnsafe saying %q", err, tt.words)
			}
			if _, err := os.Stat(victim); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("something was written outside the data folder: %v", err)
			}
			if after := snapshotFolder(t, dst); !reflect.DeepEqual(before, after) {
				t.Errorf("the data folder changed: %s", describeDiff(before, after))
			}
		})
	}
}

// A model that cannot be installed is kept under its name, but never over
// a file already there; one that is not a GGUF file is not installed at
// all.
func TestAModelThatIsNotInstalledOverwritesNothing(t *testing.T) {
	dst := emptyLibrary(t) // no runtime: every install fails
	models := filepath.Join(dst.Dir(), library.PacksDir, "models")
	if err := os.MkdirAll(models, 0o700); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(models, "planted.gguf")
	if err := os.WriteFile(existing, []byte("the user's own file"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := pack.Document{Path: "/office/a.txt", Status: store.StatusLexical}
	weights := []byte("GGUF\x03\x00\x00\x00 weights")
	sum, err := importPack(dst, onePack(t, pack.Manifest{Counts: pack.Counts{Models: 1, ModelBytes: int64(len(weights))}}, doc,
		modelRecords("planted", weights)...), testKey.key, library.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "the user's own file" {
		t.Errorf("the file already at %s was replaced by the pack's model", existing)
	}
	warnings := modelWarnings(sum.Warnings)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "kura models import "+models) {
		t.Fatalf("warnings %q, want one naming the kept file in %s", sum.Warnings, models)
	}
	kept := strings.Fields(warnings[0][strings.Index(warnings[0], "kura models import "):])[3]
	if b, err := os.ReadFile(kept); err != nil || !bytes.Equal(b, weights) {
		t.Errorf("the kept model %s: %v", kept, err)
	}

	notGGUF := []byte("#!/bin/sh\nrm -rf ~\n")
	sum, err = importPack(dst, onePack(t, pack.Manifest{Collection: pack.Collection{Name: "two"}, Counts: pack.Counts{Models: 1, ModelBytes: int64(len(notGGUF))}}, doc,
		modelRecords("script", notGGUF)...), testKey.key, library.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if warnings := modelWarnings(sum.Warnings); len(warnings) != 1 || !strings.Contains(warnings[0], "not a GGUF") || len(sum.Models) != 0 {
		t.Errorf("warnings %q, models %q; want the model refused as not GGUF", sum.Warnings, sum.Models)
	}
	if _, err := os.Stat(filepath.Join(models, "script.gguf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file that is not a model was kept as one: %v", err)
	}
}

// modelWarnings are the warnings about models not installed.
func modelWarnings(all []string) []string {
	var out []string
	for _, w := range all {
		if strings.Contains(w, "was not installed") {
			out = append(out, w)
		}
	}
	return out
}

// A document that waited for OCR at the sender, whose file the pack does
// not carry, is never OCR'd from a file of the same path on this machine.
func TestAPackDocumentWaitingForOCRDoesNotReadALocalFile(t *testing.T) {
	ctx := context.Background()
	dst := emptyLibrary(t)
	local := filepath.Join(t.TempDir(), "private.png")
	if err := os.WriteFile(local, []byte("\x89PNG not the sender's file"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := importPack(dst, onePack(t, pack.Manifest{}, pack.Document{Path: local, Status: store.StatusNeedsOCR, Error: "install tesseract\x1b[2J"}),
		testKey.key, library.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := dst.PendingOCR(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("after the import, these wait for OCR: %v", pending)
	}
	docs, _ := dst.Documents(ctx, "crafted")
	if len(docs) != 1 || docs[0].Status != store.StatusNoText || strings.ContainsRune(docs[0].Error, '\x1b') {
		t.Errorf("imported %+v, want one document without text, its message free of control characters", docs)
	}
}

// collectionContent lists a collection's pages and passages, with their
// documents' file names, for comparing two libraries.
func collectionContent(t *testing.T, lib *library.Library, name string) (pages, chunks []string, acrossPages, ocrPages int) {
	t.Helper()
	ctx := context.Background()
	st, _ := lib.Internals()
	x, err := st.Snapshot(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := map[int64]string{}
	if err := x.EachDocument(ctx, func(d store.Document) error { base[d.ID] = filepath.Base(d.Path) + " " + d.Status; return nil }); err != nil {
		t.Fatal(err)
	}
	err = x.EachPage(ctx, func(doc int64, p store.Page) error {
		pages = append(pages, fmt.Sprintf("%s p%d ocr=%v %q", base[doc], p.Number, p.OCR, p.Text))
		if p.OCR {
			ocrPages++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = x.EachChunk(ctx, func(k store.Chunk) error {
		chunks = append(chunks, fmt.Sprintf("%s p%d-%d %d-%d %q", base[k.DocID], k.Page, k.EndPage, k.Start, k.End, k.Text))
		if k.EndPage > k.Page {
			acrossPages++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages, chunks, acrossPages, ocrPages
}

// Every kind of passage goes through a pack as it was: those of the
// corpus' PDFs (many across a page break), DOCX files, and pages read by
// OCR from a scan.
func TestAPackOfPDFDOCXAndScannedPagesImportsAsItWasIndexed(t *testing.T) {
	ctx := context.Background()
	docs := t.TempDir()
	for _, rel := range []string{"pdf", "docx"} {
		dir := corpustest.Path(t, rel)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docs, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	src := corpustest.Path(t, "pdf/001_1473911884bdf481.pdf")
	scan := ocrtest.ScannedPDF(t, ocrtest.RenderPage(t, src, 3, 200), ocrtest.RenderPage(t, src, 4, 200))
	if err := os.WriteFile(filepath.Join(docs, "scan.pdf"), scan, 0o644); err != nil {
		t.Fatal(err)
	}
	lib := emptyLibrary(t)
	if err := lib.OCRAvailable(ctx); err != nil {
		t.Fatalf("the test needs Tesseract: %v", err)
	}
	sum, err := lib.Ingest(ctx, "corpus", []string{docs}, library.IngestOptions{NoEmbedding: true}, nil)
	if err != nil || len(sum.Failed) != 0 {
		t.Fatalf("ingest: %+v, %v", sum, err)
	}
	wantPages, wantChunks, across, ocr := collectionContent(t, lib, "corpus")
	if across == 0 || ocr != 2 {
		t.Fatalf("the corpus gave %d passages across a page break and %d OCR pages; the test needs some of each", across, ocr)
	}
	b := exportPack(t, lib, "corpus", library.ExportOptions{WithFiles: true})
	dst := emptyLibrary(t)
	if _, err := importPack(dst, b, testKey.key, library.ImportOptions{}); err != nil {
		t.Fatalf("import of a pack of %d passages (%d across a page break): %v", len(wantChunks), across, err)
	}
	gotPages, gotChunks, _, _ := collectionContent(t, dst, "corpus")
	if !reflect.DeepEqual(gotPages, wantPages) {
		t.Errorf("pages differ after the pack: %s", describeDiff(wantPages, gotPages))
	}
	if !reflect.DeepEqual(gotChunks, wantChunks) {
		t.Errorf("passages differ after the pack: %s", describeDiff(wantChunks, gotChunks))
	}
}
