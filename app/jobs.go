package app

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// Job registry. A job runs in its own goroutine with a child context of
// the App's; CancelJob cancels that context. Progress arrives through the
// engine's callback, which updates the job and emits job:progress at most
// every progressEvery (the final state is always sent, then job:done).
//
// Pause: the progress callback blocks while the job is paused. The engine
// calls it between files and between embedding batches, so a pause takes
// effect when the files being read finish (the job's "paused" state is
// reported at once, the work stops at the next file). Model downloads and
// imports cannot be paused: a cancelled download resumes where it stopped
// when pulled again.

// progressEvery throttles job:progress to about 4 events per second per job.
const progressEvery = 250 * time.Millisecond

// keepFinished bounds the finished jobs remembered for Jobs.
const keepFinished = 50

type jobs struct {
	emit     Emitter
	describe func(error) *Error

	mu   sync.Mutex
	seq  int
	list []*job // oldest first
	wg   sync.WaitGroup
}

func newJobs(emit Emitter, describe func(error) *Error) *jobs {
	return &jobs{emit: emit, describe: describe}
}

type job struct {
	r        *jobs
	pausable bool
	start    time.Time
	cancel   context.CancelFunc

	mu       sync.Mutex
	dto      Job
	resume   chan struct{} // non-nil while paused; closed to resume
	lastEmit time.Time
}

// jobFunc runs a job's work, reporting through j.progress. It returns the
// summary (nil for none) and the error that ended it.
type jobFunc func(ctx context.Context, j *job) (*JobSummary, error)

// start registers a job and runs fn in a goroutine; it returns the job as
// it starts. subject is the collection of an indexing job, the model of a
// pull or an import.
func (r *jobs) start(parent context.Context, kind, subject string, pausable bool, fn jobFunc) Job {
	ctx, cancel := context.WithCancel(parent)
	r.mu.Lock()
	r.seq++
	d := Job{ID: "job-" + strconv.Itoa(r.seq), Kind: kind, State: JobRunning, ErrorParams: map[string]string{}}
	if kind == JobPull || kind == JobImport {
		d.Model = subject
	} else {
		d.Collection = subject
	}
	j := &job{r: r, pausable: pausable, start: time.Now(), cancel: cancel, dto: d}
	r.list = append(r.list, j)
	r.trim()
	r.wg.Add(1)
	r.mu.Unlock()

	first := j.snapshot()
	r.emit(EventJobProgress, first)
	go func() {
		defer r.wg.Done()
		defer cancel()
		sum, err := fn(ctx, j)
		j.finish(sum, err)
	}()
	return first
}

// trim forgets the oldest finished jobs beyond keepFinished. r.mu is held.
func (r *jobs) trim() {
	finished := 0
	for _, j := range r.list {
		if j.ended() {
			finished++
		}
	}
	kept := r.list[:0]
	for _, j := range r.list {
		if finished > keepFinished && j.ended() {
			finished--
			continue
		}
		kept = append(kept, j)
	}
	r.list = kept
}

func (r *jobs) find(id string) *job {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range r.list {
		if j.dto.ID == id {
			return j
		}
	}
	return nil
}

// all returns every remembered job, newest first.
func (r *jobs) all() []Job {
	r.mu.Lock()
	list := append([]*job(nil), r.list...)
	r.mu.Unlock()
	out := make([]Job, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].snapshot())
	}
	return out
}

func (j *job) snapshot() Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snapshotLocked()
}

func (j *job) snapshotLocked() Job {
	d := j.dto
	if d.State == JobRunning || d.State == JobPaused {
		d.ElapsedMs = time.Since(j.start).Milliseconds()
	}
	return d
}

func (j *job) ended() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch j.dto.State {
	case JobDone, JobFailed, JobCanceled:
		return true
	}
	return false
}

// progress applies update to the job, emits job:progress unless one was
// sent less than progressEvery ago, then blocks while the job is paused.
// It returns ctx's error once the job is cancelled, which stops the
// engine's work.
func (j *job) progress(ctx context.Context, update func(*Job)) error {
	j.mu.Lock()
	update(&j.dto)
	var ev *Job
	if now := time.Now(); now.Sub(j.lastEmit) >= progressEvery {
		j.lastEmit = now
		s := j.snapshotLocked()
		ev = &s
	}
	j.mu.Unlock()
	if ev != nil {
		j.r.emit(EventJobProgress, *ev)
	}
	for {
		j.mu.Lock()
		ch := j.resume
		j.mu.Unlock()
		if ch == nil {
			return ctx.Err()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var (
	errJobEnded       = errors.New("job ended")
	errJobNotPausable = errors.New("job cannot be paused")
)

// pause marks a running job paused; its work stops at its next progress
// report.
func (j *job) pause() error {
	j.mu.Lock()
	switch {
	case !j.pausable:
		j.mu.Unlock()
		return errJobNotPausable
	case j.dto.State == JobPaused:
		j.mu.Unlock()
		return nil
	case j.dto.State != JobRunning:
		j.mu.Unlock()
		return errJobEnded
	}
	j.resume = make(chan struct{})
	j.dto.State = JobPaused
	s := j.snapshotLocked()
	j.mu.Unlock()
	j.r.emit(EventJobProgress, s)
	return nil
}

// unpause lets a paused job go on.
func (j *job) unpause() error {
	j.mu.Lock()
	switch j.dto.State {
	case JobRunning:
		j.mu.Unlock()
		return nil
	case JobPaused:
	default:
		j.mu.Unlock()
		return errJobEnded
	}
	close(j.resume)
	j.resume = nil
	j.dto.State = JobRunning
	s := j.snapshotLocked()
	j.mu.Unlock()
	j.r.emit(EventJobProgress, s)
	return nil
}

// finish records how the job ended and sends its final state as
// job:progress and job:done.
func (j *job) finish(sum *JobSummary, err error) {
	j.mu.Lock()
	if j.resume != nil {
		close(j.resume)
		j.resume = nil
	}
	j.dto.ElapsedMs = time.Since(j.start).Milliseconds()
	j.dto.EtaMs = 0
	j.dto.Current = ""
	j.dto.Phase = "done"
	if sum == nil {
		sum = &JobSummary{}
	}
	if sum.Warnings == nil {
		sum.Warnings = []string{}
	}
	if sum.Failures == nil {
		sum.Failures = []Failure{}
	}
	if sum.Models == nil {
		sum.Models = []ImportedModel{}
	}
	if sum.EmbedErrorParams == nil {
		sum.EmbedErrorParams = map[string]string{}
	}
	j.dto.Summary = sum
	switch {
	case err == nil:
		j.dto.State = JobDone
	case errors.Is(err, context.Canceled):
		j.dto.State = JobCanceled
	default:
		e := j.r.describe(err)
		j.dto.State = JobFailed
		j.dto.Error, j.dto.ErrorCode, j.dto.ErrorParams = e.Message, e.Code, params(e.Params)
	}
	s := j.dto
	j.mu.Unlock()
	j.r.emit(EventJobProgress, s)
	j.r.emit(EventJobDone, s)
}
