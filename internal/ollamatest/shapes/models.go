package shapes

import (
	"context"
	"fmt"

	"github.com/ollama/ollama/fs/ggml"
)

// tokenizerKind names where a model's vocabulary comes from.
type tokenizerKind int

const (
	tokQwen25      tokenizerKind = iota // real Qwen BPE, Qwen2.5's added tokens
	tokQwen3                            // real Qwen BPE, Qwen3's added tokens
	tokGemma                            // real Gemma SentencePiece BPE
	tokXLMR                             // stand-in XLM-R unigram (xlmrStandIn)
	tokTinyBPE                          // miniatures: bytes, a few merges, ChatML tokens
	tokTinySPM                          // miniatures: Gemma's specials and byte pieces
	tokTinyUnigram                      // miniatures: XLM-R's specials and ASCII pieces
)

// model is one model's hyperparameters, everything its file depends on.
type model struct {
	name, role, arch        string
	layers, hidden, ffn     int
	heads, kvHeads, headDim int
	vocab, ctx              int
	ropeBase, eps           float32
	quantized               bool // Q4_K_M mix; otherwise F16
	qkvBias, qkNorm         bool // qwen2's q/k/v biases; qwen3's q/k norms
	tok                     tokenizerKind
	// gemma2
	slidingWindow             int
	attnSoftcap, finalSoftcap float32
	// bert
	pooling   uint32 // 1 mean, 2 CLS
	typeCount int    // token_types rows
	seed      uint64
}

// Values from each model's config.json (and, where Ollama's registry
// serves the model, its GGUF's metadata).
var catalog = []model{
	{
		// Qwen/Qwen2.5-3B-Instruct: head_dim 2048/16 = 128, tied.
		name: "qwen2.5:3b", role: "chat", arch: "qwen2",
		layers: 36, hidden: 2048, ffn: 11008, heads: 16, kvHeads: 2, headDim: 128,
		vocab: 151936, ctx: 32768, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkvBias: true, tok: tokQwen25, seed: 1,
	},
	{
		// Qwen/Qwen2.5-1.5B-Instruct: head_dim 1536/12 = 128, tied.
		name: "qwen2.5:1.5b", role: "chat", arch: "qwen2",
		layers: 28, hidden: 1536, ffn: 8960, heads: 12, kvHeads: 2, headDim: 128,
		vocab: 151936, ctx: 32768, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkvBias: true, tok: tokQwen25, seed: 2,
	},
	{
		// Qwen/Qwen3-1.7B: max_position_embeddings 40960, tied.
		name: "qwen3:1.7b", role: "chat", arch: "qwen3",
		layers: 28, hidden: 2048, ffn: 6144, heads: 16, kvHeads: 8, headDim: 128,
		vocab: 151936, ctx: 40960, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkNorm: true, tok: tokQwen3, seed: 3,
	},
	{
		// Qwen/Qwen3-4B: 32 heads of 128 (4096, wider than the hidden 2560), tied.
		name: "qwen3:4b", role: "chat", arch: "qwen3",
		layers: 36, hidden: 2560, ffn: 9728, heads: 32, kvHeads: 8, headDim: 128,
		vocab: 151936, ctx: 40960, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkNorm: true, tok: tokQwen3, seed: 4,
	},
	{
		// google/gemma-2-2b-it: head_dim 256, soft-capping 50 / 30, tied.
		name: "gemma2:2b", role: "chat", arch: "gemma2",
		layers: 26, hidden: 2304, ffn: 9216, heads: 8, kvHeads: 4, headDim: 256,
		vocab: 256000, ctx: 8192, ropeBase: 10000, eps: 1e-6,
		quantized: true, tok: tokGemma,
		slidingWindow: 4096, attnSoftcap: 50, finalSoftcap: 30, seed: 5,
	},
	{
		// BAAI/bge-m3 (XLMRobertaModel, large): 8194 positions less the
		// two the converter drops; CLS pooling.
		name: "bge-m3", role: "embed", arch: "bert",
		layers: 24, hidden: 1024, ffn: 4096, heads: 16, kvHeads: 16, headDim: 64,
		vocab: 250002, ctx: 8192, eps: 1e-5, tok: tokXLMR,
		pooling: 2, typeCount: 1, seed: 6,
	},
	{
		// intfloat/multilingual-e5-small (BertModel on Multilingual-MiniLM-L12-H384):
		// 250037 embedding rows for XLM-R's 250002 tokens, 2 token types,
		// 512 positions (BERT has no offset), layer_norm_eps 1e-12; mean pooling.
		// Its GGUF is assumed to carry XLM-R's unigram vocabulary ("t5"),
		// like the XLMRobertaModel ones; a converter that writes it a
		// WordPiece ("bert") vocabulary would put it in Ollama's engine.
		name: "multilingual-e5-small", role: "embed", arch: "bert",
		layers: 12, hidden: 384, ffn: 1536, heads: 12, kvHeads: 12, headDim: 32,
		vocab: 250037, ctx: 512, eps: 1e-12, tok: tokXLMR,
		pooling: 1, typeCount: 2, seed: 7,
	},
	{
		// intfloat/multilingual-e5-base (XLMRobertaModel, base): 514
		// positions less two; mean pooling.
		name: "multilingual-e5-base", role: "embed", arch: "bert",
		layers: 12, hidden: 768, ffn: 3072, heads: 12, kvHeads: 12, headDim: 64,
		vocab: 250002, ctx: 512, eps: 1e-5, tok: tokXLMR,
		pooling: 1, typeCount: 1, seed: 8,
	},
}

