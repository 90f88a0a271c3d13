package library

import (
	"context"

	"github.com/kura-app/kura/internal/llm"
)

// The model runtime as the app and the CLI see it. These are the only
// calls that reach the runtime client from above the library, each for a
// screen or a command that is about the runtime itself: its status, the
// installed models, a download, a model's facts, and unloading for a
// measurement. Everything else goes through the library's own operations.

// RuntimeStatus is what the model runtime says of itself now.
type RuntimeStatus struct {
	URL       string // the address the library talks to
	Reachable bool   // it answered
	Version   string // its version, "" when it did not answer
	// Running are the models it holds in memory (none when not reachable).
	Running []llm.RunningModel
	// Err says why it did not answer or could not list what it runs; nil
	// when all is well. A done context is returned as is.
	Err error
}

// RuntimeStatus asks the model runtime for its version and the models it
// has loaded, for `kura runtime` and the app's Models view. An unreachable
// runtime is a status (Reachable false, Err why), not an error.
func (l *Library) RuntimeStatus(ctx context.Context) RuntimeStatus {
	out := RuntimeStatus{URL: l.llm.URL()}
	out.Version, out.Err = l.llm.Version(ctx)
	if out.Err != nil {
		return out
	}
	out.Reachable = true
	out.Running, out.Err = l.llm.Running(ctx)
	return out
}

// RuntimeURL is the address of the model runtime the library talks to.
func (l *Library) RuntimeURL() string { return l.llm.URL() }

// CheckRuntime reports whether the model runtime answers: nil, or why not
// (an *llm.UnreachableError when nothing answers at its address). It is
// cheaper than RuntimeStatus, for a banner checked often.
func (l *Library) CheckRuntime(ctx context.Context) error {
	_, err := l.llm.Version(ctx)
	return err
}

// Models lists the models installed in the runtime.
func (l *Library) Models(ctx context.Context) ([]llm.Model, error) { return l.llm.Models(ctx) }

// PullModel downloads a model into the runtime from the Ollama library,
// reporting progress through onProgress (see llm.Client.Pull); it does not
// choose it (AdoptModels does).
func (l *Library) PullModel(ctx context.Context, name string, onProgress func(llm.PullProgress) error) error {
	return l.llm.Pull(ctx, name, onProgress)
}

// ModelInfo is what the runtime says of an installed model now: its kind
// and context length (an *llm.ModelMissingError when it is not installed).
func (l *Library) ModelInfo(ctx context.Context, name string) (llm.ModelInfo, error) {
	return l.llm.Show(ctx, name)
}

// UnloadModel asks the runtime to free a model's memory now, so that a
// measurement (`kura bench --edge`) starts cold.
func (l *Library) UnloadModel(ctx context.Context, name string) error { return l.llm.Unload(ctx, name) }
