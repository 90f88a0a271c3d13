package store

import (
	"context"
	"errors"
	"fmt"
)

// AddPart stores one page of a document being written in parts, with its
// chunks (their vectors come later, see SetVectors).
type AddPart func(page Page, chunks []NewChunk) error

// PutDocumentParts stores a document too long to hold in memory: fill is
// called once, inside the transaction, and hands the document's pages to
// add one at a time as it reads them; then doc is recorded with the title
// and page count fill returns. Like PutDocument it replaces any earlier
// version of the path in one transaction: until it commits the old
// version stays, and if fill or any write fails nothing of the new one is
// kept. It returns the new document id, the ids of the chunks it replaced
// (for the vector index) and how many chunks it wrote.
//
// The transaction lasts as long as fill: writers of other processes wait
// for it (busy timeout), so callers keep fill to reading and chunking.
// Errors from fill are returned as they are (wrapped in *FillError), so
// the caller can tell a file it could not read from a store it could not
// write.
func (s *Store) PutDocumentParts(ctx context.Context, doc Document, fill func(add AddPart) (title string, pages int, err error)) (id int64, removed []int64, chunks int, err error) {
	id, removed, err = s.writeDocument(ctx, doc, func(w *docWriter) error {
		var writeErr error // a failure of the store, not of fill
		add := func(p Page, cs []NewChunk) error {
			if writeErr != nil {
				return writeErr
			}
			if err := w.page(ctx, p, false); err != nil {
				writeErr = err
				return err
			}
			for _, c := range cs {
				if _, err := w.chunk(ctx, c); err != nil {
					writeErr = err
					return err
				}
				chunks++
			}
			return nil
		}
		title, pages, err := fill(add)
		if writeErr != nil {
			return writeErr
		}
		if err != nil {
			return &FillError{Err: err}
		}
		return w.describe(ctx, title, pages)
	})
	if err != nil {
		var fe *FillError
		if errors.As(err, &fe) {
			return 0, nil, 0, fe
		}
		return 0, nil, 0, fmt.Errorf("store %s: %w", doc.Path, err)
	}
	return id, removed, chunks, nil
}

// FillError carries the error of PutDocumentParts' fill function: the
// document could not be read, and nothing of it was stored.
type FillError struct{ Err error }

func (e *FillError) Error() string { return e.Err.Error() }
func (e *FillError) Unwrap() error { return e.Err }
