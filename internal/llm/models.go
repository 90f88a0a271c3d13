package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/kura-app/kura/internal/ctxio"
)

// Model is one model installed on the server, as `kura models list` shows it.
type Model struct {
	Name          string // with tag, "llama3.2:latest"
	Size          int64  // bytes on disk
	Family        string // architecture family, "llama"
	ContextLength int    // tokens the model was built for; 0 when it does not say
	// Embedding is true for embedding-only models (they have the "embedding"
	// capability and no "completion" one); they cannot chat.
	Embedding     bool
	ParameterSize string // as the server formats it, "3.2B"
	Quantization  string // "Q4_K_M", "F16"
	// Weights is the digest of its weights file (ModelInfo.Weights).
	Weights string
}

// RunningModel is a model currently loaded in memory.
type RunningModel struct {
	Name          string
	Size          int64 // bytes of memory in use
	SizeVRAM      int64 // the part of Size held by a GPU
	ContextLength int   // the context window it was loaded with
	ExpiresAt     time.Time
}

// PullProgress is one step of a download. Total and Completed are bytes of
// the layer being downloaded and are zero for steps without a size
// ("pulling manifest", "verifying sha256 digest", "success").
type PullProgress struct {
	Status    string
	Completed int64
	Total     int64
}

// Version returns the server's version, "0.17.4". It is the cheapest call
// that proves a server answers: a dead server is an *UnreachableError.
func (c *Client) Version(ctx context.Context) (string, error) {
	v, err := c.api.Version(ctx)
	if err != nil {
		return "", c.mapErr(ctx, "", err)
	}
	return v, nil
}

// Models lists the installed models, in the server's order (most recently
// modified first), with their context length and kind read from the
// server's description of each. It fails as a whole if any model cannot be
// described, except one deleted while listing, which is left out.
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	resp, err := c.api.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", c.mapErr(ctx, "", err))
	}
	models := make([]Model, 0, len(resp.Models))
	for _, m := range resp.Models {
		info, err := c.Show(ctx, m.Name)
		var missing *ModelMissingError
		if errors.As(err, &missing) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list models: %w", err)
		}
		models = append(models, Model{
			Name:          m.Name,
			Size:          m.Size,
			Family:        m.Details.Family,
			ContextLength: info.ContextLength,
			Embedding:     info.Embedding,
			ParameterSize: m.Details.ParameterSize,
			Quantization:  m.Details.QuantizationLevel,
			Weights:       info.Weights,
		})
	}
	return models, nil
}

// Running lists the models loaded in memory right now; an idle server
// returns an empty list.
func (c *Client) Running(ctx context.Context) ([]RunningModel, error) {
	resp, err := c.api.ListRunning(ctx)
	if err != nil {
		return nil, fmt.Errorf("list running models: %w", c.mapErr(ctx, "", err))
	}
	running := make([]RunningModel, 0, len(resp.Models))
	for _, m := range resp.Models {
		running = append(running, RunningModel{
			Name:          m.Name,
			Size:          m.Size,
			SizeVRAM:      m.SizeVRAM,
			ContextLength: m.ContextLength,
			ExpiresAt:     m.ExpiresAt,
		})
	}
	return running, nil
}

