// Package answer writes grounded answers: it numbers the retrieved passages,
// fits as many as the model's context allows (whole passages, best first),
// asks the chat model to answer only from them in the question's language
// and to cite them as [n], and maps the citations in the answer back to
// files and pages.
//
// The prompt is a template parsed once. The context window is budgeted, not
// hoped for: num_ctx is set from the model's context length (capped by
// Options.MaxContext to bound memory), and the prompt is sized with an
// estimate of tokens per byte that starts at one, an upper bound for
// byte-level BPE tokenizers (each token covers at least one byte), and is
// then calibrated from the token counts the server reports, so later
// answers fit more passages. The server is asked not to truncate: if the estimate is
// ever wrong, the call fails loudly and is retried with fewer passages.
package answer

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
)

//go:embed prompt.tmpl
var promptText string

var prompt = template.Must(template.New("prompt").Parse(promptText))

// Options tune answering.
type Options struct {
	// MaxContext caps num_ctx (tokens) whatever the model supports, to bound
	// the memory the runtime allocates; default 8192.
	MaxContext int
	// AnswerTokens are reserved for the answer; default 1024, at most a
	// quarter of the context.
	AnswerTokens int
	Temperature  float64
}

func (o Options) normalized() Options {
	if o.MaxContext <= 0 {
		o.MaxContext = 8192
	}
	if o.AnswerTokens <= 0 {
		o.AnswerTokens = 1024
	}
	return o
}

// Turn is an earlier exchange in a conversation.
type Turn struct {
	Question string
	Answer   string
}

// Source is a passage given to the model, numbered as the model saw it.
type Source struct {
	N int
	retrieve.Passage
	Cited bool // the answer cites [N]
}

// Answer is a complete answer.
type Answer struct {
	Text     string
	Language string // language the model was asked to answer in
	Sources  []Source
	// Dropped counts retrieved passages left out because they did not fit.
	Dropped int
	NumCtx  int // the num_ctx sent to the runtime
	// PromptTokens is what the server counted for the prompt, PromptBytes
	// its size: together they calibrate the next estimate (Calibrate).
	PromptTokens, PromptBytes int
	// NoPassages is true when nothing was retrieved and the model was not
	// asked at all.
	NoPassages bool
}

// Chatter is the part of the model runtime answering needs.
type Chatter interface {
	Chat(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error)
}

// Budget computes the context window and how many of the passages fit.
type Budget struct {
	NumCtx int
	// TokensPerByte is the estimate used; 1.0 is the safe upper bound for
	// byte-level tokenizers.
	TokensPerByte float64
}

// Estimate returns the estimated tokens of s.
func (b Budget) Estimate(s string) int {
	return int(float64(len(s))*b.TokensPerByte) + 1
}

// NewBudget derives the budget from the model's context length.
func NewBudget(modelContext int, tokensPerByte float64, o Options) Budget {
	o = o.normalized()
	n := o.MaxContext
	if modelContext > 0 && modelContext < n {
		n = modelContext
	}
	if tokensPerByte <= 0 || tokensPerByte > 1 {
		tokensPerByte = 1
	}
	return Budget{NumCtx: n, TokensPerByte: tokensPerByte}
}

// promptData feeds prompt.tmpl.
type promptData struct {
	Language string
	Passages []Source
	Question string
}

// Build renders the messages for question over passages, keeping as many
// whole passages as fit in the budget in rank order (a passage that does not
// fit is dropped with all after it, never cut) and trimming history from
// the oldest turn. It returns the messages and the sources used.
func Build(question string, passages []retrieve.Passage, history []Turn, b Budget, o Options) ([]llm.Message, []Source, int, error) {
	o = o.normalized()
	lang := Language(question)
	reserve := min(o.AnswerTokens, b.NumCtx/4)
	render := func(srcs []Source) (string, string, error) {
		var sys, user bytes.Buffer
		if err := prompt.ExecuteTemplate(&sys, "system", promptData{Language: lang}); err != nil {
			return "", "", err
		}
		if err := prompt.ExecuteTemplate(&user, "user", promptData{Language: lang, Passages: srcs, Question: question}); err != nil {
			return "", "", err
		}
		return sys.String(), user.String(), nil
	}
	var srcs []Source
	sys, user, err := render(nil)
	if err != nil {
		return nil, nil, 0, err
	}
	avail := b.NumCtx - reserve - b.Estimate(sys) - b.Estimate(user) - 16
	if avail < 0 {
		return nil, nil, 0, fmt.Errorf("the question is too long for the model's context of %d tokens", b.NumCtx)
	}
	used := 0
	for i, p := range passages {
		s := Source{N: i + 1, Passage: p}
		cost := b.Estimate(p.Text) + b.Estimate(p.Path) + 24 // delimiters and header
		if used+cost > avail {
			break
		}
		used += cost
		srcs = append(srcs, s)
	}
	dropped := len(passages) - len(srcs)
	if len(srcs) == 0 && len(passages) > 0 {
		return nil, nil, 0, fmt.Errorf("not even one passage fits in the model's context of %d tokens: raise max_context in the settings or choose a model with a longer context", b.NumCtx)
	}
	if sys, user, err = render(srcs); err != nil {
		return nil, nil, 0, err
	}
	msgs := []llm.Message{{Role: "system", Content: sys}}
	// History: newest turns first until the budget is spent, then in order.
	left := avail - used
	var hist []llm.Message
	for i := len(history) - 1; i >= 0; i-- {
		cost := b.Estimate(history[i].Question) + b.Estimate(history[i].Answer) + 16
		if cost > left {
			break
		}
		left -= cost
		hist = append([]llm.Message{{Role: "user", Content: history[i].Question}, {Role: "assistant", Content: history[i].Answer}}, hist...)
	}
	msgs = append(msgs, hist...)
	msgs = append(msgs, llm.Message{Role: "user", Content: user})
	return msgs, srcs, dropped, nil
}

