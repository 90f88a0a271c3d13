package vectorize

import (
	"context"
	"sync"
	"time"
)

// Gate lets answers go first. While anyone holds it (an answer being
// written), embedding passes wait before their next request to the
// runtime. The request in flight is not cancelled: it is a passage or two
// (Options.RequestSize), so it ends within a second or two and its vectors
// are kept, where cancelling a whole batch threw away 12-37 s of CPU work
// on a busy two-core machine (issue 20) that had to be done again. The zero
// Gate is open.
type Gate struct {
	// Grace is how long embedding stays paused after the last answer
	// ends; zero means DefaultGrace.
	Grace time.Duration

	mu      sync.Mutex
	holders int
	changed chan struct{} // closed and replaced on every change
	last    time.Time     // when the last holder released
}

// DefaultGrace is how long embedding stays paused after the last answer
// ends: a follow-up question usually comes within it.
const DefaultGrace = 3 * time.Second

// Hold closes the gate until release is called; release is idempotent.
func (g *Gate) Hold() (release func()) {
	g.mu.Lock()
	g.holders++
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
