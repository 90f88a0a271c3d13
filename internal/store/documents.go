package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Document statuses. A document is stored as lexical (its text is keyword
// searchable) and reads back as indexed once every chunk has a vector in
// the collection's active set.
const (
	StatusIndexed = "indexed" // chunks and vectors stored
	StatusLexical = "lexical" // chunks stored, vectors missing (not computed yet, or no embedding model)
	StatusFailed  = "failed"  // extraction failed; Error says why; no chunks
	StatusNoText  = "no_text" // the file has no text layer (e.g. a scanned PDF)
	// StatusNeedsOCR: the file is a scan or an image and no OCR engine is
	// installed; Error says how to install one. It is read again when one
	// is there.
	StatusNeedsOCR = "needs_ocr"
)

// KnownStatus reports whether s is one of the document statuses above (a
// status from outside, such as a pack's, must be).
func KnownStatus(s string) bool {
	switch s {
	case StatusIndexed, StatusLexical, StatusFailed, StatusNoText, StatusNeedsOCR:
		return true
	}
	return false
}

// Document is one indexed file.
type Document struct {
	ID           int64
	CollectionID int64
	Path         string // absolute
	Hash         string // sha256 of the content
	Size         int64
	ModTime      int64 // unix seconds
	Status       string
	Error        string
	Title        string
	Pages        int
	Chunks       int
	Vectors      int // chunks with a vector in the active set
	IndexedAt    int64
	// OCRPending counts pages that need OCR and were left out because no
	// OCR engine was installed.
	OCRPending int
	// OCRPages lists the pages whose text was recognised by OCR (written
	// by PutDocument; read back with OCRPages).
	OCRPages []int
}

// NewChunk is a chunk to store; its vector comes later (SetVectors). A
// passage that runs across a page break ends at End on EndPage; EndPage 0
// means Page.
type NewChunk struct {
	Page       int
	EndPage    int
	Start, End int
	Text       string
	Terms      string // the full-text terms (tokenize.IndexText)
}

// Page is the text of one page of a document.
type Page struct {
	Number int
	Text   string
	// OCR is set on pages read back from a pack snapshot (and written by
	// Import) whose text came from OCR; PutDocument takes Document.OCRPages.
	OCR bool
}

// PutDocument stores doc with its pages and chunks, replacing any earlier
// version of the same path in the collection, in one transaction: after a
// crash either the old or the new version is there, never both or a mix. It
// returns the new document id and the ids of the chunks it replaced and
// created (so the caller can update the vector index).
func (s *Store) PutDocument(ctx context.Context, doc Document, pages []Page, chunks []NewChunk) (id int64, removed, added []int64, err error) {
	id, removed, err = s.writeDocument(ctx, doc, func(w *docWriter) error {
		ocr := make(map[int]bool, len(doc.OCRPages))
		for _, n := range doc.OCRPages {
			ocr[n] = true
		}
		for _, p := range pages {
			if err := w.page(ctx, p, ocr[p.Number]); err != nil {
				return err
			}
		}
		for _, c := range chunks {
			cid, err := w.chunk(ctx, c)
			if err != nil {
				return err
			}
			added = append(added, cid)
		}
		return nil
	})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("store %s: %w", doc.Path, err)
	}
	return id, removed, added, nil
}

// writeDocument records doc in one transaction, replacing any earlier
// version of its path in the collection, and has write store its pages and
// chunks through w; it returns the new id and the ids of the chunks
// replaced. A document stored as indexed is stored as lexical: its vectors
// are added afterwards.
func (s *Store) writeDocument(ctx context.Context, doc Document, write func(w *docWriter) error) (id int64, removed []int64, err error) {
	if doc.Status == StatusIndexed {
		doc.Status = StatusLexical
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if id, removed, err = replaceDocument(ctx, tx, doc); err != nil {
			return err
		}
		w, err := newDocWriter(ctx, tx, doc.CollectionID, id)
		if err != nil {
			return err
		}
		defer w.close()
		return write(w)
	})
	return id, removed, err
}