// The miniatures: 8 layers, so the Q4_K_M mix has both attn_v and ffn_down
// types; widths of 256, the K-quant block.
var miniatures = []model{
	{
		name: "mini-qwen2", role: "chat", arch: "qwen2",
		layers: 8, hidden: 256, ffn: 512, heads: 2, kvHeads: 1, headDim: 128,
		vocab: 300, ctx: 4096, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkvBias: true, tok: tokTinyBPE, seed: 11,
	},
	{
		name: "mini-qwen3", role: "chat", arch: "qwen3",
		layers: 8, hidden: 256, ffn: 512, heads: 4, kvHeads: 2, headDim: 128,
		vocab: 300, ctx: 4096, ropeBase: 1e6, eps: 1e-6,
		quantized: true, qkNorm: true, tok: tokTinyBPE, seed: 12,
	},
	{
		name: "mini-gemma2", role: "chat", arch: "gemma2",
		layers: 8, hidden: 256, ffn: 512, heads: 2, kvHeads: 1, headDim: 256,
		vocab: 300, ctx: 4096, ropeBase: 10000, eps: 1e-6,
		quantized: true, tok: tokTinySPM,
		slidingWindow: 64, attnSoftcap: 50, finalSoftcap: 30, seed: 13,
	},
	{
		name: "mini-bert-cls", role: "embed", arch: "bert",
		layers: 2, hidden: 128, ffn: 256, heads: 4, kvHeads: 4, headDim: 32,
		vocab: 200, ctx: 512, eps: 1e-5, tok: tokTinyUnigram,
		pooling: 2, typeCount: 1, seed: 14,
	},
	{
		name: "mini-bert-mean", role: "embed", arch: "bert",
		layers: 2, hidden: 96, ffn: 192, heads: 4, kvHeads: 4, headDim: 24,
		vocab: 210, ctx: 512, eps: 1e-12, tok: tokTinyUnigram,
		pooling: 1, typeCount: 2, seed: 15,
	},
}

func (m model) spec() Spec {
	var params, bytes int64
	for _, t := range m.tensors() {
		params += int64(t.elements())
		bytes += int64(t.bytes())
	}
	// Metadata: about 24 bytes per token (text, type, score), 20 per merge.
	bytes += int64(m.vocab) * 24
	if m.tok == tokQwen25 || m.tok == tokQwen3 {
		bytes += 151387 * 20
	}
	s := Spec{
		Name: m.name, Role: m.role, Architecture: m.arch,
		Runner: "llama.cpp", Parameters: params, ContextLength: m.ctx,
		EmbeddingLength: m.hidden, FileType: "F16", SizeBytes: bytes,
	}
	if m.arch == "qwen3" {
		s.Runner = "ollama"
	}
	if m.quantized {
		s.FileType = "Q4_K_M"
	}
	switch m.tok {
	case tokQwen25, tokQwen3:
		s.Tokenizer = "Qwen byte-level BPE, real (" + qwenTokenizer.name + "@" + qwenTokenizer.version + ")"
	case tokGemma:
		s.Tokenizer = "Gemma SentencePiece BPE, real (" + gemmaTokenizer.name + "@" + gemmaTokenizer.version + ")"
	case tokXLMR:
		s.Tokenizer = "XLM-R unigram layout, STAND-IN pieces from Qwen's vocabulary"
	default:
		s.Tokenizer = "tiny built-in vocabulary"
	}
	return s
}

