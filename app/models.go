package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	st := a.lib.RuntimeStatus(ctx)
	out := Runtime{Bundled: ri.Bundled, URL: st.URL, Version: ri.Version, ModelsDir: ri.ModelsDir, Reachable: st.Reachable, Running: []string{}}
	if st.Reachable {
		out.Version = st.Version
	}
	for _, m := range st.Running {
		out.Running = append(out.Running, m.Name)
	}
	if st.Err != nil {
		out.Error = a.errorText(st.Err)
	}
	return out, nil
}

// Models lists the installed models, marking the configured ones, with
// the speed this machine measured for each.
func (a *App) Models() ([]Model, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ms, err := a.lib.Models(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	cfg := a.lib.Config()
	out := make([]Model, 0, len(ms))
	for _, m := range ms {
		sp := a.lib.ModelSpeed(ctx, m.Name)
		speed := sp.ReadTokensPerSec
		if m.Embedding {
			speed = sp.PassagesPerSec
		}
		out = append(out, Model{Name: m.Name, Size: m.Size, Family: m.Family, ParameterSize: m.ParameterSize,
			Quantization: m.Quantization, ContextLength: m.ContextLength, Embedding: m.Embedding,
			IsChatDefault: llm.SameModel(m.Name, cfg.ChatModel), IsEmbedDefault: llm.SameModel(m.Name, cfg.EmbedModel),
			Speed: speed})
	}
	return out, nil
}

// Recommendations lists the models Kura suggests for each role, marking
// the installed ones and the ones in use, with their download size and the
// speed measured here. It works with the runtime down (nothing is marked
// installed then).
func (a *App) Recommendations() ([]Recommendation, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ms, _ := a.lib.Models(ctx) // nil with the runtime down
	sug := a.lib.Suggestions(ctx, ms)
	out := make([]Recommendation, 0, len(sug))
	for _, s := range sug {
		speed := s.Speed.ReadTokensPerSec
		if s.Role == library.RoleEmbed {
			speed = s.Speed.PassagesPerSec
		}
		out = append(out, Recommendation{Role: s.Role, Name: s.Name, Size: s.Size, ParameterSize: s.ParameterSize,
			Trait: s.Trait, Installed: s.Installed, InstalledAs: s.InstalledAs, InUse: s.InUse, Speed: speed})
	}
	return out, nil
}

// UseModel makes an installed model the one that answers (role "chat") or
// the one that embeds (role "embed"). A model that is not installed, or
// cannot take the role, is refused with model_missing or model_role.
func (a *App) UseModel(role, name string) error {
	if role != library.RoleChat && role != library.RoleEmbed {
		return invalid("the model role is chat or embed, not %q", role)
	}
	if err := checkModelName(name); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	_, err := a.lib.UseModel(ctx, role, strings.TrimSpace(name))
	return a.fail(err)
}

// PullModel downloads a model (it needs a network) as a job of kind
// "pull": phase is the runtime's step, bytesDone/bytesTotal the layer being
// downloaded. A downloaded model that is the only one of its role while the
// configured one is missing becomes the configured one.
func (a *App) PullModel(name string) (Job, error) {
	name = strings.TrimSpace(name)
	if err := checkModelName(name); err != nil {
		return Job{}, err
	}
	return a.jobs.start(a.base, JobPull, name, false, func(ctx context.Context, j *job) (*JobSummary, error) {
		err := a.lib.PullModel(ctx, name, func(p llm.PullProgress) error {
			return j.progress(ctx, func(d *Job) {
				d.Phase, d.BytesDone, d.BytesTotal, d.Current = p.Status, p.Completed, p.Total, name
			})
		})
		if err != nil {
			return nil, err
		}
		// Choosing it is a convenience after a download that succeeded: a
		// failure to look is logged, not the job's.
		chosen, err := a.lib.AdoptModels(ctx)
		if err != nil {
			a.log.Printf("kura: after pulling %s: %v", name, err)
		}
		sum := &JobSummary{Added: 1}
		info, ierr := a.lib.ModelInfo(ctx, name)
		role := library.RoleChat
		if ierr == nil && info.Embedding {
			role = library.RoleEmbed
		}
		sum.Models = []ImportedModel{{Name: name, Role: role, Chosen: slices.ContainsFunc(chosen, func(c string) bool { return llm.SameModel(c, name) })}}
		return sum, nil
	}), nil
}

// ImportModel installs models from GGUF files, without a network, as a
// job of kind "import" (its model is the name given, else the file's or
// the folder's name; current is the file being imported). path is a .gguf
// file, installed as name ("": named after the file), or a folder (a USB
// stick, say), whose every .gguf file is installed under its own name
// (name must be ""). The summary lists
// the models installed (models, added) and the files that failed; a model
// that is the only one of its role while the configured one is missing
// becomes the configured one.
func (a *App) ImportModel(path, name string) (Job, error) {
	name = strings.TrimSpace(name)
	if name != "" {
		if err := checkModelName(name); err != nil {
			return Job{}, err
		}
	}
	p, err := absPath(DecodePath(path))
	if err != nil {
		return Job{}, err
	}
	st, err := os.Stat(p)
	switch {
	case err != nil || !(st.Mode().IsRegular() || st.IsDir()):
		return Job{}, newError(CodeNotAFile, fmt.Sprintf("%s is not a file or folder Kura can read.", p), err, "path", p)
	case st.IsDir() && name != "":
		return Job{}, invalid("a folder's models are named after their files: leave the name empty")
	case st.IsDir():
		if _, err := library.GGUFFiles(p); err != nil {
			return Job{}, a.fail(err)
		}
	}
	subject := name
	if subject == "" {
		subject = filepath.Base(p)
	}
	return a.jobs.start(a.base, JobImport, subject, false, func(ctx context.Context, j *job) (*JobSummary, error) {
		done, total := 0, 1
		ims, err := a.lib.ImportModels(ctx, p, name, func(ip library.ImportProgress) error {
			done, total = ip.Index-1, ip.Total
			return j.progress(ctx, func(d *Job) {
				d.Phase, d.Current, d.FilesDone, d.FilesTotal = ip.Step, EncodePath(ip.File), ip.Index-1, ip.Total
			})
		})
		sum := &JobSummary{Models: []ImportedModel{}}
		for _, im := range ims {
			if im.Err != nil {
				e := a.describe(im.Err)
				sum.Failures = append(sum.Failures, Failure{Path: EncodePath(im.Path), Reason: e.Message, Code: e.Code})
				continue
			}
			role := library.RoleChat
			if im.Embedding {
				role = library.RoleEmbed
			}
			sum.Added++
			sum.Models = append(sum.Models, ImportedModel{Name: im.Name, Role: role, Chosen: im.Chosen})
		}
		_ = j.progress(ctx, func(d *Job) { d.FilesDone, d.FilesTotal = max(done, len(ims)), total })
		if err != nil && sum.Added > 0 && ctx.Err() == nil && !errors.Is(err, llm.ErrUnreachable) {
			// Some files failed, others were installed: the job did its
			// work, and the summary lists the failures.
			err = nil
		}
		return sum, err
	}), nil
}

// DeleteModel unloads and removes an installed model. Deleting a model in
// use works (the page asks first): answers, or meaning-based search, need
// another one until one is chosen.
func (a *App) DeleteModel(name string) error {
	if err := checkModelName(name); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	_, err := a.lib.DeleteModel(ctx, name)
	var missing *llm.ModelMissingError
	if errors.As(err, &missing) {
		// Not "download it": the user wanted it gone.
		return newError(CodeNotFound, fmt.Sprintf("The model %q is not installed.", name), err, "what", "model", "name", name)
	}
	return a.fail(err)
}

func checkModelName(name string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\r\n\\") {
		return newError(CodeBadName, fmt.Sprintf("A model name has no spaces, such as %s; %q is not one.", config.DefaultChatModel, name), nil,
			"what", "model", "name", name)
	}
	return nil
}

