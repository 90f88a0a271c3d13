package library

// Models from a user's point of view: installing them without a network
// (every GGUF file of a folder, such as a USB stick, in one step), choosing
// which one answers and which one embeds, removing one, and what this
// machine has measured of their speed. Like the rest of the package it
// words nothing for a particular surface: the CLI and the app do.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/vectorize"
)

// Model roles: the chat model writes answers, the embedding model computes
// the vectors of meaning-based search.
const (
	RoleChat  = "chat"
	RoleEmbed = "embed"
)

// ErrNoGGUF means a folder given to ImportModels holds no .gguf file.
var ErrNoGGUF = errors.New("no .gguf file")

// ErrWrongRole means a model cannot take the role it was chosen for (an
// embedding model cannot answer, a chat model does not embed).
type ErrWrongRole struct {
	Model string
	Role  string // the role asked for
}

func (e *ErrWrongRole) Error() string {
	if e.Role == RoleEmbed {
		return fmt.Sprintf("%s is a chat model, not an embedding model", e.Model)
	}
	return fmt.Sprintf("%s is an embedding model: it cannot write answers", e.Model)
}

// ModelName derives the name a GGUF file is installed under from its file
// name: the base name without ".gguf", lower case, with every character
// Ollama does not accept in a name replaced by "-"
// ("Qwen2.5-3B-Instruct-Q4_K_M.gguf" becomes "qwen2.5-3b-instruct-q4_k_m").
// It fails when nothing usable is left.
func ModelName(path string) (string, error) {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".gguf") {
		base = base[:len(base)-len(ext)]
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-._")
	if len(name) > 64 {
		name = strings.TrimRight(name[:64], "-._")
	}
	if name == "" {
		return "", fmt.Errorf("cannot make a model name from the file name %q: give one", filepath.Base(path))
	}
	return name, nil
}

// GGUFFiles lists the .gguf files directly in dir (not in its subfolders),
// by name. A folder without any is an error wrapping ErrNoGGUF.
func GGUFFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".gguf") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoGGUF)
	}
	return out, nil
}

// ImportProgress is where an import stands: file N of Total, and the
// runtime's step for it ("hashing", "copying into the model store", ...).
type ImportProgress struct {
	File         string
	Index, Total int // Index counts from 1
	Step         string
}

// Imported is the outcome for one file of ImportModels.
type Imported struct {
	Path      string
	Name      string
	Embedding bool // an embedding model (else a chat model)
	// Chosen is true when the import made it the model of its role
	// (see ImportModels).
	Chosen bool
	Err    error
}

// ImportModels installs models from GGUF files, without any network. path
// is a file (installed as name, or under ModelName of the file when name is
// "") or a folder (each .gguf file directly in it under its ModelName; name
// must be "").
//
// A model that ends up the only installed model of its role while the
// configured model of that role is not installed becomes the configured
// one: the first models a user imports are the ones used, with no setting
// to edit. A file that fails does not stop the others; its Err says why,
// and the error returned is the first such failure (nil when all
// succeeded) or what stopped the whole run (a cancel, a runtime that is
// down). onProgress may be nil; an error it returns stops the run.
func (l *Library) ImportModels(ctx context.Context, path, name string, onProgress func(ImportProgress) error) ([]Imported, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	var files []string
	if st.IsDir() {
		if name != "" {
			return nil, fmt.Errorf("import %s: a folder's models are named after their files; give a file to choose a name", path)
		}
		if files, err = GGUFFiles(path); err != nil {
			return nil, err
		}
	} else {
		files = []string{path}
	}
	var out []Imported
	var first error
	for i, f := range files {
		im := Imported{Path: f, Name: name}
		if im.Name == "" {
			im.Name, im.Err = ModelName(f)
		}
		if im.Err == nil {
			im.Err = l.llm.Import(ctx, f, im.Name, func(step string) error {
				if onProgress == nil {
					return nil
				}
				return onProgress(ImportProgress{File: f, Index: i + 1, Total: len(files), Step: step})
			})
		}
		if im.Err == nil {
			var info llm.ModelInfo
			if info, im.Err = l.llm.Show(ctx, im.Name); im.Err == nil {
				im.Embedding = info.Embedding
				l.forget(im.Name)
			}
		}
		if ctx.Err() != nil || errors.Is(im.Err, llm.ErrUnreachable) {
			return append(out, im), im.Err
		}
		if im.Err != nil && first == nil {
			first = im.Err
		}
		out = append(out, im)
	}
	// Choosing is a convenience after the files were installed: if the
	// runtime cannot list its models now, nothing is chosen and the user
	// chooses (UseModel).
	chosen, err := l.AdoptModels(ctx)
	if err != nil && ctx.Err() != nil {
		return out, err
	}
	for i := range out {
		for _, c := range chosen {
			if out[i].Err == nil && llm.SameModel(out[i].Name, c) {
				out[i].Chosen = true
			}
		}
	}
	return out, first
}

