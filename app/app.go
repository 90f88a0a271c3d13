// Package app is what the Kura window talks to: the methods of App are
// bound to the desktop window by Wails and served to a browser by `kura
// serve` (package serve), one method per operation of docs/API.md.
//
// It is the only package that imports the Wails runtime. Its methods are
// adapters: they check their arguments, call the engine (package library),
// turn the result into the JSON shapes of docs/API.md (types.go) and errors
// into words for a user (errors.go). Long operations (indexing, model
// downloads, answers) return at once and report through events (events.go)
// sent by an Emitter, so the same App serves both transports.
//
// Host is the other side: what the process hosting an App (the Wails shell
// in main.go, or package serve) calls to start and stop it. Its methods are
// kept off App so that neither transport exposes them.
package app

import (
	"context"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/vectorize"
)

// RuntimeInfo describes the model runtime the library talks to, as main.go
// settled on it.
type RuntimeInfo struct {
	URL       string
	Bundled   bool // Kura started it and stops it on exit
	Version   string
	ModelsDir string // the bundled runtime's model store; "" for an external one
	// Data is where this Kura keeps its data (config.Locate).
	Data config.Locations
}

// Options configure an App. The zero value works (events are dropped until
// an Emitter is set).
type Options struct {
	Runtime RuntimeInfo
	// Version is Kura's version, shown in Settings (main.go reads it from
	// the VERSION file).
	Version string
	// Emit delivers events; Host.Startup replaces it with the Wails one.
	Emit Emitter
	// ReadyFile, if set, receives "ready" when the page calls Ready (the
	// desktop smoke test waits for it; main.go reads $KURA_READY_FILE).
	ReadyFile string
	// Log receives errors a user cannot act on (default log.Default()).
	Log *log.Logger
}

// App is the API of docs/API.md. Its exported methods are exactly the
// operations the page can call: keep it that way (package serve exposes
// every exported method). Safe for concurrent use.
type App struct {
	lib  *library.Library
	opts Options
	log  *log.Logger

	// base is cancelled at shutdown; every call and job derives from it.
	base   context.Context
	cancel context.CancelFunc

	emitMu sync.RWMutex
	emit   Emitter

	// wails is the Wails context once the desktop window started; nil in
	// `kura serve` (no native dialogs there).
	wailsMu sync.RWMutex
	wails   context.Context

	jobs  *jobs
	asks  *asks
	ready atomic.Bool
	bg    sync.WaitGroup // the background embedder
	// resumed makes the start-up look for scans waiting for OCR run once.
	resumed sync.Once
}

// Host starts and stops an App for the process that hosts it.
type Host struct {
	App *App
}

// New builds the App for lib. lib may be nil only when the App is built for
// `wails generate module`, which reads its method signatures and calls
// nothing.
func New(lib *library.Library, o Options) *Host {
	if o.Log == nil {
		o.Log = log.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{lib: lib, opts: o, log: o.Log, base: ctx, cancel: cancel, emit: o.Emit}
	a.jobs = newJobs(a.send, a.describe)
	a.asks = &asks{running: map[string]context.CancelFunc{}}
	if lib != nil {
		// Vectors left to compute (a restart, a cancelled job, a new
		// embedding model) are filled in while the window is open.
		lib.WatchEmbedding(func(s vectorize.Status) { a.send(EventEmbedProgress, a.embedStatusDTO(s)) })
		a.bg.Add(2)
		go func() {
			defer a.bg.Done()
			lib.RunBackground(ctx)
		}()
		go func() {
			defer a.bg.Done()
			a.follow(ctx)
		}()
	}
	return &Host{App: a}
}

// SetEmitter makes e receive all events from now on (`kura serve` sets its
// SSE broadcast).
func (h *Host) SetEmitter(e Emitter) {
	h.App.emitMu.Lock()
	h.App.emit = e
	h.App.emitMu.Unlock()
}

// Close cancels running jobs and answers and waits for them to end, at
// most until ctx is done. Partial answers are saved as they stand.
func (h *Host) Close(ctx context.Context) {
	a := h.App
	a.cancel()
	done := make(chan struct{})
	go func() {
		a.jobs.wg.Wait()
		a.asks.wg.Wait()
		a.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		a.log.Printf("kura: stopping: jobs still running after %v", ctx.Err())
	}
}

// IsReady reports whether the page has called Ready.
func (h *Host) IsReady() bool { return h.App.ready.Load() }

// send delivers one event through the current Emitter.
func (a *App) send(name string, payload any) {
	a.emitMu.RLock()
	e := a.emit
	a.emitMu.RUnlock()
	if e != nil {
		e(name, payload)
	}
}

// ctx is the context of a short call: cancelled at shutdown, bounded so a
// hung runtime cannot hang the page forever.
func (a *App) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.base, 2*time.Minute)
}

// Ready records that the page has mounted; the frontend calls it once.
// With Options.ReadyFile set, it writes "ready" there (the desktop smoke
// test waits for that file). The first call also starts an indexing job
// per collection for the scans that wait for OCR, if an OCR engine is
// installed now.
func (a *App) Ready() {
	a.ready.Store(true)
	a.resumed.Do(func() {
		// Counted with the jobs, so that Close waits for it and the jobs it
		// starts.
		a.jobs.wg.Add(1)
		go func() {
			defer a.jobs.wg.Done()
			a.resumeOCR()
		}()
	})
	if a.opts.ReadyFile != "" {
		if err := os.WriteFile(a.opts.ReadyFile, []byte("ready\n"), 0o644); err != nil {
			a.log.Printf("kura: ready file: %v", err)
		}
	}
}

// EmbeddingStatus is where each collection's embedding stands, as last
// reported since Kura started (collections not embedded since are absent).
func (a *App) EmbeddingStatus() []EmbedStatus {
	st := a.lib.EmbeddingStatuses()
	out := make([]EmbedStatus, 0, len(st))
	for _, s := range st {
		out = append(out, a.embedStatusDTO(s))
	}
	return out
}

func (a *App) embedStatusDTO(s vectorize.Status) EmbedStatus {
	d := EmbedStatus{Collection: s.Collection, Model: s.Model, State: s.State, Done: s.Done, Total: s.Total,
		Rebuild: s.Rebuild, Rate: s.Rate, EtaMs: s.ETA.Milliseconds(), ElapsedMs: s.Elapsed.Milliseconds(), ErrorParams: map[string]string{}}
	if s.Err != nil {
		e := a.describe(s.Err)
		d.Error, d.ErrorCode, d.ErrorParams = e.Message, e.Code, params(e.Params)
	}
	return d
}

// EventTypes returns an empty EventPayloads. It exists so that the event
// payload types appear in a bound signature and Wails generates their
// TypeScript classes; the page has no reason to call it.
func (a *App) EventTypes() EventPayloads { return EventPayloads{} }

// resumeOCR starts an ingest job per collection over the documents that
// wait for OCR, when an engine is installed now: installing one and
// starting Kura again is all a user has to do.
func (a *App) resumeOCR() {
	if a.lib == nil {
		return
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if err := a.lib.OCRAvailable(ctx); err != nil {
		return
	}
	pending, err := a.lib.PendingOCR(ctx)
	if err != nil {
		a.log.Printf("kura: documents waiting for OCR: %v", err)
		return
	}
	for collection, paths := range pending {
		a.jobs.start(a.base, JobIngest, collection, true, a.ingestJob(collection, paths, library.IngestOptions{}))
	}
}