// replaceDocument records doc within tx, removing any earlier version of
// its path in the collection, and returns the new document's id and the
// ids of the chunks removed.
func replaceDocument(ctx context.Context, tx *sql.Tx, doc Document) (id int64, removed []int64, err error) {
	var oldID int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE collection_id = ? AND path = ?`, doc.CollectionID, doc.Path).Scan(&oldID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, nil, err
	default:
		if removed, err = deleteDocument(ctx, tx, doc.CollectionID, oldID); err != nil {
			return 0, nil, err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO documents(collection_id, path, hash, size, mtime, status, error, title, pages, indexed_at, ocr_pending)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		doc.CollectionID, doc.Path, doc.Hash, doc.Size, doc.ModTime, doc.Status, doc.Error, doc.Title, doc.Pages, now(), doc.OCRPending)
	if err != nil {
		return 0, nil, err
	}
	id, err = res.LastInsertId()
	return id, removed, err
}

// docWriter writes a document's pages and its chunks with their full-text
// terms, with statements prepared once in the document's transaction.
type docWriter struct {
	tx                   *sql.Tx
	doc                  int64
	pages, chunks, terms *sql.Stmt
}

func newDocWriter(ctx context.Context, tx *sql.Tx, collectionID, docID int64) (*docWriter, error) {
	w := &docWriter{tx: tx, doc: docID}
	var err error
	if w.pages, err = tx.PrepareContext(ctx, `INSERT INTO pages(doc_id, page, text, ocr) VALUES(?, ?, ?, ?)`); err == nil {
		if w.chunks, err = tx.PrepareContext(ctx, `INSERT INTO chunks(doc_id, page, end_page, start, end, text) VALUES(?, ?, ?, ?, ?, ?)`); err == nil {
			w.terms, err = tx.PrepareContext(ctx, `INSERT INTO `+ftsTable(collectionID)+`(rowid, terms) VALUES(?, ?)`)
		}
	}
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *docWriter) close() {
	for _, st := range []*sql.Stmt{w.pages, w.chunks, w.terms} {
		if st != nil {
			st.Close()
		}
	}
}

// describe sets the document's title and page count, known once all of it
// is read.
func (w *docWriter) describe(ctx context.Context, title string, pages int) error {
	_, err := w.tx.ExecContext(ctx, `UPDATE documents SET title = ?, pages = ? WHERE id = ?`, title, pages, w.doc)
	return err
}

func (w *docWriter) page(ctx context.Context, p Page, ocr bool) error {
	_, err := w.pages.ExecContext(ctx, w.doc, p.Number, p.Text, ocr)
	return err
}

// chunk writes c and its terms and returns its id. A chunk that ends on
// its own page is stored with end_page 0.
func (w *docWriter) chunk(ctx context.Context, c NewChunk) (int64, error) {
	endPage := c.EndPage
	if endPage == c.Page {
		endPage = 0
	}
	res, err := w.chunks.ExecContext(ctx, w.doc, c.Page, endPage, c.Start, c.End, c.Text)
	if err != nil {
		return 0, err
	}
	cid, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	_, err = w.terms.ExecContext(ctx, cid, c.Terms)
	return cid, err
}

func deleteDocument(ctx context.Context, tx *sql.Tx, collectionID, docID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM chunks WHERE doc_id = ?`, docID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+ftsTable(collectionID)+` WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = ?)`, docID); err != nil {
		return nil, err
	}
	// chunks and pages go by ON DELETE CASCADE.
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, docID); err != nil {
		return nil, err
	}
	return ids, nil
}

// RemoveDocument removes the document at path from the collection, with its
// chunks. It returns the removed chunk ids, or ErrNotFound.
func (s *Store) RemoveDocument(ctx context.Context, collectionID int64, path string) ([]int64, error) {
	var removed []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE collection_id = ? AND path = ?`, collectionID, path).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("document %s: %w", path, ErrNotFound)
		}
		if err != nil {
			return err
		}
		removed, err = deleteDocument(ctx, tx, collectionID, id)
		return err
	})
	return removed, err
}

const docColumns = `d.id, d.collection_id, d.path, d.hash, d.size, d.mtime, d.status, d.error, d.title, d.pages, d.indexed_at,
	(SELECT count(*) FROM chunks k WHERE k.doc_id = d.id),
	(SELECT count(*) FROM chunks k JOIN vectors v ON v.chunk_id = k.id WHERE k.doc_id = d.id
		AND v.set_id = (SELECT id FROM vector_sets WHERE collection_id = d.collection_id AND state = 'active')),
	d.ocr_pending`

func scanDoc(sc interface{ Scan(...any) error }) (Document, error) {
	var d Document
	err := sc.Scan(&d.ID, &d.CollectionID, &d.Path, &d.Hash, &d.Size, &d.ModTime, &d.Status, &d.Error, &d.Title, &d.Pages, &d.IndexedAt, &d.Chunks, &d.Vectors, &d.OCRPending)
	if d.Status == StatusLexical && d.Chunks > 0 && d.Vectors == d.Chunks {
		d.Status = StatusIndexed
	}
	return d, err
}

// DocumentByPath returns the document at path in the collection, or
// ErrNotFound.
func (s *Store) DocumentByPath(ctx context.Context, collectionID int64, path string) (Document, error) {
	d, err := scanDoc(s.r.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents d WHERE d.collection_id = ? AND d.path = ?`, collectionID, path))
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, fmt.Errorf("document %s: %w", path, ErrNotFound)
	}
	return d, err
}

// Documents lists the collection's documents by path. With under set, only
// documents whose path is under that folder are listed.
func (s *Store) Documents(ctx context.Context, collectionID int64, under string) ([]Document, error) {
	q := `SELECT ` + docColumns + ` FROM documents d WHERE d.collection_id = ?`
	args := []any{collectionID}
	if under != "" {
		prefix := strings.TrimSuffix(under, "/") + "/"
		q += ` AND substr(d.path, 1, ?) = ?`
		args = append(args, len(prefix), prefix)
	}
	return s.queryDocs(ctx, "list documents", q+` ORDER BY d.path`, args...)
}

// queryDocs runs query, which selects docColumns from documents d, and
// reads the documents it returns; what names the listing in an error.
func (s *Store) queryDocs(ctx context.Context, what, query string, args ...any) ([]Document, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Pages returns the stored page texts of a document, in page order.
func (s *Store) Pages(ctx context.Context, docID int64) ([]Page, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT page, text FROM pages WHERE doc_id = ? ORDER BY page`, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Page
	for rows.Next() {
		var p Page
		if err := rows.Scan(&p.Number, &p.Text); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