// AdoptModels makes an installed model the configured one for each role
// whose configured model is not installed, when it is the only installed
// model of that role (with two or more, the user chooses). It returns the
// names it chose.
func (l *Library) AdoptModels(ctx context.Context) ([]string, error) {
	installed, err := l.llm.Models(ctx)
	if err != nil {
		return nil, err
	}
	cfg := l.Config()
	var chosen []string
	for _, role := range []string{RoleChat, RoleEmbed} {
		current := cfg.ChatModel
		if role == RoleEmbed {
			current = cfg.EmbedModel
		}
		var candidates []string
		has := false
		for _, m := range installed {
			if m.Embedding != (role == RoleEmbed) {
				continue
			}
			candidates = append(candidates, m.Name)
			has = has || llm.SameModel(m.Name, current)
		}
		if has || len(candidates) != 1 {
			continue
		}
		if role == RoleChat {
			cfg.ChatModel = candidates[0]
		} else {
			cfg.EmbedModel = candidates[0]
		}
		chosen = append(chosen, candidates[0])
	}
	if len(chosen) == 0 {
		return nil, nil
	}
	return chosen, l.SetConfig(cfg)
}

// UseModel makes name the model of role (RoleChat or RoleEmbed) after
// checking that it is installed (else a *llm.ModelMissingError) and can
// take the role (else an *ErrWrongRole). It returns the name as the
// runtime lists it.
func (l *Library) UseModel(ctx context.Context, role, name string) (string, error) {
	m, err := l.installedAs(ctx, role, name)
	if err != nil {
		return "", err
	}
	cfg := l.Config()
	if role == RoleChat {
		cfg.ChatModel = m.Name
	} else {
		cfg.EmbedModel = m.Name
	}
	return m.Name, l.SetConfig(cfg)
}

// SetEmbedModel gives collection its own embedding model, or with name ""
// makes it follow the configured one again. The model must be installed
// and embed (else a *llm.ModelMissingError or an *ErrWrongRole). Nothing is
// lost meanwhile: the collection's vectors of its current model answer its
// searches until the new model's are complete (built by the background
// loop, or the next ingest or reindex), then replace them in one
// transaction. It returns the name as the runtime lists it.
func (l *Library) SetEmbedModel(ctx context.Context, collection, name string) (string, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return "", err
	}
	if name != "" {
		m, err := l.installedAs(ctx, RoleEmbed, name)
		if err != nil {
			return "", err
		}
		name = m.Name
	}
	if err := l.store.SetChosenEmbedModel(ctx, c.ID, name); err != nil {
		return "", err
	}
	l.worker.Wake()
	return name, nil
}

// installedAs finds the installed model called name (else a
// *llm.ModelMissingError) and checks that it can take role (else an
// *ErrWrongRole).
func (l *Library) installedAs(ctx context.Context, role, name string) (llm.Model, error) {
	if role != RoleChat && role != RoleEmbed {
		return llm.Model{}, fmt.Errorf("model role %q: use %s or %s", role, RoleChat, RoleEmbed)
	}
	installed, err := l.llm.Models(ctx)
	if err != nil {
		return llm.Model{}, err
	}
	for _, m := range installed {
		if !llm.SameModel(m.Name, name) {
			continue
		}
		if m.Embedding != (role == RoleEmbed) {
			return llm.Model{}, &ErrWrongRole{Model: m.Name, Role: role}
		}
		return m, nil
	}
	return llm.Model{}, &llm.ModelMissingError{Model: name}
}

