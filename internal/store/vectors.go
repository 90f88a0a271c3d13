package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Vectors live in sets, one per embedding model a collection is embedded
// with. A collection answers queries from its active set; while a new model's
// vectors are computed (after the user chose another embedding model) they
// go into a building set, and the old set keeps answering until the new one
// covers every chunk, when PromoteVectorSet swaps them in one transaction:
// vectors of two models never meet, and search never loses its vectors in
// between. A collection whose first set is being filled has that set active
// from the start: its vectors answer as they arrive, keywords cover the rest.
//
// The queue of work for the background embedder is the store itself: the
// chunks that have no vector in a set (MissingVectors). Every batch commits
// on its own, so a kill loses at most the batch in flight.

// schemaV4 moves vectors out of the chunks table into sets. The vectors an
// older index holds become each collection's active set, and
// collections.embed_model, which recorded their model, becomes the
// collection's own choice of model ("" follows the global setting).
//
// Chunk and set ids are never reused from now on (AUTOINCREMENT): the
// background embedder reads a chunk, computes its vector for seconds, then
// stores it by id, and a document replaced meanwhile must not hand that id to
// a chunk with other text. The chunks table is rebuilt for that, keeping its
// ids (the full-text rows refer to them).
var schemaV4 = []string{
	`CREATE TABLE vector_sets(
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
		model TEXT NOT NULL,
		dim INTEGER NOT NULL,
		state TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		UNIQUE(collection_id, model))`,
	`INSERT INTO vector_sets(collection_id, model, dim, state, created_at)
		SELECT c.id, c.embed_model, c.embed_dim, 'active', CAST(strftime('%s','now') AS INTEGER) FROM collections c
		WHERE c.embed_model != '' AND c.embed_dim > 0`,
	`CREATE TEMP TABLE old_vectors AS
		SELECT k.id AS chunk_id, s.id AS set_id, k.vector AS vec FROM chunks k JOIN documents d ON d.id = k.doc_id
		JOIN vector_sets s ON s.collection_id = d.collection_id
		WHERE k.vector IS NOT NULL ORDER BY k.id`,
	`CREATE TABLE chunks_v4(
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
		page INTEGER NOT NULL,
		start INTEGER NOT NULL,
		end INTEGER NOT NULL,
		text TEXT NOT NULL)`,
	`INSERT INTO chunks_v4(id, doc_id, page, start, end, text) SELECT id, doc_id, page, start, end, text FROM chunks ORDER BY id`,
	`DROP TABLE chunks`,
	`ALTER TABLE chunks_v4 RENAME TO chunks`,
	`CREATE INDEX chunks_doc ON chunks(doc_id)`,
	`CREATE TABLE vectors(
		chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
		set_id INTEGER NOT NULL REFERENCES vector_sets(id) ON DELETE CASCADE,
		vec BLOB NOT NULL)`,
	`INSERT INTO vectors(chunk_id, set_id, vec) SELECT chunk_id, set_id, vec FROM old_vectors`,
	`DROP TABLE old_vectors`,
	// (set_id, chunk_id) finds a set's missing chunks and counts a set
	// without reading vectors; chunk_id serves the cascade from chunks.
	`CREATE UNIQUE INDEX vectors_set ON vectors(set_id, chunk_id)`,
	`CREATE INDEX vectors_chunk ON vectors(chunk_id)`,
	`UPDATE collections SET embed_model = '', embed_dim = 0`,
	`UPDATE documents SET status = 'lexical' WHERE status = 'indexed'`,
}

// Vector set states.
const (
	SetActive   = "active"   // answers the collection's vector searches
	SetBuilding = "building" // being filled for a new model; not searched yet
)

// VectorSet is the vectors one embedding model made for one collection.
type VectorSet struct {
	ID           int64
	CollectionID int64
	Model        string
	Dim          int
	State        string
	Vectors      int // chunks that have a vector in this set
}

// ErrIncomplete means a vector set does not yet cover every chunk of its
// collection.
var ErrIncomplete = errors.New("vector set incomplete")

// VectorSets lists the collection's sets, the active one first.
func (s *Store) VectorSets(ctx context.Context, collectionID int64) ([]VectorSet, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.id, s.collection_id, s.model, s.dim, s.state,
		(SELECT count(*) FROM vectors v WHERE v.set_id = s.id)
		FROM vector_sets s WHERE s.collection_id = ? ORDER BY s.state = 'active' DESC, s.id`, collectionID)
	if err != nil {
		return nil, fmt.Errorf("list vector sets: %w", err)
	}
	defer rows.Close()
	var out []VectorSet
	for rows.Next() {
		var v VectorSet
		if err := rows.Scan(&v.ID, &v.CollectionID, &v.Model, &v.Dim, &v.State, &v.Vectors); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// EnsureVectorSet returns the collection's set for model, creating it when
// there is none: active when the collection has no active set, building
// otherwise. A set of the same model with another dimension (the model was
// replaced under the same name) is dropped and started again. Other
// building sets are dropped: only the model asked for last is built.
func (s *Store) EnsureVectorSet(ctx context.Context, collectionID int64, model string, dim int) (VectorSet, error) {
	if model == "" || dim <= 0 {
		return VectorSet{}, fmt.Errorf("vector set: model %q with dimension %d", model, dim)
	}
	var set VectorSet
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		set = VectorSet{CollectionID: collectionID, Model: model, Dim: dim}
		err := tx.QueryRowContext(ctx, `SELECT id, dim, state FROM vector_sets WHERE collection_id = ? AND model = ?`,
			collectionID, model).Scan(&set.ID, &set.Dim, &set.State)
		switch {
		case err == nil && set.Dim == dim:
		case err == nil:
			if _, err := tx.ExecContext(ctx, `DELETE FROM vector_sets WHERE id = ?`, set.ID); err != nil {
				return err
			}
			set.ID = 0
		case errors.Is(err, sql.ErrNoRows):
		default:
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vector_sets WHERE collection_id = ? AND state = ? AND model != ?`,
			collectionID, SetBuilding, model); err != nil {
			return err
		}
		if set.ID != 0 {
			return nil
		}
		var active int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM vector_sets WHERE collection_id = ? AND state = ?`,
			collectionID, SetActive).Scan(&active); err != nil {
			return err
		}
		set.Dim, set.State = dim, SetActive
		if active > 0 {
			set.State = SetBuilding
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO vector_sets(collection_id, model, dim, state, created_at) VALUES(?, ?, ?, ?, ?)`,
			collectionID, model, dim, set.State, now())
		if err != nil {
			return err
		}
		set.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return VectorSet{}, fmt.Errorf("vector set for %s: %w", model, err)
	}
	return set, nil
}