// useMoreBits is llama.cpp's choice of the layers that get more bits in
// the Q4_K_M mix.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

// tensors lists the model's tensors with llama.cpp's names, GGUF shapes
// and the Q4_K_M or F16 types convert_hf_to_gguf.py and llama-quantize give
// them.
func (m model) tensors() []tensorSpec {
	u := func(d ...int) []uint64 {
		s := make([]uint64, len(d))
		for i, v := range d {
			s[i] = uint64(v)
		}
		return s
	}
	// matrix picks the type of a 2-D weight: Q4_K in the Q4_K_M mix
	// (Q6_K where more is set), F16 otherwise. Every row length here is a
	// multiple of 256, so llama.cpp needs no fallback type.
	matrix := func(more bool) ggml.TensorType {
		switch {
		case !m.quantized:
			return ggml.TensorTypeF16
		case more:
			return ggml.TensorTypeQ6_K
		}
		return ggml.TensorTypeQ4_K
	}
	f32 := ggml.TensorTypeF32
	h, q, kv := m.hidden, m.heads*m.headDim, m.kvHeads*m.headDim
	var ts []tensorSpec
	add := func(name string, kind ggml.TensorType, f fill, shape ...int) {
		ts = append(ts, tensorSpec{name: name, shape: u(shape...), kind: kind, fill: f})
	}

	if m.arch == "bert" {
		add("token_embd.weight", matrix(false), fillRandom, h, m.vocab)
		add("token_types.weight", f32, fillRandom, h, m.typeCount)
		add("position_embd.weight", matrix(false), fillRandom, h, m.ctx)
		add("token_embd_norm.weight", f32, fillOnes, h)
		add("token_embd_norm.bias", f32, fillRandom, h)
		for i := range m.layers {
			p := fmt.Sprintf("blk.%d.", i)
			for _, n := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
				add(p+n+".weight", matrix(false), fillRandom, h, h)
				add(p+n+".bias", f32, fillRandom, h)
			}
			add(p+"attn_output_norm.weight", f32, fillOnes, h)
			add(p+"attn_output_norm.bias", f32, fillRandom, h)
			add(p+"ffn_up.weight", matrix(false), fillRandom, h, m.ffn)
			add(p+"ffn_up.bias", f32, fillRandom, m.ffn)
			add(p+"ffn_down.weight", matrix(false), fillRandom, m.ffn, h)
			add(p+"ffn_down.bias", f32, fillRandom, h)
			add(p+"layer_output_norm.weight", f32, fillOnes, h)
			add(p+"layer_output_norm.bias", f32, fillRandom, h)
		}
		return ts
	}

	// Decoders: the token embedding is tied to the output, so it takes the
	// output's type (Q6_K).
	add("token_embd.weight", matrix(true), fillRandom, h, m.vocab)
	add("output_norm.weight", f32, fillOnes, h)
	for i := range m.layers {
		p := fmt.Sprintf("blk.%d.", i)
		more := useMoreBits(i, m.layers)
		add(p+"attn_norm.weight", f32, fillOnes, h)
		add(p+"attn_q.weight", matrix(false), fillRandom, h, q)
		add(p+"attn_k.weight", matrix(false), fillRandom, h, kv)
		add(p+"attn_v.weight", matrix(more), fillRandom, h, kv)
		if m.qkvBias {
			add(p+"attn_q.bias", f32, fillRandom, q)
			add(p+"attn_k.bias", f32, fillRandom, kv)
			add(p+"attn_v.bias", f32, fillRandom, kv)
		}
		if m.qkNorm {
			add(p+"attn_q_norm.weight", f32, fillOnes, m.headDim)
			add(p+"attn_k_norm.weight", f32, fillOnes, m.headDim)
		}
		add(p+"attn_output.weight", matrix(false), fillRandom, q, h)
		add(p+"ffn_norm.weight", f32, fillOnes, h)
		add(p+"ffn_gate.weight", matrix(false), fillRandom, h, m.ffn)
		add(p+"ffn_up.weight", matrix(false), fillRandom, h, m.ffn)
		add(p+"ffn_down.weight", matrix(more), fillRandom, m.ffn, h)
		if m.arch == "gemma2" {
			add(p+"post_attention_norm.weight", f32, fillOnes, h)
			add(p+"post_ffw_norm.weight", f32, fillOnes, h)
		}
	}
	return ts
}

