package vectorize

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

// With the real runtime: answers that start while passages are embedded
// (one during each request of the first batches) throw away no embedding
// work. Before issue 20's fix each one cancelled the request in flight and
// its batch was embedded again.
func TestAnswersDuringEmbeddingDiscardNoWorkOfTheRuntime(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	client := srv.Client(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, idx: vector.New(), gate: &Gate{Grace: time.Millisecond}}
	f.put(t, "/a", 24)

	var mu sync.Mutex
	var requests, discarded, embedded int
	var lost time.Duration // runtime time spent on requests that were cancelled
	answers := 0
	embed := func(ctx context.Context, model string, texts []string) ([][]float32, error) {
		t0 := time.Now()
		type res struct {
			v   [][]float32
			err error
		}
		ch := make(chan res, 1)
		go func() {
			v, err := client.EmbedPassages(ctx, model, texts)
			ch <- res{v, err}
		}()
		mu.Lock()
		requests++
		answer := len(texts) > 1 && answers < 3
		if answer {
			answers++
		}
		mu.Unlock()
		if answer {
			// An answer starts while this request is in flight and ends at
			// once; the pass must not throw the request away.
			f.gate.Hold()()
		}
		r := <-ch
		mu.Lock()
		defer mu.Unlock()
		if errors.Is(r.err, context.Canceled) {
			discarded += len(texts)
			lost += time.Since(t0)
		} else if r.err == nil {
			embedded += len(texts)
		}
		return r.v, r.err
	}
	w := New(st, f.idx, embed, Options{Gate: f.gate, Model: func(store.Collection) string { return srv.EmbedModel }})
	c, err := st.Collection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Pass(context.Background(), c, nil)
	if err != nil || res.Vectors != 24 {
		t.Fatalf("pass = %+v, %v; want 24 vectors", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d requests, %d passages embedded (1 probe), %d discarded (%v of the runtime's work), %d answers", requests, embedded, discarded, lost, answers)
	if discarded != 0 || embedded != 24+1 {
		t.Fatalf("%d passages' work discarded (%v), %d embedded for 24 and the probe", discarded, lost, embedded)
	}
}
