package llm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/parser"
)

// ModelSource is an installed model as a file and its settings: what it
// takes to install the same model on another machine, offline (knowledge
// packs carry it). Path is the GGUF file in the runtime's own store.
type ModelSource struct {
	Name       string
	Path       string
	Digest     string // "sha256:<hex>", as the runtime names the file
	Size       int64
	Template   string
	System     string
	License    string
	Parameters map[string]any
	Renderer   string
	Parser     string
}

// ErrNotPortable means a model cannot be carried as one GGUF file: it has
// adapters or a vision projector, or its runtime keeps its files where
// this process cannot read them (another machine).
var ErrNotPortable = errors.New("the model cannot be carried as a GGUF file")

// ModelSource describes the installed model name as a file and settings.
// The runtime must run on this machine (the bundled one does): its store's
// files are read directly, since the API has no call that hands them out.
// A model that is not installed is a *ModelMissingError.
func (c *Client) ModelSource(ctx context.Context, name string) (ModelSource, error) {
	resp, err := c.api.Show(ctx, &api.ShowRequest{Model: name})
	if err != nil {
		return ModelSource{}, fmt.Errorf("describe %s: %w", name, c.mapErr(ctx, name, err))
	}
	mf, err := parser.ParseFile(strings.NewReader(resp.Modelfile))
	if err != nil {
		return ModelSource{}, fmt.Errorf("describe %s: its Modelfile: %w", name, err)
	}
	src := ModelSource{Name: name, Template: resp.Template, System: resp.System, License: resp.License,
		Renderer: resp.Renderer, Parser: resp.Parser}
	params := map[string][]string{}
	for _, cmd := range mf.Commands {
		switch cmd.Name {
		case "model":
			if src.Path != "" {
				return ModelSource{}, fmt.Errorf("%s: %w (it has a vision projector)", name, ErrNotPortable)
			}
			src.Path = cmd.Args
		case "adapter":
			return ModelSource{}, fmt.Errorf("%s: %w (it has an adapter)", name, ErrNotPortable)
		case "template", "system", "license", "renderer", "parser", "message", "requires":
			// Taken from the description's own fields; saved messages
			// are not carried.
		default:
			params[cmd.Name] = append(params[cmd.Name], cmd.Args)
		}
	}
	if len(params) > 0 {
		if src.Parameters, err = api.FormatParams(params); err != nil {
			return ModelSource{}, fmt.Errorf("describe %s: its parameters: %w", name, err)
		}
	}
	if src.Digest = weightsDigest(src.Path); src.Digest == "" {
		return ModelSource{}, fmt.Errorf("%s: %w (its weights are %q, not a file of the runtime's store)", name, ErrNotPortable, src.Path)
	}
	st, err := os.Stat(src.Path)
	if err != nil || !st.Mode().IsRegular() {
		return ModelSource{}, fmt.Errorf("%s: %w (its file %s cannot be read here: is the runtime on another machine?)", name, ErrNotPortable, src.Path)
	}
	src.Size = st.Size()
	return src, nil
}

// ImportSource installs a model from a GGUF file at path with the settings
// of src (whose Digest must be the file's: it is not hashed again), as
// Import does otherwise: skipped upload when the store has the bytes, an
// existing model of the same name replaced.
func (c *Client) ImportSource(ctx context.Context, path string, src ModelSource, onProgress func(string) error) error {
	req := &api.CreateRequest{Model: src.Name, Template: src.Template, System: src.System,
		Parameters: src.Parameters, Renderer: src.Renderer, Parser: src.Parser}
	if src.License != "" {
		req.License = src.License
	}
	return c.create(ctx, path, src.Digest, req, onProgress)
}

// weightsDigest is the digest of a file of the runtime's store from its
// path (".../blobs/sha256-<hex>", with either separator: the runtime may
// run on Windows): "sha256:<hex>", or "" for another path.
func weightsDigest(path string) string {
	hex, ok := strings.CutPrefix(path[strings.LastIndexAny(path, `/\`)+1:], "sha256-")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return ""
	}
	return "sha256:" + hex
}

// modelfileWeights is the digest of the weights a Modelfile (as the
// runtime describes an installed model) names first, "" when it names
// none of its store's files.
func modelfileWeights(modelfile string) string {
	mf, err := parser.ParseFile(strings.NewReader(modelfile))
	if err != nil {
		return ""
	}
	for _, cmd := range mf.Commands {
		if cmd.Name == "model" {
			return weightsDigest(cmd.Args)
		}
	}
	return ""
}
