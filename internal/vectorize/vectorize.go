// Package vectorize fills in the vectors of stored passages, after the
// fact. Ingest makes a document keyword-searchable as soon as its text is
// read; the vectors that add meaning-based search follow here, because on
// a laptop CPU they cost one to two seconds a passage while reading costs
// milliseconds.
//
// The queue is the store itself: the chunks that have no vector in the
// vector set of the model a collection should be embedded with
// (store.MissingVectors). Each batch commits on its own, so a cancel or a
// kill keeps every finished batch and the next pass resumes where this one
// stopped. A change of embedding model builds a new set beside the active
// one and switches when it is complete (store.PromoteVectorSet): search
// keeps its vectors throughout.
//
// Embedding steps aside while an answer is written (see Gate): both load
// the same CPU, and a user waiting for an answer comes first.
//
// A Worker runs passes for one collection at a time, either in the
// foreground (Pass, for an ingest job or `kura ingest`, with progress) or in
// the background (Run, in the desktop app and `kura serve`, which resumes
// work left by a restart, a model change or a cancelled job). A foreground
// pass takes a collection over from the background at the next batch.
package vectorize

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

// EmbedFunc embeds passages with the named model, returning one vector per
// text. Too-long texts fail with an error wrapping llm.ErrInputTooLong.
type EmbedFunc func(ctx context.Context, model string, texts []string) ([][]float32, error)

// Worker fills in vectors. Build it with New; it is safe for concurrent use.
type Worker struct {
	store *store.Store
	index *vector.Index
	embed EmbedFunc
	// model returns the embedding model a collection should use ("" for
	// none: keyword search only).
	model func(store.Collection) string
	gate  *Gate
	batch int

	mu      sync.Mutex
	claims  map[int64]*claim // collection id -> who is embedding it
	status  map[string]Status
	wake    chan struct{}
	watcher func(Status)
}

// claim marks a collection being embedded; a foreground pass asks the
// background to yield it by closing yield.
type claim struct {
	foreground bool
	yield      chan struct{}
	released   chan struct{}
}

// Options configure a Worker.
type Options struct {
	// Model names the embedding model for a collection; "" means none.
	Model func(store.Collection) string
	// Gate makes embedding wait while answers are written; nil: a gate of
	// the worker's own.
	Gate *Gate
	// BatchSize is the passages per request; default 8 (about four seconds
	// of work on a 2-core CPU with a small model, so progress moves and an
	// answer never waits long for the batch it interrupts).
	BatchSize int
}

// New returns a worker over the store and in-memory index.
func New(st *store.Store, index *vector.Index, embed EmbedFunc, o Options) *Worker {
	if o.BatchSize <= 0 {
		o.BatchSize = 8
	}
	if o.Gate == nil {
		o.Gate = &Gate{}
	}
	if o.Model == nil {
		o.Model = func(store.Collection) string { return "" }
	}
	return &Worker{store: st, index: index, embed: embed, model: o.Model, gate: o.Gate, batch: o.BatchSize,
		claims: map[int64]*claim{}, status: map[string]Status{}, wake: make(chan struct{}, 1)}
}

// Gate returns the gate embedding waits on.
func (w *Worker) Gate() *Gate { return w.gate }

// States of a collection's embedding.
const (
	StateEmbedding = "embedding" // computing vectors
	StateWaiting   = "waiting"   // stepped aside while an answer is written
	StateDone      = "done"      // every passage has a vector
	StateFailed    = "failed"    // the model could not be used; Error says why
	StateStopped   = "stopped"   // the pass was cancelled; the rest waits for the next
	StateOff       = "off"       // no embedding model: keyword search only
)

// Status is where a collection's embedding stands.
type Status struct {
	Collection string
	Model      string
	State      string
	// Done and Total count the collection's passages with a vector from
	// Model, and all of them.
	Done, Total int
	// Rebuild is true while a new model's vectors are built beside the
	// active ones (which keep answering until the switch).
	Rebuild bool
	// Rate is the measured passages per second of this pass (0 before the
	// first batch); ETA the time left at that rate.
	Rate    float64
	ETA     time.Duration
	Elapsed time.Duration
	Err     error
}

// Watch sets a function that receives every status change of any
// collection (background and foreground passes), at most about once a
// second per collection plus every change of state.
func (w *Worker) Watch(fn func(Status)) {
	w.mu.Lock()
	w.watcher = fn
	w.mu.Unlock()
}

// Statuses returns the last known status of every collection seen.
func (w *Worker) Statuses() []Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Status, 0, len(w.status))
	for _, s := range w.status {
		out = append(out, s)
	}
	return out
}

