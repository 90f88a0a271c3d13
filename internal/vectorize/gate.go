package vectorize

import (
	"context"
	"sync"
	"time"
)

// Gate lets answers go first. While anyone holds it (an answer being
// written), embedding passes wait before their next batch, and the batch in
// flight is cancelled so the answer's prompt does not share the CPU with it;
// that batch is done again later. The zero Gate is open.
type Gate struct {
	// Grace is how long embedding stays paused after the last answer
	// ends; zero means DefaultGrace.
	Grace time.Duration

	mu      sync.Mutex
	holders int
	changed chan struct{} // closed and replaced on every change
	batches map[int]context.CancelFunc
	seq     int
	last    time.Time // when the last holder released
}

// DefaultGrace is how long embedding stays paused after the last answer
// ends: a follow-up question usually comes within it.
const DefaultGrace = 3 * time.Second

// Hold closes the gate until release is called; release is idempotent.
func (g *Gate) Hold() (release func()) {
	g.mu.Lock()
	g.holders++
	for _, cancel := range g.batches {
		cancel()
	}
	g.notifyLocked()
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.holders--
			g.last = time.Now()
			g.notifyLocked()
			g.mu.Unlock()
		})
	}
}

func (g *Gate) notifyLocked() {
	if g.changed != nil {
		close(g.changed)
	}
	g.changed = make(chan struct{})
}

// Held reports whether an answer holds the gate.
func (g *Gate) Held() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holders > 0
}

// wait returns when the gate is open and Grace has passed since it last
// closed, or ctx ends. onWait(true) is called when it starts waiting and
// onWait(false) when it stops.
func (g *Gate) wait(ctx context.Context, onWait func(waiting bool)) error {
	waited := false
	defer func() {
		if waited {
			onWait(false)
		}
	}()
	for {
		g.mu.Lock()
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		ch := g.changed
		var delay time.Duration
		if g.holders == 0 && !g.last.IsZero() {
			grace := g.Grace
			if grace <= 0 {
				grace = DefaultGrace
			}
			delay = grace - time.Since(g.last)
		}
		open := g.holders == 0 && delay <= 0
		cooling := g.holders == 0 && delay > 0
		g.mu.Unlock()
		if open {
			return ctx.Err()
		}
		if !waited {
			waited = true
			onWait(true)
		}
		var timer <-chan time.Time
		if cooling {
			timer = time.After(delay)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-timer:
		}
	}
}

// batch returns a context for one batch of embedding that Hold cancels;
// done must be called when the batch ends.
func (g *Gate) batch(ctx context.Context) (context.Context, func()) {
	bctx, cancel := context.WithCancel(ctx)
	g.mu.Lock()
	if g.batches == nil {
		g.batches = map[int]context.CancelFunc{}
	}
	g.seq++
	id := g.seq
	g.batches[id] = cancel
	if g.holders > 0 {
		cancel()
	}
	g.mu.Unlock()
	return bctx, func() {
		g.mu.Lock()
		delete(g.batches, id)
		g.mu.Unlock()
		cancel()
	}
}
