package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
)

// Large documents. A file is first read the usual way, its pages held to
// be chunked, embedded and stored together. When what it holds passes
// Options.HeldText, the reading stops (errLarge) and the file is read
// again as a stream: each page (or section, see extract.Stream) is
// chunked and written as it comes, in one transaction
// (store.PutDocumentParts), so memory stays bounded by a section whatever
// the file's size. Its vectors come from the store afterwards, in batches,
// like every document's (package vectorize).

// errLarge stops the first reading of a file whose text is too long to
// hold.
var errLarge = errors.New("too long to hold")

// readHeld extracts path, holding its pages, unless their text passes
// limit bytes (errLarge).
func readHeld(ctx context.Context, path string, opts extract.Options, limit int) (extract.Document, error) {
	var doc extract.Document
	held := 0
	info, err := extract.Stream(ctx, path, opts, func(p extract.Page) error {
		if held += len(p.Text); held > limit {
			return errLarge
		}
		doc.Pages = append(doc.Pages, p)
		return nil
	})
	if err != nil {
		return extract.Document{}, err
	}
	doc.Title = info.Title
	doc.Scanned, doc.Image, doc.Lost, doc.Damage = info.Scanned, info.Image, info.Lost, info.Damage
	return doc, nil
}

// indexLarge reads and stores path as a stream (see above).
func (j *Job) indexLarge(ctx, xctx context.Context, path string, info fs.FileInfo, hash, outcome string) (string, int, Failure, error) {
	d := store.Document{
		CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: store.StatusLexical,
	}
	made := 0
	_, removed, n, err := j.Store.PutDocumentParts(ctx, d, func(add store.AddPart) (string, int, error) {
		xi, err := extract.Stream(xctx, path, j.extractOptions(), func(p extract.Page) error {
			chunks := splitPage(p.Number, p.Text, j.Options.Chunk)
			if made += len(chunks); made > j.Options.MaxPassages {
				return fmt.Errorf("more than %d passages, the limit for one file: %w", j.Options.MaxPassages, extract.ErrTooLarge)
			}
			return add(store.Page{Number: p.Number, Text: p.Text}, chunks)
		})
		return xi.Title, xi.Pages, err
	})
	var fe *store.FillError
	switch {
	case ctx.Err() != nil:
		return "", 0, Failure{}, ctx.Err()
	case errors.As(err, &fe):
		return j.storeFailure(ctx, path, info, hash, outcome, fe.Err)
	case err != nil:
		return "", 0, Failure{}, err
	}
	if err := j.Index.Remove(ctx, removed); err != nil {
		return "", 0, Failure{}, err
	}
	return outcome, n, Failure{}, nil
}

// splitPage cuts a page into passages. A page longer than a section is cut
// in windows at paragraph or line breaks first and each window is chunked
// alone (passages do not cross a window), so that chunking never holds
// more than a window's runes; offsets stay offsets into the whole page.
func splitPage(number int, text string, opts chunk.Options) []store.NewChunk {
	const window = 1 << 20
	var out []store.NewChunk
	base := 0 // runes before the window
	for len(text) > 0 {
		w := text
		if len(w) > 2*window {
			w = text[:extract.CutPoint(text, window)]
		}
		for _, c := range chunk.Split(w, opts) {
			out = append(out, store.NewChunk{Page: number, Start: base + c.Start, End: base + c.End, Text: c.Text, Terms: tokenize.IndexText(c.Text)})
		}
		base += utf8.RuneCountInString(w)
		text = text[len(w):]
	}
	return out
}
