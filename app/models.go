package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// Runtime describes the model runtime in use and the models it has loaded.
// An unreachable runtime is not an error: Reachable is false and Error says
// why.
func (a *App) Runtime() (Runtime, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ri := a.opts.Runtime
	client := a.lib.LLM()
	out := Runtime{Bundled: ri.Bundled, URL: client.URL(), Version: ri.Version, ModelsDir: ri.ModelsDir, Running: []string{}}
	v, err := client.Version(ctx)
	if err == nil {
		out.Version, out.Reachable = v, true
		var running []llm.RunningModel
		running, err = client.Running(ctx)
		for _, m := range running {
			out.Running = append(out.Running, m.Name)
		}
	}
	if err != nil {
		out.Error = a.errorText(err)
	}
	return out, nil
}

// Models lists the installed models, marking the configured ones.
func (a *App) Models() ([]Model, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ms, err := a.lib.LLM().Models(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	cfg := a.lib.Config()
	out := make([]Model, 0, len(ms))
	for _, m := range ms {
		out = append(out, Model{Name: m.Name, Size: m.Size, Family: m.Family, ParameterSize: m.ParameterSize,
			Quantization: m.Quantization, ContextLength: m.ContextLength, Embedding: m.Embedding,
			IsChatDefault: library.SameModel(m.Name, cfg.ChatModel), IsEmbedDefault: library.SameModel(m.Name, cfg.EmbedModel)})
	}
	return out, nil
}

// PullModel downloads a model (it needs a network) as a job of kind
// "pull": phase is the runtime's step, bytesDone/bytesTotal the layer being
// downloaded.
func (a *App) PullModel(name string) (Job, error) {
	name = strings.TrimSpace(name)
	if err := checkModelName(name); err != nil {
		return Job{}, err
	}
	return a.jobs.start(a.base, JobPull, "", false, func(ctx context.Context, j *job) (*JobSummary, error) {
		return nil, a.lib.LLM().Pull(ctx, name, func(p llm.PullProgress) error {
			return j.progress(ctx, func(d *Job) {
				d.Phase, d.BytesDone, d.BytesTotal, d.Current = p.Status, p.Completed, p.Total, name
			})
		})
	}), nil
}

// ImportModel installs a model from a GGUF file, without a network, as a
// job of kind "import".
func (a *App) ImportModel(path, name string) (Job, error) {
	name = strings.TrimSpace(name)
	if err := checkModelName(name); err != nil {
		return Job{}, err
	}
	p, err := absPath(DecodePath(path))
	if err != nil {
		return Job{}, err
	}
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return Job{}, invalid("%s is not a file", p)
	}
	return a.jobs.start(a.base, JobImport, "", false, func(ctx context.Context, j *job) (*JobSummary, error) {
		return nil, a.lib.LLM().Import(ctx, p, name, func(step string) error {
			return j.progress(ctx, func(d *Job) { d.Phase, d.Current = step, EncodePath(p) })
		})
	}), nil
}

// DeleteModel removes an installed model.
func (a *App) DeleteModel(name string) error {
	if err := checkModelName(name); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	err := a.lib.LLM().Delete(ctx, name)
	var missing *llm.ModelMissingError
	if errors.As(err, &missing) {
		// Not "download it": the user wanted it gone.
		return &Error{Code: CodeNotFound, Message: fmt.Sprintf("The model %q is not installed.", name), Err: err}
	}
	return a.fail(err)
}

func checkModelName(name string) error {
	if name == "" {
		return invalid("give a model name, such as %s", config.DefaultChatModel)
	}
	if strings.ContainsAny(name, " \t\r\n\\") {
		return invalid("a model name has no spaces: %q", name)
	}
	return nil
}

// Settings returns the settings in use.
func (a *App) Settings() (Settings, error) {
	c := a.lib.Config()
	return Settings{OllamaURL: c.OllamaURL, ChatModel: c.ChatModel, EmbedModel: c.EmbedModel, TopK: c.TopK,
		LexicalWeight: c.LexicalWeight, ChunkSize: c.ChunkSize, ChunkOverlap: c.ChunkOverlap, MaxContext: c.MaxContext,
		Theme: c.Theme, Language: c.Language}, nil
}

