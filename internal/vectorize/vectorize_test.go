package vectorize

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/testwait"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
)

// hashEmbed is a deterministic stand-in for the embedding model: a vector
// of the model's dimension from the text's hash. Faults a real runtime
// shows (unreachable, too long, slow) are injected through its fields.
type hashEmbed struct {
	dims   map[string]int // model -> dimension
	maxLen int            // texts longer than this fail with ErrInputTooLong
	mu     sync.Mutex
	fail   error
	before func(ctx context.Context, texts []string) error // runs first; an error fails the call
	calls  atomic.Int32
	texts  atomic.Int32
}

func (h *hashEmbed) setFail(err error) {
	h.mu.Lock()
	h.fail = err
	h.mu.Unlock()
}

func (h *hashEmbed) embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	h.calls.Add(1)
	h.mu.Lock()
	err, before := h.fail, h.before
	h.mu.Unlock()
	if before != nil {
		if err := before(ctx, texts); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	dim, ok := h.dims[model]
	if !ok {
		return nil, &llm.ModelMissingError{Model: model}
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if h.maxLen > 0 && len([]rune(t)) > h.maxLen {
			return nil, fmt.Errorf("embed: %w", llm.ErrInputTooLong)
		}
		f := fnv.New64a()
		f.Write([]byte(model + t))
		s := f.Sum64()
		v := make([]float32, dim)
		for j := range v {
			s = s*6364136223846793005 + 1442695040888963407
			v[j] = float32(s>>40)/float32(1<<24) - 0.5
		}
		out[i] = v
	}
	h.texts.Add(int32(len(texts)))
	return out, nil
}

type fixture struct {
	st    *store.Store
	idx   *vector.Index
	emb   *hashEmbed
	w     *Worker
	model atomic.Value // string
	gate  *Gate
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, idx: vector.New(), emb: &hashEmbed{dims: map[string]int{"m1": 4, "m2": 6}}, gate: &Gate{Grace: time.Millisecond}}
	f.model.Store("m1")
	f.w = New(st, f.idx, f.emb.embed, Options{Gate: f.gate, BatchSize: 4, Model: func(store.Collection) string { return f.model.Load().(string) }})
	return f
}

// put stores a document with n chunks and returns their ids.
func (f *fixture) put(t *testing.T, path string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	c, err := f.st.EnsureCollection(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	chunks := make([]store.NewChunk, n)
	for i := range chunks {
		text := fmt.Sprintf("%s passage %d", path, i)
		chunks[i] = store.NewChunk{Page: 1, Start: 100 * i, End: 100*i + len(text), Text: text, Terms: tokenize.IndexText(text)}
	}
	_, removed, ids, err := f.st.PutDocument(ctx, store.Document{CollectionID: c.ID, Path: path, Status: store.StatusLexical}, nil, chunks)
	if err != nil {
		t.Fatal(err)
	}
	f.idx.Remove(ctx, removed)
	return ids
}

func (f *fixture) collection(t *testing.T) store.Collection {
	t.Helper()
	c, err := f.st.Collection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAPassEmbedsEveryPassageAndTheIndexServesThem(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 5)
	f.put(t, "/b", 6)
	res, err := f.w.Pass(context.Background(), f.collection(t), nil)
	if err != nil || res.Vectors != 11 || res.Missing != 0 || res.Model != "m1" {
		t.Fatalf("pass = %+v, %v; want 11 vectors from m1, none missing", res, err)
	}
	c := f.collection(t)
	if c.Vectors != 11 || c.EmbedModel != "m1" || f.idx.Count(c.ActiveSet) != 11 {
		t.Fatalf("collection %+v, %d in memory; want 11 vectors from m1 stored and in memory", c, f.idx.Count(c.ActiveSet))
	}
	docs, _ := f.st.Documents(context.Background(), c.ID, "")
	for _, d := range docs {
		if d.Status != store.StatusIndexed {
			t.Fatalf("%s is %s, want indexed", d.Path, d.Status)
		}
	}
	// A second pass finds nothing to do and embeds nothing.
	calls := f.emb.calls.Load()
	if res, err := f.w.Pass(context.Background(), c, nil); err != nil || res.Vectors != 0 || f.emb.calls.Load() != calls {
		t.Fatalf("second pass = %+v, %v, %d calls; want nothing done", res, err, f.emb.calls.Load()-calls)
	}
}

func TestAnUnreachableModelLeavesPassagesForLaterAndSaysWhy(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 3)
	f.emb.setFail(&llm.UnreachableError{URL: "http://127.0.0.1:1", Err: errors.New("refused")})
	res, err := f.w.Pass(context.Background(), f.collection(t), nil)
	if !errors.Is(err, llm.ErrUnreachable) || res.Missing != 3 {
		t.Fatalf("pass = %+v, %v; want ErrUnreachable with 3 passages missing", res, err)
	}
	if st := f.w.Statuses(); len(st) != 1 || st[0].State != StateFailed || st[0].Err == nil {
		t.Fatalf("status %+v; want failed with the error", st)
	}
	f.emb.setFail(nil)
	if res, err := f.w.Pass(context.Background(), f.collection(t), nil); err != nil || res.Vectors != 3 {
		t.Fatalf("pass with the model back = %+v, %v; want 3 vectors", res, err)
	}
}