// PromoteVectorSet makes a building set the collection's active one and
// drops the set it replaces, in one transaction. It fails with
// ErrIncomplete, changing nothing, while any chunk of the collection has no
// vector in the set.
func (s *Store) PromoteVectorSet(ctx context.Context, setID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var collectionID int64
		if err := tx.QueryRowContext(ctx, `SELECT collection_id FROM vector_sets WHERE id = ?`, setID).Scan(&collectionID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		var missing int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks k JOIN documents d ON d.id = k.doc_id
			WHERE d.collection_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.set_id = ? AND v.chunk_id = k.id)`,
			collectionID, setID).Scan(&missing); err != nil {
			return err
		}
		if missing > 0 {
			return fmt.Errorf("%w: %d chunks have no vector yet", ErrIncomplete, missing)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vector_sets WHERE collection_id = ? AND id != ?`, collectionID, setID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE vector_sets SET state = ? WHERE id = ?`, SetActive, setID)
		return err
	})
	if err != nil {
		return fmt.Errorf("switch to new vectors: %w", err)
	}
	return nil
}

// DropVectorSet deletes a set and its vectors.
func (s *Store) DropVectorSet(ctx context.Context, setID int64) error {
	_, err := s.exec(ctx, `DELETE FROM vector_sets WHERE id = ?`, setID)
	return err
}

// Vector is a stored embedding with its chunk id.
type Vector struct {
	ChunkID int64
	Vec     []float32
}

// EachVector calls fn for every vector of the set, streaming from disk.
// Each Vector holds a fresh slice that fn may keep.
func (s *Store) EachVector(ctx context.Context, setID int64, fn func(Vector) error) error {
	return eachVector(ctx, s.r, setID, fn)
}

// eachVector streams the set's vectors read through q (the store's readers
// or a snapshot's transaction) to fn.
func eachVector(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, setID int64, fn func(Vector) error) error {
	// A plain scan of the table in insertion order: through an index
	// SQLite would look every 1.5-3 KB row up at random.
	rows, err := q.QueryContext(ctx, `SELECT chunk_id, vec FROM vectors NOT INDEXED WHERE set_id = ?`, setID)
	if err != nil {
		return fmt.Errorf("read vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var blob sql.RawBytes // decoded in place: no copy of each blob
		if err := rows.Scan(&id, &blob); err != nil {
			return err
		}
		v, err := decodeVector(blob)
		if err != nil {
			return fmt.Errorf("chunk %d: %w", id, err)
		}
		if err := fn(Vector{ChunkID: id, Vec: v}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MissingVectors returns up to limit chunks of the set's collection that
// have no vector in the set, in chunk order, starting after chunk id after
// (0 for the start): the background embedder's queue.
func (s *Store) MissingVectors(ctx context.Context, setID, after int64, limit int) ([]Chunk, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+chunkColumns+`
		FROM chunks k JOIN documents d ON d.id = k.doc_id
		WHERE d.collection_id = (SELECT collection_id FROM vector_sets WHERE id = ?) AND k.id > ?
		AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.set_id = ? AND v.chunk_id = k.id)
		ORDER BY k.id LIMIT ?`, setID, after, setID, limit)
	if err != nil {
		return nil, fmt.Errorf("find chunks without vectors: %w", err)
	}
	defer rows.Close()
	var out []Chunk
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetVectors stores vectors of the set in one transaction. Vectors for
// chunks removed meanwhile (their document changed) are skipped; it returns
// the ids of the chunks whose vectors it stored. A vector whose dimension is
// not the set's is an error and stores nothing.
func (s *Store) SetVectors(ctx context.Context, setID int64, vecs []Vector) ([]int64, error) {
	if len(vecs) == 0 {
		return nil, nil
	}
	var stored []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored = stored[:0]
		var dim int
		if err := tx.QueryRowContext(ctx, `SELECT dim FROM vector_sets WHERE id = ?`, setID).Scan(&dim); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("vector set %d: %w", setID, ErrNotFound)
			}
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO vectors(chunk_id, set_id, vec)
			SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?1)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, v := range vecs {
			if len(v.Vec) != dim {
				return fmt.Errorf("vector for chunk %d has dimension %d, the set has %d", v.ChunkID, len(v.Vec), dim)
			}
			res, err := st.ExecContext(ctx, v.ChunkID, setID, encodeVector(v.Vec))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				stored = append(stored, v.ChunkID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store vectors: %w", err)
	}
	return stored, nil
}

// encodeVector stores a vector as little-endian float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes is not a float32 array", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