// Wake tells the background loop that there may be new work (documents
// stored, the model changed).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Result is what a pass did.
type Result struct {
	Model   string
	Vectors int  // vectors stored by this pass
	Missing int  // passages still without a vector when it ended
	Switch  bool // the pass completed a new model's set and switched to it
}

// ErrNoModel means no embedding model is configured.
var ErrNoModel = errors.New("no embedding model configured")

// Pass embeds every passage of collection c that lacks a vector from the
// model c should use, in the foreground, calling onProgress at least once a
// second (an error it returns stops the pass). It takes the collection over
// from the background loop. A cancelled ctx returns ctx.Err() with the
// finished batches kept; an unusable model returns its error (wrapping
// llm's *ModelMissingError or *UnreachableError) with Missing counted.
// When another foreground pass holds c, it returns ErrOtherPass at once
// instead of waiting behind it: that pass embeds what this one would
// have (it reads the passages in order of id, the new ones last), and the
// background loop, woken, anything it ends too early to see.
func (w *Worker) Pass(ctx context.Context, c store.Collection, onProgress func(Status) error) (Result, error) {
	w.mu.Lock()
	other := w.claims[c.ID]
	w.mu.Unlock()
	if other != nil && other.foreground {
		w.Wake()
		return Result{}, ErrOtherPass
	}
	cl, err := w.claim(ctx, c.ID, true)
	if err != nil {
		return Result{}, err
	}
	defer w.release(c.ID, cl)
	return w.pass(ctx, c, cl, onProgress)
}