// SaveSettings checks and saves the settings. Models, search and answer
// settings apply at once (a new embedding model rebuilds the vectors at
// the next indexing); a new chunk size applies to documents indexed from
// now on; a new Ollama address applies when Kura next starts.
func (a *App) SaveSettings(s Settings) error {
	s.OllamaURL = strings.TrimSpace(s.OllamaURL)
	if s.OllamaURL != "" {
		if _, err := llm.New(s.OllamaURL); err != nil {
			return invalid("the Ollama address %q is not a URL such as http://127.0.0.1:11434", s.OllamaURL)
		}
	}
	switch {
	case checkModelName(strings.TrimSpace(s.ChatModel)) != nil:
		return invalid("choose a chat model")
	case checkModelName(strings.TrimSpace(s.EmbedModel)) != nil:
		return invalid("choose an embedding model")
	case s.TopK < 1 || s.TopK > 50:
		return invalid("passages per question must be between 1 and 50")
	case s.LexicalWeight <= 0 || s.LexicalWeight > 1:
		return invalid("the keyword weight must be above 0 and at most 1")
	case s.ChunkSize < 100 || s.ChunkSize > 8000:
		return invalid("the passage size must be between 100 and 8000 characters")
	case s.ChunkOverlap < 0 || s.ChunkOverlap > s.ChunkSize/2:
		return invalid("the passage overlap must be between 0 and half the passage size")
	case s.MaxContext < 1024:
		return invalid("the context window must be at least 1024 tokens")
	case s.Theme != "light" && s.Theme != "dark" && s.Theme != "system":
		return invalid("the theme is light, dark or system")
	case s.Language != "" && s.Language != "en" && s.Language != "ja" && s.Language != "ko":
		return invalid("the language is en, ja, ko or empty (follow the system)")
	}
	c := a.lib.Config()
	c.OllamaURL, c.ChatModel, c.EmbedModel = s.OllamaURL, strings.TrimSpace(s.ChatModel), strings.TrimSpace(s.EmbedModel)
	c.TopK, c.LexicalWeight, c.ChunkSize, c.ChunkOverlap, c.MaxContext = s.TopK, s.LexicalWeight, s.ChunkSize, s.ChunkOverlap, s.MaxContext
	c.Theme, c.Language = s.Theme, s.Language
	return a.fail(a.lib.SetConfig(c))
}

// Status says whether the runtime answers and the configured models are
// installed; Message tells the user what to do when something is missing
// ("" when all is well).
func (a *App) Status() (Status, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	cfg := a.lib.Config()
	st := Status{ChatModel: cfg.ChatModel, EmbedModel: cfg.EmbedModel}
	if _, err := a.lib.LLM().Version(ctx); err != nil {
		if ctx.Err() != nil {
			return Status{}, a.fail(err)
		}
		st.Message = a.errorText(err)
		var unreachable *llm.UnreachableError
		if errors.As(err, &unreachable) {
			st.Message = fmt.Sprintf("Ollama is not reachable at %s, so answers are off and search uses keywords only. Start Ollama, or set its address in Settings.", unreachable.URL)
		}
		return st, nil
	}
	st.Reachable = true
	var err error
	if st.ChatModelInstalled, err = a.lib.Installed(ctx, cfg.ChatModel); err != nil {
		return Status{}, a.fail(err)
	}
	if st.EmbedModelInstalled, err = a.lib.Installed(ctx, cfg.EmbedModel); err != nil {
		return Status{}, a.fail(err)
	}
	var msg []string
	if !st.ChatModelInstalled {
		msg = append(msg, "The chat model "+strconv.Quote(cfg.ChatModel)+" is not installed, so answers are off: download it in Models (or run: kura models pull "+cfg.ChatModel+").")
	}
	if !st.EmbedModelInstalled {
		msg = append(msg, "The embedding model "+strconv.Quote(cfg.EmbedModel)+" is not installed, so search uses keywords only: download it in Models (or run: kura models pull "+cfg.EmbedModel+").")
	}
	st.Message = strings.Join(msg, " ")
	return st, nil
}