// kv is the model's metadata: general.*, the architecture's keys and the
// tokenizer's.
func (m model) kv(v *vocab) ggml.KV {
	a := m.arch
	kv := ggml.KV{
		"general.architecture":         a,
		"general.name":                 "kura-shape " + m.name,
		"general.type":                 "model",
		a + ".context_length":          uint32(m.ctx),
		a + ".embedding_length":        uint32(m.hidden),
		a + ".block_count":             uint32(m.layers),
		a + ".feed_forward_length":     uint32(m.ffn),
		a + ".attention.head_count":    uint32(m.heads),
		a + ".attention.head_count_kv": uint32(m.kvHeads),
	}
	if m.quantized {
		kv["general.file_type"] = uint32(ggml.FileTypeQ4_K_M)
		kv["general.quantization_version"] = uint32(2)
	} else {
		kv["general.file_type"] = uint32(ggml.FileTypeF16)
	}
	switch a {
	case "bert":
		kv[a+".attention.layer_norm_epsilon"] = m.eps
		kv[a+".attention.causal"] = false
		kv[a+".pooling_type"] = m.pooling
	default:
		kv[a+".attention.layer_norm_rms_epsilon"] = m.eps
		kv[a+".rope.freq_base"] = m.ropeBase
	}
	if a == "qwen3" || a == "gemma2" {
		kv[a+".attention.key_length"] = uint32(m.headDim)
		kv[a+".attention.value_length"] = uint32(m.headDim)
	}
	if a == "gemma2" {
		kv[a+".attention.sliding_window"] = uint32(m.slidingWindow)
		kv[a+".attn_logit_softcapping"] = m.attnSoftcap
		kv[a+".final_logit_softcapping"] = m.finalSoftcap
	}
	kv["tokenizer.ggml.tokens"] = v.tokens
	kv["tokenizer.ggml.token_type"] = v.types
	if v.scores != nil {
		kv["tokenizer.ggml.scores"] = v.scores
	}
	if v.merges != nil {
		kv["tokenizer.ggml.merges"] = v.merges
	}
	for k, x := range v.kv {
		kv[k] = x
	}
	return kv
}

// loadVocab loads or builds the model's tokenizer, sized to its embedding.
func (m model) loadVocab(ctx context.Context, dir string, logf func(string, ...any)) (*vocab, error) {
	switch m.tok {
	case tokQwen25, tokQwen3:
		tok, err := loadHF(ctx, dir, qwenTokenizer, logf)
		if err != nil {
			return nil, err
		}
		last := 151664 // <|file_sep|>: Qwen2.5's last added token
		if m.tok == tokQwen3 {
			last = 151668 // </think>
		}
		return qwenVocab(tok, last, m.vocab, chatmlTemplate)
	case tokGemma:
		tok, err := loadHF(ctx, dir, gemmaTokenizer, logf)
		if err != nil {
			return nil, err
		}
		v, err := gemmaVocab(tok)
		if err == nil && len(v.tokens) != m.vocab {
			err = fmt.Errorf("%d tokens, want %d", len(v.tokens), m.vocab)
		}
		return v, err
	case tokXLMR:
		tok, err := loadHF(ctx, dir, qwenTokenizer, logf)
		if err != nil {
			return nil, err
		}
		return xlmrStandIn(tok, m.vocab, m.typeCount)
	case tokTinyBPE:
		return tinyBPE(m.vocab), nil
	case tokTinySPM:
		return tinySPM(m.vocab), nil
	case tokTinyUnigram:
		return tinyUnigram(m.vocab, m.typeCount)
	}
	return nil, fmt.Errorf("unknown tokenizer %d", m.tok)
}