func TestNoModelMeansKeywordSearchOnly(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 1)
	f.model.Store("")
	if _, err := f.w.Pass(context.Background(), f.collection(t), nil); !errors.Is(err, ErrNoModel) {
		t.Fatalf("err = %v, want ErrNoModel", err)
	}
	if f.emb.calls.Load() != 0 {
		t.Fatal("the embedder was called with no model configured")
	}
}

func TestOverLongPassagesAreEmbeddedInPartsNotTruncated(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _ := f.st.EnsureCollection(ctx, "default")
	long := strings.Repeat("長い文章。", 60)
	f.st.PutDocument(ctx, store.Document{CollectionID: c.ID, Path: "/long", Status: store.StatusLexical}, nil,
		[]store.NewChunk{{Page: 1, End: len([]rune(long)), Text: long, Terms: tokenize.IndexText(long)}})
	f.emb.maxLen = 50
	res, err := f.w.Pass(ctx, f.collection(t), nil)
	if err != nil || res.Vectors != 1 {
		t.Fatalf("pass = %+v, %v; want the long passage embedded", res, err)
	}
}

func TestCancellingKeepsFinishedBatchesAndTheNextPassResumes(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 20)
	ctx, cancel := context.WithCancel(context.Background())
	f.emb.before = func(_ context.Context, texts []string) error {
		if f.emb.texts.Load() >= 8 { // two batches of 4 are stored, then a cancel
			cancel()
			return context.Canceled
		}
		return nil
	}
	res, err := f.w.Pass(ctx, f.collection(t), nil)
	if !errors.Is(err, context.Canceled) || res.Vectors != 8 || res.Missing != 12 {
		t.Fatalf("cancelled pass = %+v, %v; want 8 stored and 12 missing", res, err)
	}
	f.emb.before = nil
	before := f.emb.texts.Load()
	res, err = f.w.Pass(context.Background(), f.collection(t), nil)
	if err != nil || res.Vectors != 12 || f.emb.texts.Load()-before != 12 {
		t.Fatalf("resumed pass = %+v, %v, embedded %d; want exactly the 12 missing", res, err, f.emb.texts.Load()-before)
	}
}