// DeleteModel unloads model name from memory and removes it. It returns
// the roles the configuration still gives it (the caller says that answers
// or meaning-based search need another model now). A model that is not
// installed is a *llm.ModelMissingError.
func (l *Library) DeleteModel(ctx context.Context, name string) ([]string, error) {
	if err := l.llm.Unload(ctx, name); err != nil {
		var missing *llm.ModelMissingError
		if errors.As(err, &missing) || errors.Is(err, llm.ErrUnreachable) || ctx.Err() != nil {
			return nil, err
		}
		// An unload that fails for another reason (an old runtime) must not
		// keep the user from deleting.
	}
	if err := l.llm.Delete(ctx, name); err != nil {
		return nil, err
	}
	l.forget(name)
	cfg := l.Config()
	var roles []string
	if llm.SameModel(name, cfg.ChatModel) {
		roles = append(roles, RoleChat)
	}
	if llm.SameModel(name, cfg.EmbedModel) {
		roles = append(roles, RoleEmbed)
	}
	return roles, nil
}

// forget drops what the library remembers of a model's description, which
// a new import or a delete makes stale.
func (l *Library) forget(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.infos {
		if llm.SameModel(k, name) {
			delete(l.infos, k)
		}
	}
}

// Speed is what this machine measured of a model: a chat model's reading
// speed (prompt tokens per second, which sets how long an answer takes to
// start) or an embedding model's (passages per second, which sets how
// long indexing takes). 0 means not measured yet.
type Speed struct {
	ReadTokensPerSec float64
	PassagesPerSec   float64
}

// ModelSpeed is what has been measured of model on this machine, from
// answers (and the preload) for a chat model and from embedding passes for
// an embedding model; both are kept in the index, so they survive a
// restart.
func (l *Library) ModelSpeed(ctx context.Context, model string) Speed {
	sp := Speed{ReadTokensPerSec: l.ReadingRate(ctx, model)}
	if sp.ReadTokensPerSec == 0 {
		// The rate is kept under the name the configuration used, with or
		// without ":latest".
		other := llm.WithTag(model)
		if other == model {
			other = strings.TrimSuffix(model, ":latest")
		}
		sp.ReadTokensPerSec = l.ReadingRate(ctx, other)
	}
	l.embedRates.mu.Lock()
	r, ok := l.embedRates.byModel[llm.WithTag(model)]
	l.embedRates.mu.Unlock()
	if ok {
		sp.PassagesPerSec = r
		return sp
	}
	if v, err := l.store.Setting(ctx, "embed_rate:"+llm.WithTag(model)); err == nil {
		sp.PassagesPerSec, _ = strconv.ParseFloat(v, 64)
	}
	return sp
}

// embedRates are the embedding speeds measured since the library opened,
// saved to the index every few seconds and at every change of state.
type embedRates struct {
	mu      sync.Mutex
	byModel map[string]float64
	saved   map[string]time.Time
}

// noteEmbedding learns an embedding model's speed from a pass's status.
func (l *Library) noteEmbedding(s vectorize.Status) {
	if s.Model == "" || s.Rate <= 0 {
		return
	}
	model := llm.WithTag(s.Model)
	r := &l.embedRates
	r.mu.Lock()
	if r.byModel == nil {
		r.byModel, r.saved = map[string]float64{}, map[string]time.Time{}
	}
	r.byModel[model] = s.Rate
	save := s.State != vectorize.StateEmbedding || time.Since(r.saved[model]) > 10*time.Second
	if save {
		r.saved[model] = time.Now()
	}
	r.mu.Unlock()
	if save {
		// Best effort: a speed not saved is measured again.
		_ = l.store.SetSetting(context.Background(), "embed_rate:"+model, strconv.FormatFloat(s.Rate, 'f', 3, 64))
	}
}
