package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
)

// Collection is a named set of documents searched together. EmbedModel and
// EmbedDim name the model whose vectors the collection holds ("" and 0 while
// it holds none): vectors of two models never mix.
type Collection struct {
	ID         int64
	Name       string
	EmbedModel string
	EmbedDim   int
	Documents  int
	Chunks     int
	Vectors    int // chunks that have a vector
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

// Collections lists all collections by name.
func (s *Store) Collections(ctx context.Context) ([]Collection, error) {
	return s.collections(ctx, ``)
}

func (s *Store) collections(ctx context.Context, where string, args ...any) ([]Collection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.name, c.embed_model, c.embed_dim,
		(SELECT count(*) FROM documents d WHERE d.collection_id = c.id),
		(SELECT count(*) FROM chunks k JOIN documents d ON k.doc_id = d.id WHERE d.collection_id = c.id),
		(SELECT count(*) FROM chunks k JOIN documents d ON k.doc_id = d.id WHERE d.collection_id = c.id AND k.vector IS NOT NULL)
		FROM collections c `+where+` ORDER BY c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		var c Collection
		if err := rows.Scan(&c.ID, &c.Name, &c.EmbedModel, &c.EmbedDim, &c.Documents, &c.Chunks, &c.Vectors); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
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

// SetEmbedModel records that the collection's vectors come from model with
// dimension dim. When that differs from what is recorded, every stored vector
// of the collection is dropped in the same transaction, so the caller
// re-embeds and vectors of two models never mix. It reports whether vectors
// were dropped.
func (s *Store) SetEmbedModel(ctx context.Context, collectionID int64, model string, dim int) (dropped bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var curModel string
		var curDim int
		if err := tx.QueryRowContext(ctx, `SELECT embed_model, embed_dim FROM collections WHERE id = ?`, collectionID).Scan(&curModel, &curDim); err != nil {
			return err
		}
		if curModel == model && curDim == dim {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE chunks SET vector = NULL WHERE vector IS NOT NULL AND doc_id IN (SELECT id FROM documents WHERE collection_id = ?)`, collectionID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		dropped = n > 0
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET status = ? WHERE collection_id = ? AND status = ?`, StatusLexical, collectionID, StatusIndexed); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET embed_model = ?, embed_dim = ? WHERE id = ?`, model, dim, collectionID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("set embedding model: %w", err)
	}
	return dropped, nil
}