// Pull downloads name from the model registry through the server, calling
// onProgress (which may be nil) for every step the server reports; an error
// from onProgress stops the download and is returned unchanged. A nil error
// means the server reported "success". A cancelled ctx returns ctx.Err();
// the server keeps the partial download, which a later Pull normally resumes. With
// no route to the registry the error is a single line that says so; a name
// the registry does not know says that instead.
func (c *Client) Pull(ctx context.Context, name string, onProgress func(PullProgress) error) error {
	var cbErr error
	done := false
	err := c.api.Pull(ctx, &api.PullRequest{Model: name}, func(r api.ProgressResponse) error {
		if r.Status == "success" {
			done = true
		}
		if onProgress != nil {
			cbErr = onProgress(PullProgress{Status: r.Status, Completed: r.Completed, Total: r.Total})
		}
		return cbErr
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && err == cbErr:
		return err
	case err != nil:
		return pullErr(name, c.mapErr(ctx, name, err))
	case !done:
		// The api client ends a broken stream without an error.
		return fmt.Errorf("cannot download %q: %w", name, ErrIncomplete)
	}
	return nil
}

// pullErr rewrites the server's registry errors, which arrive as bare
// strings ("pull model manifest: Get \"https://registry...\": dial tcp:
// lookup registry.ollama.ai: no such host"), into one line a user can act
// on. Errors already typed by mapErr pass through wrapped.
func pullErr(name string, err error) error {
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		return fmt.Errorf("cannot download %q: %w", name, err)
	}
	var missing *ModelMissingError
	if errors.As(err, &missing) {
		return fmt.Errorf("cannot download %q: %w", name, ErrNoSuchModel)
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{
		"dial tcp", "no such host", "connection refused", "network is unreachable",
		"i/o timeout", "tls handshake", "server misbehaving", "connection reset",
		"no route to host", "temporary failure in name resolution",
	} {
		if strings.Contains(msg, s) {
			return fmt.Errorf("cannot download %q: %w", name, ErrNoRegistry)
		}
	}
	if strings.Contains(msg, "file does not exist") || strings.Contains(msg, "manifest unknown") {
		return fmt.Errorf("cannot download %q: %w", name, ErrNoSuchModel)
	}
	return fmt.Errorf("cannot download %q: %w", name, err)
}

// Import creates the model name from a local GGUF file without any network:
// it hashes the file, copies it into the server's model store (skipped when
// the store already holds the same bytes), then creates the model from it.
// onProgress (which may be nil) receives human-readable steps; an error from
// it stops the import and is returned unchanged. The server must run on
// this machine or at least reach the file's bytes over HTTP: the file is
// uploaded, not referenced. An existing model of the same name is replaced.
// A file that is not GGUF fails with the server's reason.
func (c *Client) Import(ctx context.Context, ggufPath, name string, onProgress func(string) error) error {
	progress := func(s string) error {
		if onProgress == nil {
			return nil
		}
		return onProgress(s)
	}
	f, err := os.Open(ggufPath)
	if err != nil {
		return fmt.Errorf("import %s: %w", ggufPath, err)
	}
	if err := progress("hashing " + filepath.Base(ggufPath)); err != nil {
		f.Close()
		return err
	}
	h := sha256.New()
	_, err = io.Copy(h, ctxio.NewReader(ctx, f))
	f.Close()
	if err != nil {
		return fmt.Errorf("import %s: %w", ggufPath, err)
	}
	digest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	return c.create(ctx, ggufPath, digest, &api.CreateRequest{Model: name}, onProgress)
}

// create uploads the GGUF file at ggufPath, whose digest is known, unless
// the server has it, then creates req.Model from it with req's settings.
func (c *Client) create(ctx context.Context, ggufPath, digest string, req *api.CreateRequest, onProgress func(string) error) error {
	progress := func(s string) error {
		if onProgress == nil {
			return nil
		}
		return onProgress(s)
	}
	name := req.Model
	exists, err := c.blobExists(ctx, digest)
	if err != nil {
		return fmt.Errorf("import %s: %w", ggufPath, c.mapErr(ctx, "", err))
	}
	if !exists {
		if err := progress("copying into the model store"); err != nil {
			return err
		}
		f, err := os.Open(ggufPath)
		if err != nil {
			return fmt.Errorf("import %s: %w", ggufPath, err)
		}
		err = c.api.CreateBlob(ctx, digest, ctxio.NewReader(ctx, f))
		f.Close()
		if err != nil {
			return fmt.Errorf("import %s: %w", ggufPath, c.mapErr(ctx, "", err))
		}
	}

	var cbErr error
	done := false
	req.Files = map[string]string{ggufName(ggufPath): digest}
	err = c.api.Create(ctx, req, func(r api.ProgressResponse) error {
		if r.Status == "success" {
			done = true
		}
		cbErr = progress(r.Status)
		return cbErr
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && err == cbErr:
		return err
	case err != nil:
		return fmt.Errorf("import %s as %s: %w", ggufPath, name, c.mapErr(ctx, "", err))
	case !done:
		return fmt.Errorf("import %s as %s: %w", ggufPath, name, ErrIncomplete)
	}
	return nil
}

// ggufName is the file name the server sees. It decides the format from the
// extension, so a GGUF saved under another name keeps its base name plus
// ".gguf"; the server also accepts a valid name without the extension but
// has to sniff the blob for it.
func ggufName(path string) string {
	base := filepath.Base(path)
	if strings.HasSuffix(strings.ToLower(base), ".gguf") {
		return base
	}
	return base + ".gguf"
}

// blobExists asks the server whether it already stores digest, so an import
// of a file it has does not upload gigabytes again. The api package has no
// call for it.
func (c *Client) blobExists(ctx context.Context, digest string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.base.JoinPath("/api/blobs", digest).String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := headClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status}
}

var headClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext},
	Timeout:   30 * time.Second,
}

// Delete removes the model name and the files no other model uses. A model
// that is not installed is a *ModelMissingError.
func (c *Client) Delete(ctx context.Context, name string) error {
	if err := c.api.Delete(ctx, &api.DeleteRequest{Model: name}); err != nil {
		return fmt.Errorf("delete %s: %w", name, c.mapErr(ctx, name, err))
	}
	return nil
}

// Unload asks the server to free a loaded model now (a model that is not
// loaded, or not installed, is no error). Benchmarks use it to time a cold
// start; Kura itself leaves loading to the server.
func (c *Client) Unload(ctx context.Context, name string) error {
	zero := &api.Duration{Duration: 0}
	err := c.api.Generate(ctx, &api.GenerateRequest{Model: name, KeepAlive: zero}, func(api.GenerateResponse) error { return nil })
	var se api.StatusError
	if errors.As(err, &se) && strings.Contains(se.ErrorMessage, "does not support") {
		// An embedding model: unloaded by an embedding request that
		// keeps it zero seconds.
		_, err = c.api.Embed(ctx, &api.EmbedRequest{Model: name, Input: "x", KeepAlive: zero})
	}
	var missing *ModelMissingError
	if m := c.mapErr(ctx, name, err); m != nil && !errors.As(m, &missing) {
		return fmt.Errorf("unload %s: %w", name, m)
	}
	return nil
}