func TestANewModelBuildsBesideTheOldWhichAnswersUntilTheSwitch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "/a", 10)
	if _, err := f.w.Pass(ctx, f.collection(t), nil); err != nil {
		t.Fatal(err)
	}
	old := f.collection(t)
	f.model.Store("m2")
	var during []store.Collection
	var inMemory []int
	f.emb.before = func(context.Context, []string) error {
		c, _ := f.st.Collection(ctx, "default")
		during = append(during, c)
		inMemory = append(inMemory, f.idx.Count(old.ActiveSet))
		return nil
	}
	var statuses []Status
	res, err := f.w.Pass(ctx, f.collection(t), func(s Status) error { statuses = append(statuses, s); return nil })
	if err != nil || !res.Switch || res.Vectors != 10 {
		t.Fatalf("pass = %+v, %v; want 10 new vectors and a switch", res, err)
	}
	for i, c := range during[1:] { // the first call is the probe for the dimension
		if c.EmbedModel != "m1" || c.Vectors != 10 || inMemory[i+1] != 10 {
			t.Fatalf("during the rebuild the collection was %+v with %d in memory; want m1's 10 vectors answering", c, inMemory[i+1])
		}
	}
	c := f.collection(t)
	if c.EmbedModel != "m2" || c.EmbedDim != 6 || c.Vectors != 10 || c.Building.ID != 0 {
		t.Fatalf("after the switch %+v; want m2 (6 dims) with 10 vectors", c)
	}
	if f.idx.Count(old.ActiveSet) != 0 || f.idx.Count(c.ActiveSet) != 10 {
		t.Fatalf("in memory: old set %d, new set %d; want 0 and 10", f.idx.Count(old.ActiveSet), f.idx.Count(c.ActiveSet))
	}
	rebuild := false
	for _, s := range statuses {
		rebuild = rebuild || (s.Rebuild && s.Model == "m2")
	}
	if !rebuild {
		t.Fatalf("statuses %+v; want the rebuild reported", statuses)
	}
}

// A document replaced while its passages are being embedded: the late
// vectors must not reach the index (neither on disk nor in memory).
func TestADocumentReplacedDuringABatchLeavesNoStaleVector(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.put(t, "/a", 3)
	replaced := false
	f.emb.before = func(context.Context, []string) error {
		if f.emb.calls.Load() == 2 && !replaced { // the probe, then the batch of /a
			replaced = true
			f.put(t, "/a", 2)
		}
		return nil
	}
	if _, err := f.w.Pass(ctx, f.collection(t), nil); err != nil {
		t.Fatal(err)
	}
	c := f.collection(t)
	if c.Vectors != 2 || c.Chunks != 2 || f.idx.Count(c.ActiveSet) != 2 {
		t.Fatalf("collection %+v, %d in memory; want exactly the 2 new passages with vectors", c, f.idx.Count(c.ActiveSet))
	}
	hits, _ := f.idx.Query(ctx, c.ActiveSet, make([]float32, 4), 10)
	for _, h := range hits {
		for _, id := range old {
			if h.ChunkID == id {
				t.Fatalf("the replaced passage %d is still in the index", id)
			}
		}
	}
	if err := f.st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAnAnswerPausesEmbeddingAndTheInterruptedBatchIsRedone(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 8)
	started := make(chan struct{})
	var once sync.Once
	f.emb.before = func(ctx context.Context, texts []string) error {
		if len(texts) > 1 { // a batch, not the probe
			once.Do(func() { close(started) })
			<-ctx.Done() // a slow batch, until the answer interrupts it
			return ctx.Err()
		}
		return nil
	}
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	var mu sync.Mutex
	var states []string
	go func() {
		res, err := f.w.Pass(context.Background(), f.collection(t), func(s Status) error {
			mu.Lock()
			states = append(states, s.State)
			mu.Unlock()
			return nil
		})
		done <- out{res, err}
	}()
	<-started
	release := f.gate.Hold() // an answer starts
	f.emb.mu.Lock()
	f.emb.before = nil
	f.emb.mu.Unlock()
	select {
	case o := <-done:
		t.Fatalf("the pass ended while an answer held the gate: %+v", o)
	case <-time.After(200 * time.Millisecond): // the absence of an end is what is tested
	}
	if n := f.collection(t).Vectors; n != 0 {
		t.Fatalf("%d vectors stored while the answer was written, want 0", n)
	}
	release()
	o := <-done
	if o.err != nil || o.res.Vectors != 8 {
		t.Fatalf("pass after the answer = %+v, %v; want all 8 vectors", o.res, o.err)
	}
	mu.Lock()
	defer mu.Unlock()
	waited := false
	for _, s := range states {
		waited = waited || s == StateWaiting
	}
	if !waited {
		t.Fatalf("states %v; want the wait for the answer reported", states)
	}
}

