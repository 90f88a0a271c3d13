// Package answer writes grounded answers: it numbers the retrieved passages,
// quotes from each the sentences that bear on the question, asks the chat
// model to answer only from them in the question's language and to cite them
// as [n], and maps the citations in the answer back to files and pages.
//
// On a laptop CPU the first token of an answer waits for the model to read
// the whole prompt (a small model reads 10 to 30 tokens a second on two
// cores), so the prompt is sized to a time budget as well as to the context
// window:
//
//   - Passages are quoted, not pasted: the sentences that match the
//     question, grown with their neighbours while the budget allows, best
//     passage first. Quotes keep their offsets into the page, so citations
//     and highlights point at exactly what the model read.
//   - The budget counts only the tokens the runtime has not read before:
//     the system prompt is the same for every question, and a conversation's
//     earlier turns are sent again exactly as they were, so the runtime
//     finds them in its cache (Ollama reuses the cache of a shared prompt
//     beginning) and a follow-up question costs only its own tokens.
//   - Token counts are estimated per script and calibrated from the counts
//     the server reports (Calibrate), and the runtime's reading speed is
//     learned from its reports too (the caller keeps both per model).
//
// num_ctx is fixed per model (the model's context length capped by
// Options.MaxContext): a request with another num_ctx makes Ollama reload the
// model. The server is asked not to truncate: if the estimate is ever wrong,
// the call fails loudly and the caller retries with a larger estimate.
package answer

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/cite"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
)

//go:embed prompt.tmpl
var promptText string

var prompt = template.Must(template.New("prompt").Funcs(template.FuncMap{"label": label}).Parse(promptText))

