package shapes

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

// decode reads a written GGUF back with Ollama's own decoder.
func decode(t *testing.T, path string) *ggml.GGML {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := ggml.Decode(f, -1)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return g
}

func TestEveryMiniatureHasItsArchitecturesMetadataKeys(t *testing.T) {
	common := []string{
		"general.architecture", "general.file_type",
		"%.context_length", "%.embedding_length", "%.block_count", "%.feed_forward_length",
		"%.attention.head_count", "%.attention.head_count_kv",
		"tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
		"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
	}
	for _, tc := range []struct {
		name      string
		keys      []string
		tokenizer string
	}{
		{"mini-qwen2", []string{"%.rope.freq_base", "%.attention.layer_norm_rms_epsilon", "tokenizer.ggml.merges", "tokenizer.chat_template", "general.quantization_version"}, "gpt2"},
		{"mini-qwen3", []string{"%.rope.freq_base", "%.attention.key_length", "%.attention.value_length", "tokenizer.ggml.merges", "tokenizer.chat_template"}, "gpt2"},
		{"mini-gemma2", []string{"%.attention.sliding_window", "%.attn_logit_softcapping", "%.final_logit_softcapping", "%.attention.key_length", "tokenizer.ggml.scores", "tokenizer.chat_template", "tokenizer.ggml.add_space_prefix"}, "llama"},
		{"mini-bert-cls", []string{"%.pooling_type", "%.attention.causal", "%.attention.layer_norm_epsilon", "tokenizer.ggml.scores", "tokenizer.ggml.token_type_count", "tokenizer.ggml.mask_token_id"}, "t5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, err := Write(context.Background(), t.TempDir(), tc.name, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			g := decode(t, path)
			kv := g.KV()
			arch := kv.Architecture()
			for _, k := range append(slices.Clone(common), tc.keys...) {
				k = strings.Replace(k, "%", arch, 1)
				if _, ok := kv[k]; !ok {
					t.Errorf("key %s missing", k)
				}
			}
			if got := kv.String("tokenizer.ggml.model"); got != tc.tokenizer {
				t.Errorf("tokenizer.ggml.model %q, want %q", got, tc.tokenizer)
			}
			m, _ := lookup(tc.name)
			if n := len(kv.Strings("tokenizer.ggml.tokens")); n != m.vocab {
				t.Errorf("%d tokens, want the embedding's %d rows", n, m.vocab)
			}
			if got := len(g.Tensors().Items()); got != len(m.tensors()) {
				t.Errorf("%d tensors, want %d", got, len(m.tensors()))
			}
		})
	}
}

func TestChatModelsCarryTheQ4KMMix(t *testing.T) {
	for _, name := range []string{"qwen2.5:3b", "qwen2.5:1.5b", "qwen3:1.7b", "qwen3:4b", "gemma2:2b", "mini-qwen2", "mini-gemma2"} {
		t.Run(name, func(t *testing.T) {
			m, _ := lookup(name)
			for _, ts := range m.tensors() {
				want := ggml.TensorTypeQ4_K
				layer := -1
				if strings.HasPrefix(ts.name, "blk.") {
					layer = atoiPrefix(strings.TrimPrefix(ts.name, "blk."))
				}
				switch {
				case len(ts.shape) == 1:
					want = ggml.TensorTypeF32
				case ts.name == "token_embd.weight":
					want = ggml.TensorTypeQ6_K // tied: quantized as the output
				case strings.HasSuffix(ts.name, "attn_v.weight"), strings.HasSuffix(ts.name, "ffn_down.weight"):
					if useMoreBits(layer, m.layers) {
						want = ggml.TensorTypeQ6_K
					}
				}
				if ts.kind != want {
					t.Errorf("%s is %s, want %s", ts.name, ts.kind, want)
				}
				if len(ts.shape) == 2 && ts.shape[0]%qkK != 0 {
					t.Errorf("%s rows of %d are not whole K-quant blocks", ts.name, ts.shape[0])
				}
			}
			if slices.ContainsFunc(m.tensors(), func(ts tensorSpec) bool { return ts.name == "output.weight" }) {
				t.Error("output.weight present: the embeddings are tied")
			}
		})
	}
}