// Progress comes at least once a second even while one batch takes long,
// with the elapsed time moving.
func TestProgressKeepsComingDuringASlowBatch(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 4)
	reports := make(chan Status, 100)
	release := make(chan struct{})
	f.emb.before = func(_ context.Context, texts []string) error {
		if len(texts) > 1 {
			<-release
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.w.Pass(context.Background(), f.collection(t), func(s Status) error { reports <- s; return nil })
		done <- err
	}()
	var during []Status
	timeout := testwait.After(t)
	for len(during) < 3 {
		select {
		case s := <-reports:
			during = append(during, s)
		case <-timeout:
			t.Fatalf("only %d progress reports while a batch was held until the test's deadline", len(during))
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !(during[2].Elapsed > during[1].Elapsed && during[1].Elapsed > during[0].Elapsed) {
		t.Fatalf("elapsed did not move: %v, %v, %v", during[0].Elapsed, during[1].Elapsed, during[2].Elapsed)
	}
}

// holdBatches makes every batch (a call with more than one text) wait
// until gate is closed; inBatch receives when one is waiting.
func (f *fixture) holdBatches() (inBatch chan struct{}, gate chan struct{}) {
	inBatch, gate = make(chan struct{}, 1), make(chan struct{})
	f.emb.before = func(ctx context.Context, texts []string) error {
		if len(texts) > 1 {
			select {
			case inBatch <- struct{}{}:
			default:
			}
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	return inBatch, gate
}

func TestAForegroundPassTakesTheCollectionFromTheBackground(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 12)
	inBatch, gate := f.holdBatches()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bg := make(chan struct{})
	go func() { f.w.Run(ctx); close(bg) }()
	<-inBatch // the background loop is in its first batch
	fg := make(chan error, 1)
	go func() {
		_, err := f.w.Pass(context.Background(), f.collection(t), nil)
		fg <- err
	}()
	close(gate) // let batches finish: the background yields after this one
	if err := <-fg; err != nil {
		t.Fatal(err)
	}
	if c := f.collection(t); c.Vectors != 12 {
		t.Fatalf("vectors = %d after the foreground pass, want 12", c.Vectors)
	}
	cancel()
	<-bg
}

// A second job's pass (a watched folder's sync beside an ingest) does not
// wait behind the first with its progress frozen: it ends at once, and the
// first pass embeds the passages stored after it began.
func TestASecondForegroundPassEndsAtOnceAndTheFirstEmbedsItsPassages(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 8)
	inBatch, gate := f.holdBatches()
	first := make(chan error, 1)
	go func() {
		_, err := f.w.Pass(context.Background(), f.collection(t), nil)
		first <- err
	}()
	<-inBatch // the first pass holds the collection
	f.put(t, "/b", 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // stops a hung run only
	defer cancel()
	_, err := f.w.Pass(ctx, f.collection(t), nil)
	if !errors.Is(err, ErrOtherPass) {
		t.Fatalf("the second pass ended with %v, want ErrOtherPass at once (not after the first)", err)
	}
	close(gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if c := f.collection(t); c.Vectors != 12 {
		t.Fatalf("vectors = %d after the first pass, want 12 (the second job's passages too)", c.Vectors)
	}
}

func TestTheBackgroundLoopFillsCollectionsAndWakesForNewWork(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/a", 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states := make(chan Status, 100)
	f.w.Watch(func(s Status) { states <- s })
	go f.w.Run(ctx)
	waitDone := func(want int) {
		t.Helper()
		deadline := testwait.After(t)
		for {
			select {
			case s := <-states:
				if s.State == StateDone && s.Done == want {
					return
				}
			case <-deadline:
				t.Fatalf("the background loop did not reach %d vectors", want)
			}
		}
	}
	waitDone(3)
	f.put(t, "/b", 2)
	f.w.Wake()
	waitDone(5)
}
