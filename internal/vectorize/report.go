package vectorize

import (
	"sync"
	"time"
)

// reporter sends a pass's status to its caller and to the worker's watcher:
// at every change of state, after a batch if a second has passed, and once a
// second in between (with the elapsed time and the ETA moving), so progress
// never looks frozen while a slow batch runs. Calls to the callbacks are
// serialised.
type reporter struct {
	w     *Worker
	fn    func(Status) error
	start time.Time

	mu       sync.Mutex
	cur      Status
	have     bool
	updated  time.Time // when cur's counts last changed
	lastSent time.Time
	err      error
	stopc    chan struct{}
	done     chan struct{}
}

func newReporter(w *Worker, fn func(Status) error, start time.Time) *reporter {
	r := &reporter{w: w, fn: fn, start: start, stopc: make(chan struct{}), done: make(chan struct{})}
	go r.tick()
	return r
}

func (r *reporter) tick() {
	defer close(r.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-r.stopc:
			return
		case <-t.C:
			r.mu.Lock()
			if r.have && time.Since(r.lastSent) >= 900*time.Millisecond {
				r.sendLocked()
			}
			r.mu.Unlock()
		}
	}
}

// set records st and sends it if force is set or a second has passed. It
// returns the error of the caller's callback, which stops the pass.
func (r *reporter) set(st Status, force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cur, r.have, r.updated = st, true, time.Now()
	if force || time.Since(r.lastSent) >= time.Second {
		r.sendLocked()
	}
	return r.err
}

func (r *reporter) sendLocked() {
	s := r.cur
	s.Elapsed = time.Since(r.start)
	if s.Rate > 0 && s.Total > s.Done && s.State == StateEmbedding {
		eta := time.Duration(float64(s.Total-s.Done)/s.Rate*float64(time.Second)) - time.Since(r.updated)
		s.ETA = max(eta, time.Second)
	}
	r.lastSent = time.Now()
	r.w.mu.Lock()
	r.w.status[s.Collection] = s
	watch := r.w.watcher
	r.w.mu.Unlock()
	if watch != nil {
		watch(s)
	}
	if r.fn != nil && r.err == nil {
		r.err = r.fn(s)
	}
}

// failed is the callback's error, if it returned one.
func (r *reporter) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *reporter) stop() {
	close(r.stopc)
	<-r.done
}
