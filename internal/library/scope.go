package library

import (
	"context"
	"slices"

	"github.com/kura-app/kura/internal/store"
)

// DocumentsWithin lists a collection's documents, only those within the
// given documents and folders when within is not empty (the same rule as a
// search's SearchOptions.Within).
func (l *Library) DocumentsWithin(ctx context.Context, collection string, within []string) ([]store.Document, error) {
	docs, err := l.Documents(ctx, collection)
	if err != nil || len(within) == 0 {
		return docs, err
	}
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	ids, err := l.resolveWithin(ctx, c, within)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(docs, func(d store.Document) bool { return !slices.Contains(ids, d.ID) }), nil
}
