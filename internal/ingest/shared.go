package ingest

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/kura-app/kura/internal/extract"
)

// DefaultMemoryBudget bounds the estimated memory of the files being read
// at once, across all the jobs that share one Shared.
const DefaultMemoryBudget int64 = 512 << 20

// Shared is what the concurrent jobs of one library share: which files are
// being indexed right now, and a budget for the memory of the files being
// read. Create it once per library with NewShared; a Job without one gets
// a private one.
//
// A file being indexed by one job is waited for by any other job that
// reaches it (the wait obeys the job's context); the other job then finds
// it unchanged. So fifty jobs started at once over the same folder add
// each file once and report it unchanged forty-nine times. Jobs in other
// processes over the same index are not coordinated: each file is still
// stored once (the store replaces a path's earlier version), but both
// processes may count it as added.
type Shared struct {
	mem      *semaphore.Weighted
	capacity int64

	mu   sync.Mutex
	busy map[string]chan struct{} // closed when the file is done
}

// NewShared returns the state concurrent jobs share; budget bounds the
// estimated bytes of files read at once (0: DefaultMemoryBudget).
func NewShared(budget int64) *Shared {
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	return &Shared{mem: semaphore.NewWeighted(budget), capacity: budget, busy: map[string]chan struct{}{}}
}

// claim waits until no other job is indexing path in the collection and
// marks it as this job's; release ends the claim.
func (s *Shared) claim(ctx context.Context, collection int64, path string) (release func(), err error) {
	key := strconv.FormatInt(collection, 10) + "\x00" + path
	for {
		s.mu.Lock()
		ch, busy := s.busy[key]
		if !busy {
			ch = make(chan struct{})
			s.busy[key] = ch
			s.mu.Unlock()
			return func() {
				s.mu.Lock()
				delete(s.busy, key)
				s.mu.Unlock()
				close(ch)
			}, nil
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// reserve waits until the estimated memory of reading a file of size
// bytes fits the budget; release gives it back. A file estimated at the
// whole budget or more is read alone.
func (s *Shared) reserve(ctx context.Context, path string, size int64) (release func(), err error) {
	w := min(max(estimate(path, size), 1<<20), s.capacity)
	if err := s.mem.Acquire(ctx, w); err != nil {
		return nil, err
	}
	return func() { s.mem.Release(w) }, nil
}

// estimate is a rough upper bound of the memory reading a file takes (see
// extract.Format.MemoryEstimate); four times its size for a format Kura
// does not read.
func estimate(path string, size int64) int64 {
	if f, ok := extract.FormatOf(path); ok {
		return f.MemoryEstimate(size)
	}
	return size * 4
}
