package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/machine"
	"github.com/kura-app/kura/internal/ollamarun"
)

// RuntimeInfo describes the model runtime a subcommand talks to, as the
// Opener settled on it.
type RuntimeInfo struct {
	URL string
	// Bundled is true when Kura started the runtime it ships and stops it
	// when the command ends; false for an Ollama that was already running
	// or a URL the user configured.
	Bundled bool
	// Version is what the server reported when Kura looked; "" when it did
	// not answer.
	Version string
	// ModelsDir is the bundled runtime's model store; "" for an external
	// runtime, which keeps its models where its own settings say.
	ModelsDir string
	Pid       int // the bundled runtime's process id; 0 for an external one
	// CPUBackend tells the CPU library a bundled runtime computes with;
	// nil for an external one.
	CPUBackend func() ollamarun.CPUBackend
	// Data is where this Kura keeps its data (config.Locate).
	Data config.Locations
}

// Model kinds as `kura models` prints them.
const (
	kindChat      = "chat"
	kindEmbedding = "embedding"
)

// modelsUsage lists the subcommands of `kura models`.
const modelsUsage = `Usage:
  kura models [list] [--json]               installed models; the configured ones are marked
  kura models pull NAME                     download a model (needs a network)
  kura models import FILE.gguf [--name NAME]
                                            install a model from a GGUF file, offline
                                            (named after the file unless --name is given)
  kura models import FOLDER                 install every .gguf file in a folder (a USB stick)
  kura models use chat|embed NAME           choose the model that answers, or that embeds
  kura models use embed NAME --collection C give one collection its own embedding model
                                            ("" follows the configured one again)
  kura models rm NAME...                    remove models

A model you import or pull that is the only one of its kind is used at once.
Run ` + "`kura models SUBCOMMAND -h`" + ` for a subcommand's flags.
`

func (a *App) models(ctx context.Context, args []string) int {
	sub := "list"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(a.Stdout, modelsUsage)
			return ExitOK
		}
		if !strings.HasPrefix(args[0], "-") {
			sub, args = args[0], args[1:]
		}
	}
	switch sub {
	case "list", "ls":
		return a.modelsList(ctx, args)
	case "pull":
		return a.modelsPull(ctx, args)
	case "import":
		return a.modelsImport(ctx, args)
	case "use":
		return a.modelsUse(ctx, args)
	case "rm":
		return a.modelsRemove(ctx, args)
	}
	fmt.Fprintf(a.Stderr, "kura models: unknown subcommand %q\n\n%s", sub, modelsUsage)
	return ExitUsage
}

// ModelsJSON is the shape of `kura models --json`.
type ModelsJSON struct {
	ChatModel  string             `json:"chat_model"`  // configured for answers
	EmbedModel string             `json:"embed_model"` // configured for search vectors
	Models     []ModelJSON        `json:"models"`
	Missing    []MissingModelJSON `json:"missing"` // configured models that are not installed
}

// ModelJSON is one installed model.
type ModelJSON struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"` // "chat" or "embedding"
	Size          int64  `json:"size"` // bytes on disk
	ContextLength int    `json:"context_length"`
	Family        string `json:"family"`
	ParameterSize string `json:"parameter_size"`
	Quantization  string `json:"quantization"`
	// Default is "chat" or "embedding" when the configuration uses this
	// model for that role, "" otherwise.
	Default string `json:"default,omitempty"`
	// Recommended is the recommended model this one is, by name or by the
	// digest of its weights (imported under another name); "" for none.
	Recommended string `json:"recommended,omitempty"`
}

// MissingModelJSON is a configured model that is not installed, with the
// commands that install it.
type MissingModelJSON struct {
	Name   string `json:"name"`
	Role   string `json:"role"`   // "chat" or "embedding"
	Pull   string `json:"pull"`   // with a network
	Import string `json:"import"` // from a GGUF file, without one
}