// label names a source in the prompt: its file name without the extension,
// at most 24 characters (the model needs to tell sources apart, not read
// their paths, and every character costs time on a laptop).
func label(path string) string {
	name := []rune(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	if len(name) > 24 {
		name = append(name[:23], '…')
	}
	return string(name)
}

// Options tune answering.
type Options struct {
	// MaxContext caps num_ctx (tokens) whatever the model supports, to bound
	// the memory the runtime allocates; default 8192.
	MaxContext int
	// AnswerTokens are reserved for the answer (at most a quarter of the
	// context) and cap it (num_predict): an answer that reaches them is cut
	// with a note. Default 1024.
	AnswerTokens int
	Temperature  float64
	// FreshTokens bounds the prompt tokens the runtime has not read before
	// (its cache holds the rest): the time to the first token is about
	// FreshTokens divided by the model's reading speed. 0 means no bound
	// but the context window.
	FreshTokens int
	// KeepAlive keeps the model loaded between questions; 0: the server's
	// default.
	KeepAlive time.Duration
	// TermWeight weighs a question's index term (tokenize.Terms) when
	// choosing the sentences to quote: rare terms say more about where the
	// answer is than common ones. Nil weighs all terms alike.
	TermWeight func(term string) float64
	// NumPredict caps the answer's tokens below AnswerTokens (benchmarks);
	// 0: AnswerTokens.
	NumPredict int
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

// Source is a passage given to the model, numbered as the model saw it.
// Its Chunk's Start, End and Text are the quote the model read (offsets into
// the page); PassageStart and PassageEnd are the whole retrieved passage's.
type Source struct {
	N int
	retrieve.Passage
	PassageStart, PassageEnd int
	Cited                    bool // the answer cites [N]
}

// Turn is an earlier exchange in a conversation, with the sources its
// question was sent with (nil for turns saved before quotes were kept: they
// are sent as the bare question).
type Turn struct {
	Question string
	Answer   string
	Sources  []Source
}

// Answer is a complete answer.
type Answer struct {
	Text     string
	Language string // language the model was asked to answer in
	Sources  []Source
	// Dropped counts retrieved passages left out because they did not fit.
	Dropped int
	NumCtx  int // the num_ctx sent to the runtime
	// PromptTokens is what the server counted for the prompt (cached tokens
	// included); EstimatedTokens what Kura estimated for it, FreshTokens the
	// part Kura expected the runtime to read anew. Together they calibrate
	// the estimates (Calibrate, PrefillRate).
	PromptTokens, EstimatedTokens, FreshTokens int
	// Stats are the server's figures for the answer.
	Stats llm.ChatStats
	// FirstToken is the time from the request to the first token.
	FirstToken time.Duration
	// NoPassages is true when nothing was retrieved and the model was not
	// asked at all.
	NoPassages bool
	// Cut is why Kura ended the answer (CutLength, CutLoop; its Text ends
	// with a note saying so), "" when the model ended it.
	Cut string
}

// Chatter is the part of the model runtime answering needs.
type Chatter interface {
	Chat(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error)
}

// Budget is the context window and the token estimate for one model.
type Budget struct {
	NumCtx int
	Tokens Estimator
}

// NewBudget derives the budget from the model's context length (0: unknown)
// and the model's calibrated token scale (0: uncalibrated).
func NewBudget(modelContext int, scale float64, o Options) Budget {
	o = o.normalized()
	n := o.MaxContext
	if modelContext > 0 && modelContext < n {
		n = modelContext
	}
	return Budget{NumCtx: n, Tokens: Estimator{Scale: scale}}
}

// Prepared is a prompt ready to send.
type Prepared struct {
	Model    string
	Messages []llm.Message
	Sources  []Source
	Language string
	Dropped  int
	NumCtx   int
	// PromptTokens is the estimate of the whole prompt, FreshTokens of the
	// part the runtime has not read before.
	PromptTokens, FreshTokens int
	// History is the number of earlier turns sent.
	History int
}

// promptData feeds prompt.tmpl.
type promptData struct {
	Language string
	Passages []Source
	Question string
}

func render(name string, d promptData) (string, error) {
	var b bytes.Buffer
	if err := prompt.ExecuteTemplate(&b, name, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// SystemPrompt is the system message every question starts with. It is the
// same for every question and language, so the runtime reads it once (see
// Preload in the library).
func SystemPrompt() string {
	s, err := render("system", promptData{})
	if err != nil {
		panic(err) // the template is parsed at start and has no inputs
	}
	return s
}

// userMessage renders a question with its quoted sources.
func userMessage(question string, srcs []Source) (string, error) {
	return render("user", promptData{Language: Language(question), Passages: srcs, Question: question})
}

// Prepare builds the messages for question over passages (best first), with
// the conversation's earlier turns, for a runtime whose cache holds the
// messages cached (the last prompt it read for this model, with its
// answer; nil when unknown).
//
// The earlier turns are sent exactly as they were while they fit (half the
// context, and half the fresh-token budget for what the cache does not
// hold), else from the newest turn back. The quotes then share what is left:
// each passage in rank order gets the sentence that best matches the
// question, then the quotes grow by a neighbouring sentence each, round by
// round, while the budget lasts; the passages after the first that gets no
// sentence are dropped.
// When only the time budget stops even the first passage, its best sentence
// is sent anyway: an answer a little slower is better than none.
func Prepare(question string, passages []retrieve.Passage, history []Turn, cached []llm.Message, b Budget, o Options) (Prepared, error) {
	o = o.normalized()
	p := Prepared{Language: Language(question), NumCtx: b.NumCtx}
	sys := SystemPrompt()
	reserve := min(o.AnswerTokens, b.NumCtx/4)
	total := b.NumCtx - reserve - b.Tokens.Count(sys) - 16
	// The fresh-token budget is for the question's own tokens: the system
	// prompt is the same for every question, read once when the model
	// loads (Preload), so it does not count against it.
	fresh := total
	if o.FreshTokens > 0 {
		fresh = o.FreshTokens
	}
	if total <= 0 {
		return p, &ContextError{NumCtx: b.NumCtx, What: "no room for a question"}
	}

	msgs := []llm.Message{{Role: "system", Content: sys}}
	hist, histTokens, histFresh, err := historyMessages(history, cached, b, total/2, max(fresh/2, 0))
	if err != nil {
		return p, err
	}
	msgs = append(msgs, hist...)
	p.History = len(hist) / 2

	bare, err := userMessage(question, nil)
	if err != nil {
		return p, err
	}
	room := min(total-histTokens, fresh-histFresh) - b.Tokens.Count(bare)
	if total-histTokens-b.Tokens.Count(bare) < 0 {
		return p, &ContextError{NumCtx: b.NumCtx, What: "the question is too long"}
	}
	// The quotes are costed piece by piece; the whole prompt is measured
	// after rendering, and the room shrunk by any excess.
	var srcs []Source
	for range 6 {
		srcs = quote(question, passages, room, b.Tokens, o.TermWeight)
		user, err := userMessage(question, srcs)
		if err != nil {
			return p, err
		}
		all := append(append([]llm.Message(nil), msgs...), llm.Message{Role: "user", Content: user})
		over := 0
		if o.FreshTokens > 0 {
			over = FreshTokens(all[1:], cachedAfterSystem(cached, sys), b.Tokens) - o.FreshTokens
		}
		prompt := 0
		for _, m := range all {
			prompt += b.Tokens.Count(m.Content)
		}
		over = max(over, prompt-(b.NumCtx-reserve))
		if over <= 0 || len(srcs) == 0 {
			break
		}
		room -= over
	}
	if len(srcs) == 0 && len(passages) > 0 {
		// Time, not space, left no room: send the best sentence anyway if
		// the context has space for it.
		srcs = quote(question, passages[:1], total-histTokens-b.Tokens.Count(bare), b.Tokens, o.TermWeight)
		if len(srcs) == 0 {
			return p, &ContextError{NumCtx: b.NumCtx, What: "not even one passage fits"}
		}
		srcs = srcs[:1]
		srcs[0].Chunk.Start, srcs[0].Chunk.End, srcs[0].Chunk.Text = firstSentence(srcs[0])
	}
	user, err := userMessage(question, srcs)
	if err != nil {
		return p, err
	}
	msgs = append(msgs, llm.Message{Role: "user", Content: user})
	p.Messages, p.Sources, p.Dropped = msgs, srcs, len(passages)-len(srcs)
	for _, m := range msgs {
		p.PromptTokens += b.Tokens.Count(m.Content)
	}
	p.FreshTokens = FreshTokens(msgs, cached, b.Tokens)
	return p, nil
}

// historyMessages replays the earlier turns. All of them are kept when
// they fit in maxTotal tokens and the part the runtime's cache does not hold
// fits in maxFresh; otherwise the oldest turns are left out (which changes
// the prompt's beginning, so everything kept is fresh) until they fit.
func historyMessages(history []Turn, cached []llm.Message, b Budget, maxTotal, maxFresh int) ([]llm.Message, int, int, error) {
	var all []llm.Message
	costs := make([]int, len(history))
	msgCosts := make([]int, 0, 2*len(history)) // per message of all
	for i, t := range history {
		u, err := userMessage(t.Question, t.Sources)
		if err != nil {
			return nil, 0, 0, err
		}
		all = append(all, llm.Message{Role: "user", Content: u}, llm.Message{Role: "assistant", Content: t.Answer})
		cu, ca := b.Tokens.Count(u)+4, b.Tokens.Count(t.Answer)+4
		msgCosts = append(msgCosts, cu, ca)
		costs[i] = cu + ca
	}
	sum := func(cs []int) int {
		n := 0
		for _, c := range cs {
			n += c
		}
		return n
	}
	// Messages of the history the cache holds: those equal, position by
	// position, to the cached prompt after its system message. The last
	// question usually is; its answer is not (see Library.remember).
	same := 0
	for same < len(all) && same+1 < len(cached) && cached[same+1] == all[same] {
		same++
	}
	freshAll := sum(msgCosts[same:])
	if sum(costs) <= maxTotal && freshAll <= maxFresh {
		return all, sum(costs), freshAll, nil
	}
	for k := 1; k <= len(history); k++ {
		rest := sum(costs[k:])
		if rest <= maxTotal && rest <= maxFresh {
			return all[2*k:], rest, rest, nil
		}
	}
	return nil, 0, 0, nil
}

// cachedAfterSystem is the cached prompt after its system message, as if
// the system message were cached (see Prepare).
func cachedAfterSystem(cached []llm.Message, sys string) []llm.Message {
	if len(cached) > 0 && cached[0].Content == sys {
		return cached[1:]
	}
	return nil
}

// FreshTokens estimates the tokens of msgs the runtime must read: those
// after the messages msgs shares, from the start, with the cached prompt.
func FreshTokens(msgs, cached []llm.Message, e Estimator) int {
	i := 0
	for i < len(msgs) && i < len(cached) && msgs[i] == cached[i] {
		i++
	}
	n := 0
	for _, m := range msgs[i:] {
		n += e.Count(m.Content)
	}
	return n
}

// quoteMax bounds one quoted sentence, in characters: a table or a list
// without full stops is quoted around its match, not whole.
const quoteMax = 240

// sourceCost is the estimated tokens of a source's delimiters and header
// in the prompt (the template's passage element), without its text.
func sourceCost(e Estimator, n int, p retrieve.Passage) int {
	src := Source{N: n, Passage: p}
	src.Text = ""
	var b bytes.Buffer
	if err := prompt.ExecuteTemplate(&b, "passage", src); err != nil {
		panic(err) // the template is parsed at start
	}
	return e.Count(b.String())
}

// passagesHeader is what the prompt adds once when it has passages.
const passagesHeader = "Passages:\n\nusing only the passages above, citing them as [n]"

// quote picks, for each passage in rank order, the sentences that bear on
// question within room tokens (see Prepare). Passages that get nothing are
// left out; a passage may give more than one quote (its sentences that are
// not next to each other), and the quotes are numbered in rank order, then
// in page order. weight gives a query term's weight (its rarity); nil
// weighs all terms alike.
//
// Round one gives each passage, best first, the sentence whose question
// terms weigh most, until one does not fit. Then quotes grow one sentence
// at a time, the most useful first: the sentence right after each first
// pick (it usually completes it), best passage first; then sentences
// anywhere in the passages with question terms no quote holds yet, the
// heaviest first; then neighbours of the quotes, those with question terms
// first, then after before before.
func quote(question string, passages []retrieve.Passage, room int, e Estimator, weight func(string) float64) []Source {
	terms := queryTerms(question)
	w := func(t string) float64 {
		if weight == nil {
			return 1
		}
		return weight(t)
	}
	type cand struct {
		p      retrieve.Passage
		rank   int
		sents  []chunk.Span
		words  [][]string // each sentence's distinct question terms
		best   int
		in     map[int]bool // quoted sentences
		tried  map[int]bool // sentences that did not fit
		quotes int          // runs of quoted sentences
	}
	covered := map[string]bool{}
	score := func(ws []string, onlyNew bool) float64 {
		sum := 0.0
		for _, t := range ws {
			if !onlyNew || !covered[t] {
				sum += w(t)
			}
		}
		return sum
	}
	var cands []*cand
	used := e.Count(passagesHeader)
	for _, p := range passages {
		sents := chunk.Sentences(p.Text, quoteMax)
		if len(sents) == 0 {
			continue
		}
		c := &cand{p: p, rank: len(cands), sents: sents, in: map[int]bool{}, tried: map[int]bool{}}
		for i, s := range sents {
			c.words = append(c.words, sentenceTerms(spanText(p.Text, s), terms))
			if score(c.words[i], false) > score(c.words[c.best], false) {
				c.best = i
			}
		}
		cost := e.Count(spanText(p.Text, sents[c.best])) + sourceCost(e, len(cands)+1, p)
		if used+cost > room {
			break // the passages left out are always the lowest ranked
		}
		used += cost
		c.in[c.best], c.quotes = true, 1
		for _, t := range c.words[c.best] {
			covered[t] = true
		}
		cands = append(cands, c)
	}
	for {
		var pick *cand
		next, pickKey := 0, 0.0
		for _, c := range cands {
			r := float64(c.rank) / 100
			for i := range c.sents {
				if c.in[i] || c.tried[i] {
					continue
				}
				adjacent := c.in[i-1] || c.in[i+1]
				var key float64
				switch {
				case i == c.best+1 && c.in[c.best]:
					key = 2000 - r
				case score(c.words[i], true) > 0:
					key = 1000 + score(c.words[i], true) - r
				case adjacent && len(c.words[i]) > 0:
					key = 500 + score(c.words[i], false) - r
				case c.in[i-1]:
					key = -r
				case c.in[i+1]:
					key = -1 - r
				default:
					continue
				}
				if pick == nil || key > pickKey {
					pick, next, pickKey = c, i, key
				}
			}
		}
		if pick == nil {
			break
		}
		cost := e.Count(spanText(pick.p.Text, pick.sents[next])) + 1
		if !pick.in[next-1] && !pick.in[next+1] {
			cost += sourceCost(e, len(cands)+1, pick.p) // a quote of its own
		}
		if used+cost > room {
			pick.tried[next] = true
			continue
		}
		used += cost
		pick.in[next] = true
		for _, t := range pick.words[next] {
			covered[t] = true
		}
	}
	var out []Source
	for _, c := range cands {
		runes := []rune(c.p.Text)
		for i := 0; i < len(c.sents); i++ {
			if !c.in[i] {
				continue
			}
			j := i
			for j+1 < len(c.sents) && c.in[j+1] {
				j++
			}
			s, e := c.sents[i].Start, c.sents[j].End
			src := Source{N: len(out) + 1, Passage: c.p, PassageStart: c.p.Start, PassageEnd: c.p.End}
			src.Chunk.Start, src.Chunk.End = quoteSpan(c.p.Chunk, s, e)
			src.Chunk.Text = string(runes[s:e])
			out = append(out, src)
			i = j
		}
	}
	return out
}

// firstSentence cuts a source down to its first sentence, for the case
// where one passage must be sent against the time budget.
func firstSentence(s Source) (start, end int, text string) {
	sents := chunk.Sentences(s.Text, quoteMax)
	if len(sents) == 0 {
		return s.Start, s.End, s.Text
	}
	runes := []rune(s.Text)
	start, end = quoteSpan(s.Chunk, sents[0].Start, sents[0].End)
	return start, end, string(runes[sents[0].Start:sents[0].End])
}

// quoteSpan places the quote [s, e) of a passage's text on its page. A
// passage that runs across a page break is not one span of a page's text
// (the break is joined, page furniture left out), so its quote is shown
// as the whole passage, from Start on Page to End on EndPage.
func quoteSpan(c store.Chunk, s, e int) (start, end int) {
	if c.EndPage > c.Page {
		return c.Start, c.End
	}
	return c.Start + s, c.Start + e
}

func spanText(text string, s chunk.Span) string {
	runes := []rune(text)
	return string(runes[s.Start:s.End])
}

// queryTerms are the question's normalised index terms.
func queryTerms(q string) map[string]bool {
	terms := map[string]bool{}
	for _, p := range tokenize.ParseQuery(q) {
		for _, t := range p.Terms {
			terms[t] = true
		}
	}
	return terms
}

// sentenceTerms are the question's terms that the sentence holds, each
// once, in order.
func sentenceTerms(sentence string, terms map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tokenize.Terms(sentence) {
		if terms[t.Text] && !seen[t.Text] {
			seen[t.Text] = true
			out = append(out, t.Text)
		}
	}
	return out
}

// Ask sends a prepared prompt to the chat model, streaming tokens to
// onToken, and returns the answer with its sources marked as cited or not.
// A prompt the server finds too long fails with an error wrapping
// llm.ErrInputTooLong before any token (the caller re-prepares with a
// larger estimate); a cancelled ctx returns the partial answer and ctx.Err().
func Ask(ctx context.Context, chat Chatter, p Prepared, o Options, onToken func(string) error) (Answer, error) {
	o = o.normalized()
	var text strings.Builder
	start := time.Now()
	var first time.Duration
	limit := o.AnswerTokens
	if o.NumPredict > 0 {
		limit = min(o.NumPredict, limit)
	}
	stats, err := chat.Chat(ctx, llm.ChatRequest{Model: p.Model, Messages: p.Messages, NumCtx: p.NumCtx, Temperature: o.Temperature,
		KeepAlive: o.KeepAlive, NumPredict: limit}, func(tok string) error {
		if first == 0 {
			first = time.Since(start)
		}
		text.WriteString(tok)
		if err := onToken(tok); err != nil {
			return err
		}
		if looping(text.String()) {
			return errLoop
		}
		return nil
	})
	var cut string
	switch {
	case errors.Is(err, errLoop):
		cut, err = CutLoop, nil
	case err == nil && stats.DoneReason == "length" && o.NumPredict == 0:
		cut = CutLength
	}
	if cut != "" {
		note := cutNote(cut, p.Language, limit)
		text.WriteString(note)
		err = onToken(note)
	}
	ans := Answer{Text: text.String(), Language: p.Language, Sources: p.Sources, Dropped: p.Dropped, NumCtx: p.NumCtx,
		PromptTokens: stats.PromptTokens, EstimatedTokens: p.PromptTokens, FreshTokens: p.FreshTokens, Stats: stats, FirstToken: first,
		Cut: cut}
	if err != nil {
		return ans, err
	}
	markCited(ans.Sources, ans.Text)
	return ans, nil
}

// NoPassages is the answer when nothing matched, in the question's
// language; the model is not asked.
func NoPassages(question string) Answer {
	lang := Language(question)
	return Answer{Text: noPassages[lang], Language: lang, NoPassages: true}
}

func markCited(srcs []Source, text string) {
	cited := map[int]bool{}
	for _, n := range cite.Numbers(text) {
		cited[n] = true
	}
	for i := range srcs {
		srcs[i].Cited = cited[srcs[i].N]
	}
}

// ContextError means a question cannot be asked within the model's context
// window of NumCtx tokens, whatever is left out: What says what does not
// fit. The remedy is a model with a longer context (the window is the
// model's own when it is below the max_context setting).
type ContextError struct {
	NumCtx int
	What   string
}

func (e *ContextError) Error() string {
	return fmt.Sprintf("%s in the model's context of %d tokens: choose a model with a longer context", e.What, e.NumCtx)
}

// ErrTooLong reports a prompt the runtime refused as longer than its
// context; see Ask.
var ErrTooLong = llm.ErrInputTooLong

// IsTooLong reports whether err is the runtime refusing a prompt as too
// long.
func IsTooLong(err error) bool { return errors.Is(err, llm.ErrInputTooLong) }

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