// Settings returns the settings in use.
func (a *App) Settings() (Settings, error) {
	c := a.lib.Config()
	return Settings{OllamaURL: c.OllamaURL, ChatModel: c.ChatModel, EmbedModel: c.EmbedModel, TopK: c.TopK,
		LexicalWeight: c.LexicalWeight, ChunkSize: c.ChunkSize, ChunkOverlap: c.ChunkOverlap, MaxContext: c.MaxContext,
		FirstTokenSeconds: c.FirstTokenSeconds, Theme: c.Theme, Language: c.Language, Version: a.opts.Version,
		DataDir: a.opts.Runtime.Data.Data, Portable: a.opts.Runtime.Data.Portable}, nil
}

// Allowed ranges of the numeric settings (config.Normalize falls back to
// the default outside them; SaveSettings refuses them with out_of_range,
// naming the range).
const (
	MinTopK, MaxTopK             = 1, 50
	MinChunkSize, MaxChunkSize   = 100, 8000
	MinMaxContext, MaxMaxContext = 1024, 131072
)

// SaveSettings checks and saves the settings. Models, search and answer
// settings apply at once (a new embedding model rebuilds the vectors at
// the next indexing); a new chunk size applies to documents indexed from
// now on; a new Ollama address applies when Kura next starts. A number
// outside its range is refused with out_of_range (params field, min, max).
func (a *App) SaveSettings(s Settings) error {
	s.OllamaURL = strings.TrimSpace(s.OllamaURL)
	if s.OllamaURL != "" {
		if _, err := llm.New(s.OllamaURL); err != nil {
			return newError(CodeInvalid, fmt.Sprintf("The Ollama address %q is not a URL such as http://127.0.0.1:11434.", s.OllamaURL), nil,
				"field", "ollamaUrl")
		}
	}
	if err := checkModelName(strings.TrimSpace(s.ChatModel)); err != nil {
		return err
	}
	if err := checkModelName(strings.TrimSpace(s.EmbedModel)); err != nil {
		return err
	}
	switch {
	case s.TopK < MinTopK || s.TopK > MaxTopK:
		return outOfRange("topK", "Passages per answer", MinTopK, MaxTopK)
	case s.LexicalWeight <= 0 || s.LexicalWeight > 1:
		return outOfRange("lexicalWeight", "The keyword weight", 0.05, 1)
	case s.ChunkSize < MinChunkSize || s.ChunkSize > MaxChunkSize:
		return outOfRange("chunkSize", "The passage size", MinChunkSize, MaxChunkSize)
	case s.ChunkOverlap < 0 || s.ChunkOverlap > s.ChunkSize/2:
		return outOfRange("chunkOverlap", "The passage overlap", 0, s.ChunkSize/2)
	case s.MaxContext < MinMaxContext || s.MaxContext > MaxMaxContext:
		return outOfRange("maxContext", "The context budget", MinMaxContext, MaxMaxContext)
	case s.FirstTokenSeconds < config.MinFirstTokenSeconds || s.FirstTokenSeconds > config.MaxFirstTokenSeconds:
		return outOfRange("firstTokenSeconds", "The time to the first word", config.MinFirstTokenSeconds, config.MaxFirstTokenSeconds)
	case s.Theme != "light" && s.Theme != "dark" && s.Theme != "system":
		return invalid("the theme is light, dark or system")
	case s.Language != "" && s.Language != "en" && s.Language != "ja" && s.Language != "ko":
		return invalid("the language is en, ja, ko or empty (follow the system)")
	}
	c := a.lib.Config()
	c.OllamaURL, c.ChatModel, c.EmbedModel = s.OllamaURL, strings.TrimSpace(s.ChatModel), strings.TrimSpace(s.EmbedModel)
	c.TopK, c.LexicalWeight, c.ChunkSize, c.ChunkOverlap, c.MaxContext = s.TopK, s.LexicalWeight, s.ChunkSize, s.ChunkOverlap, s.MaxContext
	c.FirstTokenSeconds = s.FirstTokenSeconds
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
	st := Status{ChatModel: cfg.ChatModel, EmbedModel: cfg.EmbedModel, URL: a.lib.RuntimeURL()}
	if err := a.lib.CheckRuntime(ctx); err != nil {
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
		msg = append(msg, "The chat model "+strconv.Quote(cfg.ChatModel)+" is not installed, so answers are off: import models from a folder or download one in Models.")
	}
	if !st.EmbedModelInstalled {
		msg = append(msg, "The embedding model "+strconv.Quote(cfg.EmbedModel)+" is not installed, so search uses keywords only: import models from a folder or download one in Models.")
	}
	st.Message = strings.Join(msg, " ")
	return st, nil
}