// tinyBPE is Qwen's layout in miniature: the 256 byte tokens, a few
// merges, <|endoftext|>, <|im_start|> and <|im_end|>, padded to size.
func tinyBPE(size int) *vocab {
	bt := gpt2ByteTokens()
	merges := [][2]string{{"Ġ", "t"}, {"Ġ", "a"}, {"h", "e"}, {"i", "n"}, {"r", "e"}, {"o", "n"}}
	tok := &hfTokenizer{}
	tok.Model.Vocab = map[string]int{}
	for i, s := range bt {
		tok.Model.Vocab[s] = i
	}
	for _, p := range merges {
		tok.Model.Vocab[p[0]+p[1]] = len(tok.Model.Vocab)
		tok.merges = append(tok.merges, p[0]+" "+p[1])
	}
	first := len(tok.Model.Vocab)
	for i, s := range []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"} {
		tok.AddedTokens = append(tok.AddedTokens, struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
			Special bool   `json:"special"`
		}{first + i, s, true})
	}
	v, err := qwenVocab(tok, first+2, size, chatmlTemplate)
	if err != nil {
		panic(err) // the ids above are in range by construction
	}
	v.kv["tokenizer.ggml.bos_token_id"] = uint32(first)
	v.kv["tokenizer.ggml.padding_token_id"] = uint32(first)
	v.kv["tokenizer.ggml.eos_token_id"] = uint32(first + 2)
	return v
}

// tinySPM is Gemma's layout in miniature: <pad> <eos> <bos> <unk>, the
// turn markers, the 256 byte pieces, "▁" and lowercase letters, padded
// with unused pieces.
func tinySPM(size int) *vocab {
	tokens := []string{"<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"}
	types := []int32{tokControl, tokControl, tokControl, tokUnknown, tokUserDefined, tokUserDefined}
	for b := range 256 {
		tokens, types = append(tokens, fmt.Sprintf("<0x%02X>", b)), append(types, tokByte)
	}
	tokens, types = append(tokens, "▁"), append(types, tokNormal)
	for c := 'a'; c <= 'z' && len(tokens) < size; c++ {
		tokens, types = append(tokens, string(c)), append(types, tokNormal)
	}
	for len(tokens) < size {
		tokens, types = append(tokens, fmt.Sprintf("<unused%d>", len(tokens))), append(types, tokUnused)
	}
	scores := make([]float32, len(tokens))
	for i := range scores {
		scores[i] = -float32(i)
	}
	return &vocab{
		tokens: tokens, types: types, scores: scores,
		kv: map[string]any{
			"tokenizer.ggml.model":            "llama",
			"tokenizer.ggml.pre":              "default",
			"tokenizer.ggml.bos_token_id":     uint32(2),
			"tokenizer.ggml.eos_token_id":     uint32(1),
			"tokenizer.ggml.unknown_token_id": uint32(3),
			"tokenizer.ggml.padding_token_id": uint32(0),
			"tokenizer.ggml.add_bos_token":    true,
			"tokenizer.ggml.add_eos_token":    false,
			"tokenizer.ggml.add_space_prefix": false,
			"tokenizer.chat_template":         gemma2Template,
		},
	}
}

// tinyUnigram is XLM-R's layout in miniature: printable ASCII characters,
// "▁", a few words and a few Japanese and Korean characters as pieces.
func tinyUnigram(size, typeCount int) (*vocab, error) {
	pieces := []string{"▁"}
	for c := '!'; c <= '~'; c++ {
		pieces = append(pieces, string(c))
	}
	pieces = append(pieces, "▁the", "▁a", "▁of", "▁and", "▁is", "の", "は", "日", "本", "語", "한", "국", "어")
	if 4+len(pieces)+1 > size {
		return nil, fmt.Errorf("tiny unigram vocabulary needs %d tokens, have %d", 4+len(pieces)+1, size)
	}
	return unigramVocab(pieces, size, typeCount)
}
