package ollamatest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/ollama/ollama/fs/ggml"
)

// ModelOptions shapes a tiny model. Zero fields take the defaults.
type ModelOptions struct {
	// ContextLength is the context the model declares (llama.context_length),
	// which caps the server's num_ctx. Default 2048.
	ContextLength int
	// EmbeddingLength is the hidden size, and so the dimension of the
	// embedding model's vectors. Default 64; the chat model needs at least 32.
	EmbeddingLength int
	// Layers is the number of transformer blocks. Default 2.
	Layers int
	// Seed drives the random weights; the same options write the same bytes.
	// Default 1.
	Seed uint64
}

func (o ModelOptions) withDefaults() ModelOptions {
	if o.ContextLength <= 0 {
		o.ContextLength = 2048
	}
	if o.EmbeddingLength <= 0 {
		o.EmbeddingLength = 64
	}
	if o.Layers <= 0 {
		o.Layers = 2
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Shape of every tiny model: 4 attention heads of EmbeddingLength/4, no
// grouped-query attention, a feed-forward twice the hidden size, all F32.
const (
	heads    = 4
	ffnRatio = 2
)

// The vocabulary is GPT-2 style byte-level BPE: the 256 byte tokens, a few
// merges so the merge table is exercised, then the two control tokens.
var (
	byteTokens   = gpt2ByteTokens()
	mergePairs   = [][2]string{{"Ġ", "t"}, {"Ġ", "a"}, {"h", "e"}, {"i", "n"}, {"r", "e"}, {"o", "n"}}
	bosID, eosID = 256 + len(mergePairs), 256 + len(mergePairs) + 1
	vocabSize    = eosID + 1
)

// WriteChatModel writes a tiny llama GGUF that chats deterministically: it
// is built (not trained) so that, whatever the sampling settings, every
// answer is ChatAnswer, streamed one letter per token, then end-of-text.
//
// How: token embeddings are one-hot over 27 dimensions (one per lowercase
// letter, one shared by every other token), and the output matrix maps each
// letter's dimension to the next letter, "z" to end-of-text and the shared
// dimension to "a"; the transformer blocks carry small random weights that
// exercise the whole graph without moving the residual stream far from the
// current token. So the model continues the alphabet from the last token of
// the prompt, and its ChatML template (which Ollama recognises) ends every
// prompt with a newline: the answer starts at "a". The template renders the
// whole conversation, system prompt and history included, so prompt token
// counts and context limits behave as with a real chat model; every byte is
// one token (save six common pairs such as "he" and " t").
func WriteChatModel(path string, o ModelOptions) error {
	o = o.withDefaults()
	n := o.EmbeddingLength
	if n < 32 {
		return fmt.Errorf("tiny chat model: embedding length %d, need at least 32", n)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6b757261))

	// Dimension 0 marks "not a lowercase letter"; 1..26 are 'a'..'z'; the
	// rest carry a little noise so non-letter tokens still differ.
	embd := make([]float32, n*vocabSize)
	for t := range vocabSize {
		row := embd[t*n : (t+1)*n]
		if l, ok := letterOf(t); ok {
			row[1+l] = 1
			continue
		}
		row[0] = 1
		for d := 27; d < n; d++ {
			row[d] = float32(rng.NormFloat64() * 0.1)
		}
	}
	// The chosen token's logit comes out near 31, the others near 0: even
	// at temperature 1 with top-p off, a wrong token is a 1e-11 event.
	const gain = 4
	out := make([]float32, n*vocabSize)
	out[letterToken(0)*n+0] = gain // non-letter -> 'a'
	for l := 1; l < 26; l++ {
		out[letterToken(l)*n+l] = gain // letter l-1 (dimension l) -> letter l
	}
	out[eosID*n+26] = gain // 'z' -> end of text

	return writeModel(path, "kura-test-chat", o, rng, embd, out, false, nil)
}

// WriteScriptedChatModel writes a tiny chat model like WriteChatModel's
// whose every answer is the pieces of script, in order, one token each,
// then end-of-text: a test asks a real runtime and gets a known answer with
// the words, numbers and citations it needs ("Sales rose 5% [2]. ", ...).
// Pieces must differ from each other; each is any UTF-8 text. The hidden
// size grows with the script (27 dimensions for the alphabet, one per
// piece).
//
// How: each piece is a token of its own (in GPT-2's byte-level spelling),
// one-hot in a dimension of its own; the output matrix maps the "not a
// letter" dimension (the prompt's last token, a newline) to the first piece,
// each piece to the next, and the last to end-of-text.
func WriteScriptedChatModel(path string, o ModelOptions, script []string) error {
	if len(script) == 0 {
		return fmt.Errorf("scripted chat model: no script")
	}
	seen := map[string]bool{}
	tokens := make([]string, len(script))
	for i, p := range script {
		if p == "" || seen[p] {
			return fmt.Errorf("scripted chat model: piece %d (%q) is empty or repeated", i, p)
		}
		seen[p] = true
		for _, b := range []byte(p) {
			tokens[i] += byteTokens[b]
		}
	}
	o = o.withDefaults()
	first := 27 // dimensions 0..26: "not a letter" and the alphabet
	o.EmbeddingLength = max(o.EmbeddingLength, (first+len(script)+8+heads-1)/heads*heads)
	n, size := o.EmbeddingLength, vocabSize+len(script)
	rng := rand.New(rand.NewPCG(o.Seed, 0x6b757261))
	embd := make([]float32, n*size)
	for t := range size {
		row := embd[t*n : (t+1)*n]
		switch l, ok := letterOf(t); {
		case ok:
			row[1+l] = 1
		case t >= vocabSize:
			row[first+t-vocabSize] = 1
		default:
			row[0] = 1
			for d := first + len(script); d < n; d++ {
				row[d] = float32(rng.NormFloat64() * 0.1)
			}
		}
	}
	const gain = 4
	out := make([]float32, n*size)
	out[vocabSize*n+0] = gain // not a letter (the prompt's end) -> piece 0
	for i := 1; i < len(script); i++ {
		out[(vocabSize+i)*n+first+i-1] = gain // piece i-1 -> piece i
	}
	out[eosID*n+first+len(script)-1] = gain // the last piece -> end of text
	return writeModel(path, "kura-test-scripted-chat", o, rng, embd, out, false, tokens)
}

// ChatAnswer is the chat model's answer to anything.
const ChatAnswer = "abcdefghijklmnopqrstuvwxyz"

// chatML is the template most ChatML models ship; Ollama maps it to its own
// chatml template when the model is created.
const chatML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

// WriteEmbedModel writes a tiny llama GGUF that Ollama serves as an
// embedding model (capability "embedding", no "completion"). Its vectors
// have EmbeddingLength dimensions and are close to a normalized bag of the
// input's tokens: texts sharing many bytes are near, unrelated ones are not,
// and the same text always gives the same vector.
//
// How: any <arch>.pooling_type key makes Ollama call it an embedding model,
// but the llama.cpp runner Ollama 0.17.4 uses for llama ignores the key and
// returns the last token's hidden state. (Declaring qwen2, whose pooling
// llama.cpp does read, crashes the runner: Ollama asks for the last token's
// output only, and mean pooling needs them all.) So the pooling is built
// into the weights: the first layer's queries are zero, which makes causal
// attention a uniform average over the tokens so far, and its value and
// output matrices pass that average into the residual stream amplified,
// where it outweighs the last token's own embedding.
func WriteEmbedModel(path string, o ModelOptions) error {
	o = o.withDefaults()
	n := o.EmbeddingLength
	rng := rand.New(rand.NewPCG(o.Seed, 0x656d6264))
	embd := randomF32(rng, n*vocabSize, 1)
	for d := range n {
		embd[bosID*n+d] = 0 // the shared start token adds nothing to the average
	}
	out := randomF32(rng, n*vocabSize, 0.02)
	return writeModel(path, "kura-test-embed", o, rng, embd, out, true, nil)
}

// writeModel writes the GGUF; extra are tokens appended to the vocabulary
// after end-of-text (a scripted model's pieces).
func writeModel(path, name string, o ModelOptions, rng *rand.Rand, embd, out []float32, pooling bool, extra []string) error {
	size := vocabSize + len(extra)
	const arch = "llama"
	n, ff := o.EmbeddingLength, o.EmbeddingLength*ffnRatio
	kv := ggml.KV{
		"general.architecture":         arch,
		"general.name":                 name,
		"general.file_type":            uint32(0), // all F32
		"tokenizer.ggml.model":         "gpt2",
		"tokenizer.ggml.pre":           "default",
		"tokenizer.ggml.tokens":        append(vocabulary(), extra...),
		"tokenizer.ggml.token_type":    tokenTypes(size),
		"tokenizer.ggml.merges":        merges(),
		"tokenizer.ggml.bos_token_id":  uint32(bosID),
		"tokenizer.ggml.eos_token_id":  uint32(eosID),
		"tokenizer.ggml.add_bos_token": true,
		"tokenizer.ggml.add_eos_token": false,
	}
	for k, v := range map[string]any{
		"context_length":                   uint32(o.ContextLength),
		"embedding_length":                 uint32(n),
		"block_count":                      uint32(o.Layers),
		"feed_forward_length":              uint32(ff),
		"attention.head_count":             uint32(heads),
		"attention.head_count_kv":          uint32(heads),
		"attention.layer_norm_rms_epsilon": float32(1e-5),
		"rope.dimension_count":             uint32(n / heads),
		"rope.freq_base":                   float32(10000),
		"vocab_size":                       uint32(size),
	} {
		kv[arch+"."+k] = v
	}
	if pooling {
		// Any <arch>.pooling_type makes Ollama report the "embedding"
		// capability; for llama, llama.cpp ignores its value (see
		// WriteEmbedModel).
		kv[arch+".pooling_type"] = uint32(1)
	} else {
		kv["tokenizer.chat_template"] = chatML
	}

	ones := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	ts := []*ggml.Tensor{
		tensor("token_embd.weight", embd, n, size),
		tensor("output_norm.weight", ones(n), n),
		tensor("output.weight", out, n, size),
	}
	const sigma = 0.02
	for b := range o.Layers {
		p := fmt.Sprintf("blk.%d.", b)
		q, k := randomF32(rng, n*n, sigma), randomF32(rng, n*n, sigma)
		v, wo := randomF32(rng, n*n, sigma), randomF32(rng, n*n, sigma)
		if pooling && b == 0 {
			// Zero queries score every earlier token alike: the attention
			// output is their mean, passed on by v = I, amplified by wo.
			const amplify = 16
			q, v, wo = make([]float32, n*n), identity(n, 1), identity(n, amplify)
		}
		ts = append(ts,
			tensor(p+"attn_norm.weight", ones(n), n),
			tensor(p+"attn_q.weight", q, n, n),
			tensor(p+"attn_k.weight", k, n, n),
			tensor(p+"attn_v.weight", v, n, n),
			tensor(p+"attn_output.weight", wo, n, n),
			tensor(p+"ffn_norm.weight", ones(n), n),
			tensor(p+"ffn_gate.weight", randomF32(rng, n*ff, sigma), n, ff),
			tensor(p+"ffn_up.weight", randomF32(rng, n*ff, sigma), n, ff),
			tensor(p+"ffn_down.weight", randomF32(rng, ff*n, sigma), ff, n),
		)
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := ggml.WriteGGUF(f, kv, ts); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// tensor is an F32 tensor; shape is in GGUF order, fastest dimension first.
func tensor(name string, data []float32, shape ...int) *ggml.Tensor {
	var buf bytes.Buffer
	buf.Grow(4 * len(data))
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		buf.Write(b[:])
	}
	s := make([]uint64, len(shape))
	for i, d := range shape {
		s[i] = uint64(d)
	}
	return &ggml.Tensor{Name: name, Kind: 0, Shape: s, WriterTo: &buf}
}

func identity(n int, scale float32) []float32 {
	m := make([]float32, n*n)
	for i := range n {
		m[i*n+i] = scale
	}
	return m
}

func randomF32(rng *rand.Rand, k int, sigma float64) []float32 {
	v := make([]float32, k)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * sigma)
	}
	return v
}