func (a *App) modelsList(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("models list", "", &c)
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	installed, err := lib.Models(ctx)
	if err != nil {
		return a.fail(err)
	}
	cfg := lib.Config()
	out := ModelsJSON{ChatModel: cfg.ChatModel, EmbedModel: cfg.EmbedModel, Models: []ModelJSON{}, Missing: []MissingModelJSON{}}
	for _, m := range installed {
		mj := ModelJSON{Name: m.Name, Kind: kindChat, Size: m.Size, ContextLength: m.ContextLength,
			Family: m.Family, ParameterSize: m.ParameterSize, Quantization: m.Quantization, Recommended: library.Recognize(m)}
		if m.Embedding {
			mj.Kind = kindEmbedding
		}
		switch {
		case llm.SameModel(m.Name, cfg.ChatModel):
			mj.Default = kindChat
		case llm.SameModel(m.Name, cfg.EmbedModel):
			mj.Default = kindEmbedding
		}
		out.Models = append(out.Models, mj)
	}
	var wrongKind []string
	for _, want := range []struct{ name, role string }{{cfg.ChatModel, kindChat}, {cfg.EmbedModel, kindEmbedding}} {
		i := indexModel(out.Models, want.name)
		if i < 0 {
			out.Missing = append(out.Missing, MissingModelJSON{Name: want.name, Role: want.role,
				Pull: "kura models pull " + want.name, Import: "kura models import FILE.gguf --name " + want.name})
			continue
		}
		if out.Models[i].Kind != want.role {
			wrongKind = append(wrongKind, fmt.Sprintf("the configured %s model %s is an %s model", want.role, want.name, out.Models[i].Kind))
		}
	}
	if c.JSON {
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	w := a.Stdout
	if len(out.Models) == 0 {
		fmt.Fprintln(w, "No models installed.")
	} else {
		fmt.Fprintf(w, "%-32s %-9s %9s %8s\n", "NAME", "KIND", "SIZE", "CONTEXT")
		for _, m := range out.Models {
			line := fmt.Sprintf("%-32s %-9s %9s %8s", m.Name, m.Kind, byteSize(m.Size), contextText(m.ContextLength))
			if m.Recommended != "" && !llm.SameModel(m.Recommended, m.Name) {
				line += "  (the recommended " + m.Recommended + ": the same weights)"
			}
			if m.Default != "" {
				line += "  (default " + m.Default + " model)"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	for _, m := range out.Missing {
		consequence := "answers need it"
		if m.Role == kindEmbedding {
			consequence = "search works by keywords only until it is there"
		}
		fmt.Fprintf(w, "\nThe %s model %s is not installed (%s). Install it with:\n  %s\nor, without a network, from a GGUF file:\n  %s\n",
			m.Role, m.Name, consequence, m.Pull, m.Import)
	}
	for _, s := range wrongKind {
		fmt.Fprintf(w, "\nnote: %s; choose another in the settings\n", s)
	}
	return ExitOK
}

func indexModel(models []ModelJSON, name string) int {
	for i, m := range models {
		if llm.SameModel(m.Name, name) {
			return i
		}
	}
	return -1
}

func (a *App) modelsPull(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("models pull", "NAME", &c)
	names, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(names) != 1 {
		return a.usageError(fs, "give one model name, such as %s", "qwen3:1.7b")
	}
	name := names[0]
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	pp := newPullPrinter(a.Stderr)
	err = lib.PullModel(ctx, name, pp.print)
	pp.done()
	switch {
	case err == nil:
		fmt.Fprintf(a.Stderr, "pulled %s\n", name)
		a.reportAdopted(ctx, lib)
		return ExitOK
	case errors.Is(err, context.Canceled), errors.Is(err, llm.ErrUnreachable):
		return a.fail(err)
	}
	// The registry is out of reach (or does not know the name): one line
	// that also names the way in that needs no network.
	fmt.Fprintf(a.Stderr, "kura: %s; to install it from a GGUF file instead: kura models import FILE.gguf --name %s\n", Message(err), name)
	return ExitFailure
}

func (a *App) modelsImport(ctx context.Context, args []string) int {
	var c Common
	var name string
	fs := a.flags("models import", "FILE.gguf [--name NAME] | FOLDER", &c)
	fs.StringVar(&name, "name", "", "name to install a file's model under, e.g. qwen3:1.7b (default: from the file name)")
	files, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	switch {
	case len(files) == 0:
		return a.usageError(fs, "give a .gguf file, or a folder of them")
	case len(files) > 1:
		return a.usageError(fs, "give one file or folder (a folder imports every .gguf file in it)")
	}
	path, err := argPath(files[0])
	if err != nil {
		return a.fail(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return a.usageError(fs, "%s: no such file or folder", files[0])
	}
	name = strings.TrimSpace(name)
	if st.IsDir() && name != "" {
		return a.usageError(fs, "--name names one file's model; a folder's models are named after their files")
	}
	if !st.IsDir() && name == "" {
		if name, err = library.ModelName(path); err != nil {
			return a.usageError(fs, "%v", err)
		}
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	last := ""
	results, err := lib.ImportModels(ctx, path, name, func(p library.ImportProgress) error {
		step := p.Step
		if p.Total > 1 {
			step = fmt.Sprintf("[%d/%d] %s: %s", p.Index, p.Total, filepath.Base(p.File), p.Step)
		}
		if step != last && p.Step != "success" {
			fmt.Fprintln(a.Stderr, step)
		}
		last = step
		return nil
	})
	if len(results) == 0 && err != nil {
		return a.fail(err)
	}
	code := ExitOK
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(a.Stderr, "kura: %s: %s\n", filepath.Base(r.Path), Message(r.Err))
			code = ExitFailure
			continue
		}
		kind := kindChat
		if r.Embedding {
			kind = kindEmbedding
		}
		line := fmt.Sprintf("installed %s (%s model", r.Name, kind)
		if info, err := lib.ModelInfo(ctx, r.Name); err == nil {
			line += ", context " + contextText(info.ContextLength) + " tokens"
		}
		line += ")"
		if r.Chosen {
			line += fmt.Sprintf("; it is the %s model now", kind)
		}
		fmt.Fprintln(a.Stdout, line)
	}
	if err != nil && (ctx.Err() != nil || errors.Is(err, llm.ErrUnreachable)) {
		return a.fail(err)
	}
	return code
}

func (a *App) modelsUse(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("models use", "chat|embed NAME", &c)
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(rest) != 2 {
		return a.usageError(fs, "give the role (chat or embed) and an installed model's name")
	}
	role := rest[0]
	switch role {
	case "chat", "answers":
		role = library.RoleChat
	case "embed", "embedding", "search":
		role = library.RoleEmbed
	default:
		return a.usageError(fs, "the role is chat (the model that answers) or embed (the model that embeds), not %q", rest[0])
	}
	forCollection := false
	fs.Visit(func(f *flag.Flag) { forCollection = forCollection || f.Name == "collection" })
	if forCollection && role != library.RoleEmbed {
		return a.usageError(fs, "--collection chooses a collection's embedding model; its chat model is in the app's collection settings")
	}
	if rest[1] == "" && !forCollection {
		return a.usageError(fs, "give an installed model's name")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	var name string
	if forCollection {
		name, err = lib.SetEmbedModel(ctx, c.Collection, rest[1])
	} else {
		name, err = lib.UseModel(ctx, role, rest[1])
	}
	var missing *llm.ModelMissingError
	switch {
	case errors.As(err, &missing):
		fmt.Fprintf(a.Stderr, "kura: model %q is not installed (`kura models` lists those that are; `kura models import FILE.gguf` installs one)\n", rest[1])
		return ExitFailure
	case err != nil:
		return a.fail(err)
	}
	switch {
	case forCollection && name == "":
		fmt.Fprintf(a.Stdout, "collection %q follows the configured embedding model again; `kura reindex --collection %s` computes its vectors (search uses the old ones until then)\n", c.Collection, c.Collection)
	case forCollection:
		fmt.Fprintf(a.Stdout, "collection %q is embedded with %s now; `kura reindex --collection %s` computes its vectors (search uses the old ones until then)\n", c.Collection, name, c.Collection)
	case role == library.RoleChat:
		fmt.Fprintf(a.Stdout, "answers are written by %s now\n", name)
	default:
		fmt.Fprintf(a.Stdout, "passages are embedded with %s now; `kura reindex` computes the vectors of the documents already indexed (search uses the old ones until then)\n", name)
	}
	return ExitOK
}

// reportAdopted makes a model the only one of its kind the configured one
// (see library.AdoptModels) and says so. It is a convenience after an
// install that succeeded: if it cannot look, it says nothing.
func (a *App) reportAdopted(ctx context.Context, lib *library.Library) {
	chosen, _ := lib.AdoptModels(ctx)
	for _, n := range chosen {
		fmt.Fprintf(a.Stdout, "%s is the only model of its kind: Kura uses it now\n", n)
	}
}

func (a *App) modelsRemove(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("models rm", "NAME...", &c)
	names, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(names) == 0 {
		return a.usageError(fs, "give the names of the models to remove")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	cfg := lib.Config()
	code := ExitOK
	for _, n := range names {
		_, err := lib.DeleteModel(ctx, n)
		var missing *llm.ModelMissingError
		if errors.As(err, &missing) {
			fmt.Fprintf(a.Stderr, "kura: model %q is not installed (`kura models` lists those that are)\n", n)
			code = ExitFailure
			continue
		}
		if err != nil {
			code = a.fail(err)
			continue
		}
		fmt.Fprintf(a.Stderr, "removed %s\n", n)
		switch {
		case llm.SameModel(n, cfg.ChatModel):
			fmt.Fprintf(a.Stderr, "note: %s is the configured chat model: answers need it back (kura models pull %s)\n", n, n)
		case llm.SameModel(n, cfg.EmbedModel):
			fmt.Fprintf(a.Stderr, "note: %s is the configured embedding model: search works by keywords only until it is back (kura models pull %s)\n", n, n)
		}
	}
	return code
}

// RuntimeJSON is the shape of `kura runtime --json`.
type RuntimeJSON struct {
	Kind      string `json:"kind"` // "bundled" or "external"
	Bundled   bool   `json:"bundled"`
	URL       string `json:"url"`
	Version   string `json:"version"`
	ModelsDir string `json:"models_dir"` // "" for an external runtime
	Pid       int    `json:"pid,omitempty"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	// Loaded are the models in memory now. A bundled runtime is started
	// for the command, so it has none loaded.
	Loaded []LoadedModelJSON `json:"loaded"`
	CPU    CPUJSON           `json:"cpu"`
	// Defaults are the models Kura uses (the settings', the ones kura
	// models marks as default), and why.
	Defaults DefaultsJSON `json:"defaults"`
	// Data is where Kura keeps its data.
	Data config.Locations `json:"data"`
}

// DefaultsJSON are the default models for this machine.
type DefaultsJSON struct {
	Chat      string `json:"chat"`
	Embedding string `json:"embedding"`
	Why       string `json:"why"`
}

// defaultsJSON are the models cfg uses, the one source of "the default
// model" for kura runtime as for kura models (which marks the same ones),
// and why: this machine's choice, or the settings'.
func defaultsJSON(cfg config.Config) DefaultsJSON {
	chat, embed, why := config.DefaultModels(machine.Read())
	d := DefaultsJSON{Chat: cfg.ChatModel, Embedding: cfg.EmbedModel, Why: why}
	if !llm.SameModel(cfg.ChatModel, chat) || !llm.SameModel(cfg.EmbedModel, embed) {
		d.Why = fmt.Sprintf("chosen in the settings; for this machine Kura would choose chat %s, embedding %s (%s)", chat, embed, why)
	}
	return d
}

// CPUJSON is this machine's CPU and, for the bundled runtime, the CPU
// library it computes with.
type CPUJSON struct {
	Name  string   `json:"name"`
	Cores int      `json:"cores"`
	SIMD  []string `json:"simd"`
	// Backend is the library's variant ("haswell", "icelake"); "" when
	// unknown (an external runtime) and "builtin" for the SSE2 fallback.
	Backend         string   `json:"backend"`
	BackendLibrary  string   `json:"backend_library,omitempty"`
	BackendFeatures []string `json:"backend_features"`
	// BackendConfirmed is true when the runtime's log named the library
	// (once a model has loaded), false when it is what this CPU selects.
	BackendConfirmed bool `json:"backend_confirmed"`
}

func cpuJSON(info RuntimeInfo) CPUJSON {
	m := machine.Read()
	out := CPUJSON{Name: m.CPU, Cores: m.Cores, SIMD: m.SIMD, BackendFeatures: []string{}}
	if out.SIMD == nil {
		out.SIMD = []string{}
	}
	if info.CPUBackend == nil {
		return out
	}
	b := info.CPUBackend()
	out.Backend, out.BackendLibrary, out.BackendConfirmed = b.Variant, b.Library, b.Confirmed
	if b.Variant == "" {
		out.Backend = "builtin"
	}
	if b.Features != nil {
		out.BackendFeatures = b.Features
	}
	return out
}

// LoadedModelJSON is a model the runtime holds in memory.
type LoadedModelJSON struct {
	Name          string    `json:"name"`
	Size          int64     `json:"size"`      // bytes of memory
	SizeVRAM      int64     `json:"size_vram"` // the part on a GPU
	ContextLength int       `json:"context_length"`
	ExpiresAt     time.Time `json:"expires_at"` // when it will be unloaded if unused
}

func (a *App) runtime(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("runtime", "", &c)
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	var info RuntimeInfo
	if a.Runtime != nil {
		info = a.Runtime()
	}
	st := lib.RuntimeStatus(ctx)
	out := RuntimeJSON{Kind: "external", Bundled: info.Bundled, URL: st.URL, Version: info.Version,
		ModelsDir: info.ModelsDir, Pid: info.Pid, Reachable: st.Reachable, Loaded: []LoadedModelJSON{}, CPU: cpuJSON(info), Data: info.Data}
	out.Defaults = defaultsJSON(lib.Config())
	if info.Bundled {
		out.Kind = "bundled"
	}
	if st.Reachable {
		out.Version = st.Version
	}
	for _, m := range st.Running {
		out.Loaded = append(out.Loaded, LoadedModelJSON{Name: m.Name, Size: m.Size, SizeVRAM: m.SizeVRAM, ContextLength: m.ContextLength, ExpiresAt: m.ExpiresAt})
	}
	err := st.Err
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return a.fail(err)
		}
		out.Error = Message(err)
	}
	if c.JSON {
		writeJSON(a.Stdout, out)
	} else {
		a.printRuntime(out)
	}
	if err != nil {
		if !c.JSON {
			fmt.Fprintf(a.Stderr, "kura: %s\n", out.Error)
		}
		return ExitFailure
	}
	return ExitOK
}

func (a *App) printRuntime(r RuntimeJSON) {
	w := a.Stdout
	kind := "external: an Ollama that was already running (Kura leaves it running)"
	modelsDir := "kept by that Ollama (its OLLAMA_MODELS, by default ~/.ollama/models)"
	switch {
	case !r.Reachable && !r.Bundled:
		kind, modelsDir = "external: nothing answers at the configured address", "unknown"
	case r.Bundled:
		kind = fmt.Sprintf("bundled: started by Kura (pid %d) and stopped when Kura exits", r.Pid)
		modelsDir = r.ModelsDir
	}
	version := r.Version
	if !r.Reachable {
		version = "not reachable"
	}
	fmt.Fprintf(w, "runtime:    %s\nversion:    %s\nurl:        %s\nmodels dir: %s\n", kind, version, r.URL, modelsDir)
	fmt.Fprintf(w, "data:       %s\n", dataText(r.Data))
	cpuName := r.CPU.Name
	if cpuName == "" {
		cpuName = "unknown CPU"
	}
	fmt.Fprintf(w, "cpu:        %s, %d cores (%s)\n", cpuName, r.CPU.Cores, strings.Join(r.CPU.SIMD, ", "))
	fmt.Fprintf(w, "defaults:   chat %s, embedding %s (%s)\n", r.Defaults.Chat, r.Defaults.Embedding, r.Defaults.Why)
	switch {
	case r.CPU.Backend == "":
		fmt.Fprintln(w, "backend:    unknown (an Ollama Kura did not start)")
	case r.CPU.Backend == "builtin":
		fmt.Fprintln(w, "backend:    built-in SSE2 only: no SIMD library found beside the runtime (rebuild it with `make ollama`); expect answers to be about 20 times slower")
	default:
		how := "selected for this CPU; confirmed when a model loads"
		if r.CPU.BackendConfirmed {
			how = "loaded"
		}
		fmt.Fprintf(w, "backend:    %s (%s), %s\n", r.CPU.Backend, strings.Join(r.CPU.BackendFeatures, ", "), how)
	}
	switch {
	case !r.Reachable:
		fmt.Fprintln(w, "loaded:     unknown")
	case len(r.Loaded) == 0:
		fmt.Fprintln(w, "loaded:     none")
	default:
		fmt.Fprintln(w, "loaded:")
		for _, m := range r.Loaded {
			fmt.Fprintf(w, "  %-32s %9s  context %s  until %s\n", m.Name, byteSize(m.Size), contextText(m.ContextLength), m.ExpiresAt.Local().Format("15:04:05"))
		}
	}
}

// pullPrinter draws a download on stderr: on a terminal one bar per step
// redrawn in place (bytes done and total, rate, time left), otherwise a line
// per step and at most one every few seconds while bytes move.
type pullPrinter struct {
	w   io.Writer
	tty bool
	now func() time.Time

	status string    // the step shown
	from   int64     // bytes the step had when first seen (a resumed download)
	since  time.Time // when the step was first seen
	last   time.Time // last line drawn for the step
	shown  int64     // bytes in that line
	drawn  bool      // a terminal line is open
}

// Redraw intervals of a download's progress.
const (
	pullRedrawTTY   = 100 * time.Millisecond
	pullRedrawLines = 5 * time.Second
)

func newPullPrinter(w io.Writer) *pullPrinter {
	return &pullPrinter{w: w, tty: IsTerminal(w), now: time.Now}
}

func (p *pullPrinter) print(pr llm.PullProgress) error {
	if pr.Status == "success" {
		return nil // the command says what succeeded
	}
	now := p.now()
	if pr.Status != p.status {
		p.done()
		p.status, p.from, p.since, p.last, p.shown = pr.Status, pr.Completed, now, time.Time{}, -1
		if pr.Total <= 0 {
			p.draw(pr.Status)
			return nil
		}
	}
	if pr.Total <= 0 || pr.Completed == p.shown {
		return nil
	}
	every := pullRedrawLines
	if p.tty {
		every = pullRedrawTTY
	}
	if pr.Completed < pr.Total && !p.last.IsZero() && now.Sub(p.last) < every {
		return nil
	}
	p.last, p.shown = now, pr.Completed
	p.draw(p.line(pr, now))
	return nil
}

// line formats a step with a size: "pulling 3f8a1b  45% [=====>    ]
// 1.2 GB/2.6 GB  11 MB/s  ETA 2m3s".
func (p *pullPrinter) line(pr llm.PullProgress, now time.Time) string {
	done, total := min(pr.Completed, pr.Total), pr.Total
	pct := int(done * 100 / total)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %3d%% ", p.status, pct)
	if p.tty {
		const width = 24
		fill := int(done * width / total)
		bar := strings.Repeat("=", fill)
		if fill < width {
			bar += ">" + strings.Repeat(" ", width-fill-1)
		}
		fmt.Fprintf(&b, "[%s] ", bar)
	}
	fmt.Fprintf(&b, "%s/%s", byteSize(done), byteSize(total))
	elapsed := now.Sub(p.since)
	if moved := done - p.from; moved > 0 && elapsed >= 200*time.Millisecond {
		rate := float64(moved) / elapsed.Seconds()
		fmt.Fprintf(&b, "  %s/s", byteSize(int64(rate)))
		if done < total {
			fmt.Fprintf(&b, "  ETA %s", time.Duration(float64(total-done)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	return b.String()
}

func (p *pullPrinter) draw(line string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", truncate(line, 120))
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends the line of the step shown on a terminal.
func (p *pullPrinter) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// byteSize formats n bytes in decimal units, as Ollama prints sizes.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n), 0
	for v >= unit && exp < 4 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", v, " kMGT"[exp])
}

func contextText(n int) string {
	if n <= 0 {
		return "?"
	}
	return fmt.Sprint(n)
}
