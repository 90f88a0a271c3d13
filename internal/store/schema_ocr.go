package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// schemaPagesOCR is one migration step (schema version 4 on this branch):
//
//   - chunks.end_page: the page a passage ends on, for passages that run
//     across a page break (0: the page it starts on, as for every chunk
//     written before).
//   - pages.ocr: 1 when the page's text was recognised by OCR from an
//     image rather than read from a text layer.
//   - documents.ocr_pending: pages of the document that need OCR but were
//     not recognised (no OCR engine installed); such a document is read
//     again once an engine is there.
//   - ocr_cache: recognised page text by file content (SHA-256), page and
//     engine (program, version and languages), so that re-indexing a file,
//     or indexing the same file in another collection or folder, never
//     runs OCR on a page twice. It is kept apart from documents so that it
//     survives their removal and re-indexing.
var schemaPagesOCR = []string{
	`ALTER TABLE chunks ADD COLUMN end_page INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE pages ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE documents ADD COLUMN ocr_pending INTEGER NOT NULL DEFAULT 0`,
	`CREATE TABLE ocr_cache(
		hash TEXT NOT NULL,
		page INTEGER NOT NULL,
		engine TEXT NOT NULL,
		text TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY(hash, page, engine)) WITHOUT ROWID`,
}

// OCRText returns the cached OCR text of page (1-based; 1 for an image) of
// the file with content hash, recognised by engine, and whether there is
// one.
func (s *Store) OCRText(ctx context.Context, hash string, page int, engine string) (string, bool, error) {
	var text string
	err := s.r.QueryRowContext(ctx, `SELECT text FROM ocr_cache WHERE hash = ? AND page = ? AND engine = ?`, hash, page, engine).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read OCR cache: %w", err)
	}
	return text, true, nil
}

// PutOCRText caches the OCR text of one page (see OCRText). Each page is
// written as soon as it is recognised, in its own small transaction, so a
// job stopped half-way keeps the pages it did.
func (s *Store) PutOCRText(ctx context.Context, hash string, page int, engine, text string) error {
	_, err := s.exec(ctx, `INSERT INTO ocr_cache(hash, page, engine, text, created_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(hash, page, engine) DO UPDATE SET text = excluded.text`, hash, page, engine, text, now())
	if err != nil {
		return fmt.Errorf("write OCR cache: %w", err)
	}
	return nil
}

// PendingOCR lists the documents of the collection that wait for an OCR
// engine: stored as needing OCR, or with pages that still do.
func (s *Store) PendingOCR(ctx context.Context, collectionID int64) ([]Document, error) {
	return s.queryDocs(ctx, "list documents waiting for OCR", `SELECT `+docColumns+` FROM documents d
		WHERE d.collection_id = ? AND (d.status = ? OR d.ocr_pending > 0) ORDER BY d.path`, collectionID, StatusNeedsOCR)
}

// OCRPages returns the pages of a document whose text was recognised by
// OCR.
func (s *Store) OCRPages(ctx context.Context, docID int64) (map[int]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT page FROM pages WHERE doc_id = ? AND ocr = 1`, docID)
	if err != nil {
		return nil, fmt.Errorf("read OCR pages: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