func vocabulary() []string {
	v := append([]string{}, byteTokens[:]...)
	for _, m := range mergePairs {
		v = append(v, m[0]+m[1])
	}
	return append(v, "<|begin_of_text|>", "<|end_of_text|>")
}

func tokenTypes(size int) []int32 {
	const normal, control = 1, 3
	t := make([]int32, size)
	for i := range t {
		t[i] = normal
	}
	t[bosID], t[eosID] = control, control
	return t
}

func merges() []string {
	m := make([]string, len(mergePairs))
	for i, p := range mergePairs {
		m[i] = p[0] + " " + p[1]
	}
	return m
}

// letterOf reports which lowercase letter (0 for 'a') token t is.
func letterOf(t int) (int, bool) {
	if t < 256 {
		if r := []rune(byteTokens[t]); len(r) == 1 && r[0] >= 'a' && r[0] <= 'z' {
			return int(r[0] - 'a'), true
		}
	}
	return 0, false
}

// letterToken is the token id of lowercase letter l (0 for 'a'). Byte
// tokens are in byte order, and GPT-2 maps printable ASCII to itself.
func letterToken(l int) int { return 'a' + l }

// gpt2ByteTokens is GPT-2's reversible byte-to-unicode table: byte b is the
// token byteTokens[b]. Printable bytes stand for themselves; the others are
// shifted above U+0100 so no token is whitespace or a control character.
func gpt2ByteTokens() [256]string {
	var t [256]string
	next := 256
	for b := range 256 {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE && b <= 0xFF:
			t[b] = string(rune(b))
		default:
			t[b] = string(rune(next))
			next++
		}
	}
	return t
}
