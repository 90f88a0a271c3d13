package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
)

// Collection is a named set of documents searched together. EmbedModel and
// EmbedDim name the model whose vectors answer its searches, those of the
// active vector set ("" and 0 while it has none): vectors of two models
// never mix.
type Collection struct {
	ID         int64
	Name       string
	EmbedModel string
	EmbedDim   int
	// ActiveSet is the active vector set's id (0 when none), Building the
	// set being filled for a newly chosen model (zero when none).
	ActiveSet int64
	Building  VectorSet
	// ChosenEmbedModel is the collection's own choice of embedding model;
	// "" follows the global setting.
	ChosenEmbedModel string
	Documents        int
	Chunks           int
	Vectors          int // chunks that have a vector in the active set
}

// vocabTable names the fts5vocab view of a collection's full-text table:
// document frequencies per term, for query planning.
func vocabTable(collectionID int64) string { return ftsTable(collectionID) + "_vocab" }

var validName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} _.\-]{0,63}$`)

// ValidName reports whether name can name a collection: 1 to 64 letters,
// digits, spaces, '_', '.', '-', starting with a letter or digit.
func ValidName(name string) bool { return validName.MatchString(name) }

// EnsureCollection returns the collection called name, creating it (with
// its full-text table) when it does not exist.
func (s *Store) EnsureCollection(ctx context.Context, name string) (Collection, error) {
	if !ValidName(name) {
		return Collection{}, fmt.Errorf("collection name %q: use 1-64 letters, digits, spaces, '_', '.' or '-'", name)
	}
	if c, err := s.Collection(ctx, name); err == nil {
		return c, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Collection{}, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO collections(name, created_at) VALUES(?, ?) ON CONFLICT(name) DO NOTHING`, name, now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // created concurrently
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `CREATE VIRTUAL TABLE `+ftsTable(id)+` USING fts5(terms, content='', contentless_delete=1, tokenize='ascii')`); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `CREATE VIRTUAL TABLE `+vocabTable(id)+` USING fts5vocab(`+ftsTable(id)+`, 'row')`)
		return err
	})
	if err != nil {
		return Collection{}, fmt.Errorf("create collection %q: %w", name, err)
	}
	return s.Collection(ctx, name)
}

// Collection returns the named collection with its counts, or ErrNotFound.
func (s *Store) Collection(ctx context.Context, name string) (Collection, error) {
	cs, err := s.collections(ctx, `WHERE c.name = ?`, name)
	if err != nil {
		return Collection{}, err
	}
	if len(cs) == 0 {
		return Collection{}, fmt.Errorf("collection %q: %w", name, ErrNotFound)
	}
	return cs[0], nil
}

// Collections lists all collections by name (not those an Import is
// still writing).
func (s *Store) Collections(ctx context.Context) ([]Collection, error) {
	return s.collections(ctx, `WHERE substr(c.name, 1, ?) != ?`, len(StagingPrefix), StagingPrefix)
}

func (s *Store) collections(ctx context.Context, where string, args ...any) ([]Collection, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.name, c.embed_model,
		(SELECT count(*) FROM documents d WHERE d.collection_id = c.id),
		(SELECT count(*) FROM chunks k JOIN documents d ON k.doc_id = d.id WHERE d.collection_id = c.id)
		FROM collections c `+where+` ORDER BY c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var out []Collection
	for rows.Next() {
		var c Collection
		if err := rows.Scan(&c.ID, &c.Name, &c.ChosenEmbedModel, &c.Documents, &c.Chunks); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		sets, err := s.VectorSets(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, set := range sets {
			switch set.State {
			case SetActive:
				out[i].ActiveSet, out[i].EmbedModel, out[i].EmbedDim, out[i].Vectors = set.ID, set.Model, set.Dim, set.Vectors
			case SetBuilding:
				out[i].Building = set
			}
		}
	}
	return out, nil
}

// DeleteCollection removes a collection and everything in it.
func (s *Store) DeleteCollection(ctx context.Context, name string) error {
	c, err := s.Collection(ctx, name)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+vocabTable(c.ID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+ftsTable(c.ID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM collections WHERE id = ?`, c.ID)
		return err
	})
}

// SetChosenEmbedModel records the collection's own choice of embedding
// model ("" to follow the global setting). Vectors are not touched: the
// background embedder builds a set for the new model and switches to it when
// it is complete.
func (s *Store) SetChosenEmbedModel(ctx context.Context, collectionID int64, model string) error {
	_, err := s.exec(ctx, `UPDATE collections SET embed_model = ? WHERE id = ?`, model, collectionID)
	return err
}