func atoiPrefix(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func TestUseMoreBitsPicksLlamaCppsLayers(t *testing.T) {
	var got []int
	for i := range 28 {
		if useMoreBits(i, 28) {
			got = append(got, i)
		}
	}
	// n/8 = 3 and 7n/8 = 24: layers 0-2, every third from 3+2, and 24-27.
	want := []int{0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27}
	if !slices.Equal(got, want) {
		t.Errorf("use_more_bits over 28 layers: %v, want %v", got, want)
	}
}

func TestCatalogHasThePublishedShapes(t *testing.T) {
	// Parameter counts as published (within 1%), which checks the layer
	// count, widths and vocabulary together.
	for _, tc := range []struct {
		name   string
		params float64
		dim    int
	}{
		{"qwen2.5:3b", 3.09e9, 2048},
		{"qwen2.5:1.5b", 1.54e9, 1536},
		{"qwen3:1.7b", 1.72e9, 2048},
		{"qwen3:4b", 4.02e9, 2560},
		{"gemma2:2b", 2.61e9, 2304},
		{"bge-m3", 5.68e8, 1024},
		{"multilingual-e5-small", 1.18e8, 384},
		{"multilingual-e5-base", 2.78e8, 768},
	} {
		i := slices.IndexFunc(Catalog(), func(s Spec) bool { return s.Name == tc.name })
		if i < 0 {
			t.Errorf("%s missing from the catalog", tc.name)
			continue
		}
		s := Catalog()[i]
		if r := float64(s.Parameters) / tc.params; r < 0.99 || r > 1.01 || s.EmbeddingLength != tc.dim {
			t.Errorf("%s: %d parameters, dimension %d; want about %.3g and %d", tc.name, s.Parameters, s.EmbeddingLength, tc.params, tc.dim)
		}
	}
}

func TestWriteIsDeterministicAndKeepsAStampedFile(t *testing.T) {
	ctx := context.Background()
	dir1, dir2 := t.TempDir(), t.TempDir()
	p1, err := Write(ctx, dir1, "mini-qwen3", nil)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Write(ctx, dir2, "mini-qwen3", nil)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	if len(b1) == 0 || !bytes.Equal(b1, b2) {
		t.Fatalf("two writes differ (%d and %d bytes)", len(b1), len(b2))
	}
	if filepath.Base(p1) != "mini-qwen3.gguf" || !filepath.IsAbs(p1) {
		t.Errorf("path %s, want an absolute .../mini-qwen3.gguf", p1)
	}

	// A second Write keeps the stamped file (its mtime stays).
	st1, _ := os.Stat(p1)
	var logged []string
	if _, err := Write(ctx, dir1, "mini-qwen3", func(f string, a ...any) { logged = append(logged, f) }); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(p1); !st2.ModTime().Equal(st1.ModTime()) || !slices.ContainsFunc(logged, func(s string) bool { return strings.Contains(s, "up to date") }) {
		t.Errorf("the stamped file was written again (log %q)", logged)
	}

	// A stamp from another generator version makes it write again.
	if err := os.WriteFile(p1+".stamp", []byte("kura shapes generator 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logged = nil
	if _, err := Write(ctx, dir1, "mini-qwen3", func(f string, a ...any) { logged = append(logged, f) }); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(logged, func(s string) bool { return strings.Contains(s, "up to date") }) {
		t.Error("a file with a stale stamp was kept")
	}
}

func TestACancelledWriteLeavesNoFileThatLooksComplete(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, dir, "mini-gemma2", nil); err == nil {
		t.Fatal("a cancelled write succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left %s behind", e.Name())
	}
}

func TestWriteRefusesAnUnknownName(t *testing.T) {
	_, err := Write(context.Background(), t.TempDir(), "llama3:70b", nil)
	if err == nil || !strings.Contains(err.Error(), "qwen2.5:3b") {
		t.Errorf("error %v, want one listing the known models", err)
	}
}

func TestTheStandInVocabularyHasXLMRsLayout(t *testing.T) {
	// Built from a small byte-level vocabulary: pieces decode to text with
	// "▁" for spaces, partial UTF-8 and control characters are dropped.
	bt := gpt2ByteTokens()
	tok := &hfTokenizer{}
	tok.Model.Vocab = map[string]int{}
	add := func(b ...byte) {
		var s string
		for _, c := range b {
			s += bt[c]
		}
		tok.Model.Vocab[s] = len(tok.Model.Vocab)
	}
	add('a')
	add('<', 's', '>') // Qwen has "<s>": XLM-R's special token keeps it
	add('[', 'P', 'A', 'D', '9', ']')
	add(' ', 'c', 'a', 't')
	add(0xe3, 0x81)       // the first two bytes of "の": not whole characters
	add(0xe3, 0x81, 0xae) // "の"
	add('\n')
	add(0xe2, 0x96, 0x81, 'c', 'a', 't') // "▁cat" written with U+2581: a duplicate piece, dropped
	v, err := xlmrStandIn(tok, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"<s>", "<pad>", "</s>", "<unk>", "a", "▁cat", "の", "[PAD7]", "[PAD8]", "[PAD9]", "[PAD10]", "<mask>"}
	if !slices.Equal(v.tokens, want) {
		t.Errorf("tokens %q, want %q", v.tokens, want)
	}
	wantTypes := []int32{tokControl, tokControl, tokControl, tokUnknown, tokNormal, tokNormal, tokNormal, tokUnused, tokUnused, tokUnused, tokUnused, tokControl}
	if !slices.Equal(v.types, wantTypes) {
		t.Errorf("types %v, want %v", v.types, wantTypes)
	}
	if !(v.scores[4] > v.scores[5] && v.scores[5] > v.scores[6] && v.scores[6] > v.scores[7]) {
		t.Errorf("scores %v: want pieces scored by rank, above the unused ones", v.scores)
	}
	if v.kv["tokenizer.ggml.mask_token_id"] != uint32(11) || v.kv["tokenizer.ggml.model"] != "t5" {
		t.Errorf("metadata %v", v.kv)
	}
	if err := v.unique(); err != nil {
		t.Error(err)
	}
}

func TestAVocabularyWithARepeatedTokenIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tokens []string
		ok     bool
	}{
		{"distinct tokens", []string{"<s>", "a", "b"}, true},
		{"a piece equal to a special token", []string{"<s>", "a", "<s>"}, false},
		{"an empty token twice", []string{"", "a", ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&vocab{tokens: tc.tokens}).unique()
			if (err == nil) != tc.ok {
				t.Errorf("unique() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestChatModelsSilenceTokensThatShowNothing(t *testing.T) {
	bt := gpt2ByteTokens()
	bpe := func(b ...byte) string {
		var s string
		for _, c := range b {
			s += bt[c]
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		v      *vocab
		silent []bool
	}{
		{"byte-level BPE", &vocab{
			tokens: []string{bpe('a'), bpe(' ', 'c', 'a', 't'), bpe('\n'), bpe(' ', ' '), bpe(0xe3, 0x81), bpe(0xe3, 0x81, 0xae), bpe(0x11), "<|im_end|>", "[PAD7]", "<think>"},
			types:  []int32{tokNormal, tokNormal, tokNormal, tokNormal, tokNormal, tokNormal, tokNormal, tokControl, tokUnused, tokUserDefined},
			merges: []string{"a b"},
		}, []bool{false, false, true, true, true, false, true, true, true, false}},
		{"SentencePiece with byte fallback", &vocab{
			tokens: []string{"<eos>", "▁the", "▁", "▁▁", "<0x41>", "<0x0A>", "<0xE3>", "の", "<start_of_turn>"},
			types:  []int32{tokControl, tokNormal, tokNormal, tokNormal, tokByte, tokByte, tokByte, tokNormal, tokUserDefined},
		}, []bool{true, false, true, true, false, true, true, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.silent(); !slices.Equal(got, tc.silent) {
				t.Errorf("silent %v, want %v for %q", got, tc.silent, tc.v.tokens)
			}
		})
	}
}