// claim takes collection id for a pass. A foreground claim asks a
// background pass to yield and waits for it; a background claim fails
// with errBusy when anyone holds the collection.
func (w *Worker) claim(ctx context.Context, id int64, foreground bool) (*claim, error) {
	for {
		w.mu.Lock()
		cur := w.claims[id]
		if cur == nil {
			cl := &claim{foreground: foreground, yield: make(chan struct{}), released: make(chan struct{})}
			w.claims[id] = cl
			w.mu.Unlock()
			return cl, nil
		}
		if !foreground {
			w.mu.Unlock()
			return nil, errBusy
		}
		if !cur.foreground {
			select {
			case <-cur.yield:
			default:
				close(cur.yield)
			}
		}
		w.mu.Unlock()
		select {
		case <-cur.released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

var errBusy = errors.New("collection busy")

// ErrOtherPass means another foreground pass (another job) is computing
// the collection's vectors; see Pass.
var ErrOtherPass = errors.New("another job is computing this collection's vectors")
var errYield = errors.New("yielded to a foreground pass")

func (w *Worker) release(id int64, cl *claim) {
	w.mu.Lock()
	if w.claims[id] == cl {
		delete(w.claims, id)
	}
	w.mu.Unlock()
	close(cl.released)
}

// pass runs one collection's pass; see Pass.
func (w *Worker) pass(ctx context.Context, c store.Collection, cl *claim, onProgress func(Status) error) (Result, error) {
	model := w.model(c)
	st := Status{Collection: c.Name, Model: model, State: StateEmbedding, Total: c.Chunks}
	start := time.Now()
	rep := newReporter(w, onProgress, start)
	defer rep.stop()
	if model == "" {
		st.State = StateOff
		rep.set(st, true)
		return Result{}, ErrNoModel
	}
	res := Result{Model: model}
	fail := func(err error) (Result, error) {
		c2, cerr := w.store.Collection(context.WithoutCancel(ctx), c.Name)
		if cerr == nil {
			st.Total, st.Done = c2.Chunks, doneFor(c2, model)
		}
		res.Missing = st.Total - st.Done
		switch {
		case errors.Is(err, errYield):
			// The foreground pass reports from here on.
			return res, err
		case ctx.Err() != nil:
			st.State, err = StateStopped, ctx.Err()
		default:
			st.State, st.Err = StateFailed, err
		}
		rep.set(st, true)
		return res, err
	}

	set, err := w.setFor(ctx, c, model)
	if err != nil {
		return fail(err)
	}
	st.Rebuild = set.State == store.SetBuilding
	st.Done = set.Vectors
	rep.set(st, true)

	var after int64
	var rate float64
	for {
		if err := w.gate.wait(ctx, func(waiting bool) {
			s := st
			if waiting {
				s.State = StateWaiting
			}
			rep.set(s, true)
		}); err != nil {
			return fail(err)
		}
		select {
		case <-cl.yield:
			return fail(errYield)
		default:
		}
		if err := rep.failed(); err != nil {
			return fail(err)
		}
		if m := w.model(c); m != model {
			return fail(fmt.Errorf("the embedding model changed to %s during the pass", m))
		}
		batch, err := w.store.MissingVectors(ctx, set.ID, after, w.batch)
		if err != nil {
			return fail(err)
		}
		if len(batch) == 0 {
			break
		}
		t0 := time.Now()
		bctx, done := w.gate.batch(ctx)
		vecs, err := embedAll(bctx, w.embed, model, texts(batch))
		interrupted := bctx.Err() != nil && ctx.Err() == nil
		done()
		if interrupted {
			continue // an answer started: the batch is done again later
		}
		if err != nil {
			return fail(err)
		}
		items := make([]store.Vector, len(batch))
		for i, ch := range batch {
			items[i] = store.Vector{ChunkID: ch.ID, Vec: vecs[i]}
		}
		stored, err := w.store.SetVectors(ctx, set.ID, items)
		if err != nil {
			return fail(err)
		}
		if set.State == store.SetActive {
			if err := w.addToIndex(ctx, set.ID, items, stored); err != nil {
				return fail(err)
			}
		}
		after = batch[len(batch)-1].ID
		res.Vectors += len(stored)
		// Passages per second of embedding, smoothed over recent batches.
		r := float64(len(batch)) / time.Since(t0).Seconds()
		if rate == 0 {
			rate = r
		} else {
			rate = 0.7*rate + 0.3*r
		}
		if c2, err := w.store.Collection(ctx, c.Name); err == nil {
			st.Total, st.Done = c2.Chunks, doneFor(c2, model)
		}
		st.Rate = rate
		rep.set(st, false)
	}
	if set.State == store.SetBuilding {
		if err := w.promote(ctx, c, set); err != nil {
			return fail(err)
		}
		res.Switch = true
	}
	c2, err := w.store.Collection(ctx, c.Name)
	if err != nil {
		return fail(err)
	}
	st.Total, st.Done, st.Rebuild, st.State = c2.Chunks, doneFor(c2, model), false, StateDone
	res.Missing = st.Total - st.Done
	rep.set(st, true)
	return res, nil
}

// doneFor counts the passages of c with a vector from model.
func doneFor(c store.Collection, model string) int {
	switch {
	case c.Building.ID != 0 && c.Building.Model == model:
		return c.Building.Vectors
	case c.EmbedModel == model:
		return c.Vectors
	}
	return 0
}

// setFor returns the vector set model fills for c, creating it (which needs
// the model's dimension, so a one-word probe is embedded).
func (w *Worker) setFor(ctx context.Context, c store.Collection, model string) (store.VectorSet, error) {
	sets, err := w.store.VectorSets(ctx, c.ID)
	if err != nil {
		return store.VectorSet{}, err
	}
	for _, s := range sets {
		if s.Model == model {
			return s, nil
		}
	}
	probe, err := w.embed(ctx, model, []string{"kura"})
	if err != nil {
		return store.VectorSet{}, err
	}
	if len(probe) != 1 || len(probe[0]) == 0 {
		return store.VectorSet{}, fmt.Errorf("embed with %s: the model returned no vector", model)
	}
	return w.store.EnsureVectorSet(ctx, c.ID, model, len(probe[0]))
}

// addToIndex puts the stored vectors of an active set into the in-memory
// index. A document replaced between storing and adding removes its chunks
// from the index itself; if that happened before the add, the check after
// it takes them out again (chunk ids are never reused).
func (w *Worker) addToIndex(ctx context.Context, setID int64, items []store.Vector, stored []int64) error {
	if len(stored) == 0 {
		return nil
	}
	byID := make(map[int64][]float32, len(items))
	for _, it := range items {
		byID[it.ChunkID] = it.Vec
	}
	add := make([]vector.Item, 0, len(stored))
	for _, id := range stored {
		add = append(add, vector.Item{ChunkID: id, Vec: byID[id]})
	}
	if err := w.index.Add(ctx, setID, add); err != nil {
		return err
	}
	present, err := w.store.Chunks(ctx, stored)
	if err != nil {
		return err
	}
	if len(present) == len(stored) {
		return nil
	}
	have := make(map[int64]bool, len(present))
	for _, p := range present {
		have[p.ID] = true
	}
	var gone []int64
	for _, id := range stored {
		if !have[id] {
			gone = append(gone, id)
		}
	}
	return w.index.Remove(ctx, gone)
}

// promote switches c to a completed building set: the store swaps the sets
// in one transaction, then the new vectors are loaded into memory and the
// old ones dropped. Searches in between still find the old set in memory.
func (w *Worker) promote(ctx context.Context, c store.Collection, set store.VectorSet) error {
	old := c.ActiveSet
	if c2, err := w.store.Collection(ctx, c.Name); err == nil {
		old = c2.ActiveSet
	}
	if err := Load(ctx, w.store, w.index, set.ID); err != nil {
		return err
	}
	if err := w.store.PromoteVectorSet(ctx, set.ID); err != nil {
		w.index.Drop(set.ID)
		return err
	}
	if old != 0 && old != set.ID {
		w.index.Drop(old)
	}
	return nil
}

func texts(chunks []store.Chunk) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = c.Text
	}
	return out
}

// Run is the background loop: until ctx ends it passes over every
// collection that lacks vectors, then sleeps until Wake, or a minute after
// a failure (the runtime may come back), or every five minutes to pick up
// work another process left. It never holds a collection a foreground pass
// wants.
func (w *Worker) Run(ctx context.Context) {
	for {
		retry := false
		cols, err := w.store.Collections(ctx)
		if err != nil && ctx.Err() != nil {
			return
		}
		for _, c := range cols {
			if ctx.Err() != nil {
				return
			}
			model := w.model(c)
			if model == "" || (c.EmbedModel == model && c.Vectors >= c.Chunks && c.Building.ID == 0) {
				continue
			}
			cl, err := w.claim(ctx, c.ID, false)
			if err != nil {
				continue // a foreground pass has it
			}
			_, err = w.pass(ctx, c, cl, nil)
			w.release(c.ID, cl)
			if err != nil && !errors.Is(err, errYield) && ctx.Err() == nil {
				retry = true
			}
		}
		wait := 5 * time.Minute
		if retry {
			wait = time.Minute
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-time.After(wait):
		}
	}
}

// Load reads a vector set from the store into the in-memory index: one
// goroutine reads and decodes rows while another adds them, so both cores
// work when a library opens.
func Load(ctx context.Context, st *store.Store, index *vector.Index, setID int64) error {
	const batch = 4096
	ch := make(chan []vector.Item, 4)
	errc := make(chan error, 1)
	go func() {
		var err error
		for items := range ch {
			if err == nil {
				err = index.Add(ctx, setID, items)
			}
		}
		errc <- err
	}()
	items := make([]vector.Item, 0, batch)
	err := st.EachVector(ctx, setID, func(v store.Vector) error {
		items = append(items, vector.Item{ChunkID: v.ChunkID, Vec: v.Vec})
		if len(items) == batch {
			ch <- items
			items = make([]vector.Item, 0, batch)
		}
		return nil
	})
	if err == nil && len(items) > 0 {
		ch <- items
	}
	close(ch)
	if aerr := <-errc; err == nil {
		err = aerr
	}
	if err != nil {
		return fmt.Errorf("load vectors of set %d: %w", setID, err)
	}
	return nil
}

// embedAll embeds texts in one request. A request the model rejects as too
// long is retried text by text, and a single text that is too long is
// embedded in halves whose vectors are averaged, weighted by length:
// nothing is silently truncated. Vectors come back unit length.
func embedAll(ctx context.Context, embed EmbedFunc, model string, texts []string) ([][]float32, error) {
	vecs, err := embed(ctx, model, texts)
	if errors.Is(err, llm.ErrInputTooLong) {
		vecs = make([][]float32, len(texts))
		for k, t := range texts {
			if vecs[k], err = embedOne(ctx, embed, model, t, 0); err != nil {
				return nil, err
			}
		}
	} else if err != nil {
		return nil, err
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("embed with %s: %d vectors for %d passages", model, len(vecs), len(texts))
	}
	for _, v := range vecs {
		vector.Normalize(v)
	}
	return vecs, nil
}

func embedOne(ctx context.Context, embed EmbedFunc, model, text string, depth int) ([]float32, error) {
	vecs, err := embed(ctx, model, []string{text})
	if err == nil {
		return vecs[0], nil
	}
	r := []rune(text)
	if !errors.Is(err, llm.ErrInputTooLong) || depth >= 8 || len(r) < 2 {
		return nil, err
	}
	mid := len(r) / 2
	a, err := embedOne(ctx, embed, model, string(r[:mid]), depth+1)
	if err != nil {
		return nil, err
	}
	b, err := embedOne(ctx, embed, model, string(r[mid:]), depth+1)
	if err != nil {
		return nil, err
	}
	wa, wb := float32(mid), float32(len(r)-mid)
	v := make([]float32, len(a))
	for i := range v {
		v[i] = (a[i]*wa + b[i]*wb) / (wa + wb)
	}
	return v, nil
}