// Ask answers question from passages with the chat model, streaming tokens
// to onToken. With no passages it does not call the model and answers that
// the documents hold nothing on the question. If the server rejects the
// prompt as too long (the estimate was off), it recalibrates to the safe
// bound and retries once with fewer passages.
func Ask(ctx context.Context, chat Chatter, model string, question string, passages []retrieve.Passage, history []Turn, b Budget, o Options, onToken func(string) error) (Answer, error) {
	o = o.normalized()
	lang := Language(question)
	if len(passages) == 0 {
		text := noPassages[lang]
		if err := onToken(text); err != nil {
			return Answer{}, err
		}
		return Answer{Text: text, Language: lang, NoPassages: true}, nil
	}
	for attempt := 0; ; attempt++ {
		msgs, srcs, dropped, err := Build(question, passages, history, b, o)
		if err != nil {
			return Answer{}, err
		}
		var text strings.Builder
		started := false
		stats, err := chat.Chat(ctx, llm.ChatRequest{Model: model, Messages: msgs, NumCtx: b.NumCtx, Temperature: o.Temperature}, func(tok string) error {
			started = true
			text.WriteString(tok)
			return onToken(tok)
		})
		if errors.Is(err, llm.ErrInputTooLong) && attempt == 0 && !started {
			b.TokensPerByte = 1
			continue
		}
		ans := Answer{Text: text.String(), Language: lang, Sources: srcs, Dropped: dropped, NumCtx: b.NumCtx, PromptTokens: stats.PromptTokens, PromptBytes: PromptBytes(msgs)}
		if err != nil {
			return ans, err
		}
		markCited(ans.Sources, ans.Text)
		return ans, nil
	}
}

// PromptBytes is the size of the messages, for calibrating the estimate
// against the server's token count.
func PromptBytes(msgs []llm.Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Content)
	}
	return n
}

// Calibrate returns a new tokens-per-byte estimate after the server counted
// promptTokens for promptBytes: the observed ratio with a 25% margin. The
// first reading replaces the safe bound of 1; later ones raise the estimate
// at once but lower it by at most 10% a step, since the mix of scripts (and
// so the ratio) varies between questions. A prompt that still overruns is
// rejected by the server and retried at the bound (see Ask).
func Calibrate(prev float64, promptTokens, promptBytes int) float64 {
	if promptTokens <= 0 || promptBytes <= 0 {
		return prev
	}
	if prev <= 0 || prev > 1 {
		prev = 1
	}
	obs := float64(promptTokens) / float64(promptBytes) * 1.25
	next := obs
	if prev < 1 {
		next = max(obs, prev*0.9)
	}
	return min(max(next, 0.05), 1)
}

var citeRe = regexp.MustCompile(`\[(\d{1,3}(?:\s*[,、，]\s*\d{1,3})*)\]`)

// Citations returns the passage numbers cited in text as [n] or [n, m], in
// order of first appearance.
func Citations(text string) []int {
	var out []int
	seen := map[int]bool{}
	for _, m := range citeRe.FindAllStringSubmatch(text, -1) {
		for _, part := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == '、' || r == '，' || unicode.IsSpace(r) }) {
			n, err := strconv.Atoi(part)
			if err == nil && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

func markCited(srcs []Source, text string) {
	cited := map[int]bool{}
	for _, n := range Citations(text) {
		cited[n] = true
	}
	for i := range srcs {
		srcs[i].Cited = cited[srcs[i].N]
	}
}

// Language guesses the language of a question from its script: kana means
// Japanese, Hangul Korean, Han alone Chinese-or-Japanese (Japanese, Kura's
// audience), anything else English. It returns a language name for the
// prompt ("Japanese", "Korean", "English").
func Language(q string) string {
	var kana, hangul, han, latin int
	for _, r := range q {
		switch {
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case hangul > 0 && hangul >= kana:
		return "Korean"
	case kana > 0 || han*3 >= latin && han > 0:
		return "Japanese"
	}
	return "English"
}

var noPassages = map[string]string{
	"English":  "The indexed documents contain nothing that matches this question, so I cannot answer it from them.",
	"Japanese": "索引された文書には、この質問に該当する内容が見つからないため、文書に基づいて回答できません。",
	"Korean":   "색인된 문서에서 이 질문과 관련된 내용을 찾을 수 없어 문서를 근거로 답할 수 없습니다.",
}
