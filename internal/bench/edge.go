package bench

// The edge benchmark measures what a user of a CPU laptop waits for, through
// the same code as `kura ingest` and `kura ask`, with the runtime and models
// the library was opened with (for the figures in docs/BENCHMARKS.md: the
// bundled runtime serving random-weight models of the real shapes, see
// internal/ollamatest/shapes and `make bench-edge`):
//
//   - how long until every document of a real corpus is keyword-searchable,
//   - how fast passages get their vectors,
//   - how long a question takes to show its sources and its first token,
//     cold (the model not loaded) and warm, and whether that time is what
//     the prompt's new tokens cost at the model's reading speed,
//   - whether a follow-up question in a conversation reuses the cache,
//   - how much memory Kura and the runtime hold.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/machine"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/retrieve"
)

// EdgeCollection is the collection the edge benchmark rebuilds.
const EdgeCollection = "bench-edge"

// EdgeOptions configure Edge. Zero fields take the defaults.
type EdgeOptions struct {
	// Corpus are the folders to index (default: the shared corpus's pdf
	// and text folders beside the repository).
	Corpus []string
	// EmbedFor bounds the embedding phase, which is then sampled: its rate
	// is what counts, not embedding everything (default 3 minutes; negative:
	// until done).
	EmbedFor time.Duration
	// Questions is how many of the corpus questions to ask (default 12,
	// spread over both languages; at least 10 warm ones are timed).
	Questions int
	// AnswerTokens caps each answer (default 48): the benchmark times the
	// start and the speed of answers.
	AnswerTokens int
	// Backend tells the runtime's CPU library (nil: unknown).
	Backend func() ollamarun.CPUBackend
	// RuntimePid is the bundled runtime's process, for its memory (0: not
	// measured).
	RuntimePid int
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// EdgeReport is the benchmark's result; the JSON names are those of
// docs/BENCHMARKS.md.
type EdgeReport struct {
	CPU        EdgeCPU `json:"cpu"`
	ChatModel  string  `json:"chat_model"`
	EmbedModel string  `json:"embed_model"`
	Documents  int     `json:"documents"`
	Chunks     int     `json:"chunks"`
	// KeywordReadyS: start of the ingest until every document is
	// keyword-searchable.
	KeywordReadyS float64 `json:"keyword_ready_s"`
	// EmbedChunksPerS is passages embedded per second over the embedding
	// phase (model load included), EmbedChunks how many were timed.
	EmbedChunksPerS float64 `json:"embed_chunks_per_s"`
	EmbedChunks     int     `json:"embed_chunks"`
	// SourcesP50MS: question to passages ready to show (query embedding,
	// hybrid search and quoting).
	SourcesP50MS float64 `json:"sources_p50_ms"`
	SourcesP95MS float64 `json:"sources_p95_ms"`
	// TTFT: question to first answer token through library.Ask, the model
	// loaded (warm) or not (cold: the first question after start).
	TTFTP50MS  float64 `json:"ttft_p50_ms"`
	TTFTP95MS  float64 `json:"ttft_p95_ms"`
	TTFTColdMS float64 `json:"ttft_cold_ms"`
	// TTFTvsPrefill is the median of each warm question's TTFT divided by
	// its new prompt tokens over the model's reading speed: 1 means the
	// wait is exactly the prompt's reading.
	TTFTvsPrefill float64 `json:"ttft_vs_prefill_p50"`
	// PrefillTokPerS is the reading speed over the cold question's whole
	// prompt (all new to the runtime); GenTokPerS the median answer speed.
	PrefillTokPerS float64 `json:"prefill_tok_per_s"`
	GenTokPerS     float64 `json:"gen_tok_per_s"`
	// PromptTokensP50 is the server's count for the whole prompt (cached
	// part included); FreshTokensP50 Kura's estimate of its new part,
	// calibrated.
	PromptTokensP50 int `json:"prompt_tokens_p50"`
	FreshTokensP50  int `json:"fresh_tokens_p50"`
	// Evidence: share of the timed questions whose retrieved passages hold
	// the evidence, and whose quotes sent to the model do.
	EvidenceInPassages float64 `json:"evidence_in_passages"`
	EvidenceInPrompt   float64 `json:"evidence_in_prompt"`
	// FollowUp is a second question in the same conversation.
	FollowUp   EdgeFollowUp `json:"follow_up"`
	RSSMBKura  float64      `json:"rss_mb_kura"`
	RSSMBRun   float64      `json:"rss_mb_runtime"`
	Questions  int          `json:"questions"`
	ElapsedS   float64      `json:"elapsed_s"`
	StartedAt  string       `json:"started_at"`
	LoadAvg1   float64      `json:"load_avg_1m"`
	FirstToken int          `json:"first_token_target_s"`
}

// EdgeCPU names the machine and the runtime's CPU library.
type EdgeCPU struct {
	Name             string   `json:"name"`
	Cores            int      `json:"cores"`
	SIMD             []string `json:"simd"`
	MemoryGB         int      `json:"memory_gb"`
	Backend          string   `json:"backend"`
	BackendConfirmed bool     `json:"backend_confirmed"`
}

// EdgeFollowUp is the cost of a follow-up question: its prompt holds the
// first turn again, which the runtime should find in its cache.
type EdgeFollowUp struct {
	PromptTokens int     `json:"prompt_tokens"`
	FreshTokens  int     `json:"fresh_tokens"`
	PrefillMS    float64 `json:"prefill_ms"`
	// TokensRead is PrefillMS at the reading speed: close to FreshTokens
	// when the cache served the rest, close to PromptTokens when not.
	TokensRead int     `json:"tokens_read"`
	TTFTMS     float64 `json:"ttft_ms"`
}

// Edge runs the benchmark over lib (whose configured chat and embedding
// models are measured). It replaces the collection EdgeCollection.
func Edge(ctx context.Context, lib *library.Library, o EdgeOptions) (EdgeReport, error) {
	start := time.Now()
	if len(o.Corpus) == 0 {
		root, err := ollamarun.ModuleRoot()
		if err != nil {
			return EdgeReport{}, fmt.Errorf("find the shared corpus: %w (give the folders)", err)
		}
		for _, d := range []string{"pdf", "text"} {
			o.Corpus = append(o.Corpus, filepath.Join(root, "..", "shared", "corpus", d))
		}
	}
	if o.EmbedFor == 0 {
		o.EmbedFor = 3 * time.Minute
	}
	if o.Questions <= 0 {
		o.Questions = 12
	}
	if o.AnswerTokens <= 0 {
		o.AnswerTokens = 48
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	cfg := lib.Config()
	m := machine.Read()
	r := EdgeReport{ChatModel: cfg.ChatModel, EmbedModel: cfg.EmbedModel, StartedAt: start.UTC().Format(time.RFC3339),
		CPU: EdgeCPU{Name: m.CPU, Cores: m.Cores, SIMD: m.SIMD, MemoryGB: m.MemoryGB()}, LoadAvg1: machine.Load(), FirstToken: cfg.FirstTokenSeconds}
	if r.CPU.SIMD == nil {
		r.CPU.SIMD = []string{}
	}

	// A cold start: neither model in memory.
	for _, model := range []string{cfg.ChatModel, cfg.EmbedModel} {
		if err := lib.UnloadModel(ctx, model); err != nil {
			return r, err
		}
	}
	if _, err := lib.Collection(ctx, EdgeCollection); err == nil {
		if err := lib.DeleteCollection(ctx, EdgeCollection); err != nil {
			return r, err
		}
	}

	// Ingest: reading (timed to keyword-ready), then embedding (sampled).
	logf("indexing %s", strings.Join(o.Corpus, ", "))
	ectx, stopEmbed := context.WithCancel(ctx)
	defer stopEmbed()
	ingestStart := time.Now()
	var embedStart time.Time
	var timer *time.Timer
	sum, err := lib.Ingest(ectx, EdgeCollection, o.Corpus, library.IngestOptions{}, func(p ingest.Progress) error {
		if p.Phase == ingest.PhaseEmbed && embedStart.IsZero() {
			embedStart = time.Now()
			r.KeywordReadyS = secs(embedStart.Sub(ingestStart))
			logf("keyword search ready after %.1f s; embedding (sampled for at most %s)", r.KeywordReadyS, o.EmbedFor)
			if o.EmbedFor > 0 {
				timer = time.AfterFunc(o.EmbedFor, stopEmbed)
			}
		}
		return nil
	})
	if timer != nil {
		timer.Stop()
	}
	if err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() == nil) {
		return r, fmt.Errorf("ingest: %w", err)
	}
	if len(sum.Failed) > 0 {
		return r, fmt.Errorf("ingest: %d files failed, first %s: %s", len(sum.Failed), sum.Failed[0].Path, sum.Failed[0].Reason)
	}
	if embedStart.IsZero() {
		return r, errors.New("ingest: the embedding phase never started")
	}
	if sum.Lexical && !sum.Canceled {
		return r, fmt.Errorf("ingest: no vectors: %v", sum.Warnings)
	}
	r.EmbedChunks = sum.Vectors
	r.EmbedChunksPerS = round(float64(sum.Vectors)/time.Since(embedStart).Seconds(), 3)
	c, err := lib.Collection(ctx, EdgeCollection)
	if err != nil {
		return r, err
	}
	r.Documents, r.Chunks = c.Documents, c.Chunks
	logf("%d documents, %d passages; %d embedded at %.2f passages/s", c.Documents, c.Chunks, sum.Vectors, r.EmbedChunksPerS)

	// Questions: the first is cold, the rest warm.
	lib.LimitAnswers(o.AnswerTokens)
	defer lib.LimitAnswers(0)
	qs := spread(Questions, o.Questions+1)
	var sources, ttfts, ratios, gens []float64
	var prompts, freshes []int
	inPassages, inPrompt := 0, 0
	for i, q := range qs {
		a, err := timeAsk(ctx, lib, q.Query, nil)
		if err != nil {
			return r, fmt.Errorf("ask %q: %w", q.Query, err)
		}
		if i == 0 {
			r.TTFTColdMS = ms(a.ttft)
			if a.res.Stats.PromptDuration > 0 {
				r.PrefillTokPerS = round(float64(a.res.PromptTokens)/a.res.Stats.PromptDuration.Seconds(), 1)
			}
			logf("cold: first token after %.1f s (model load %.1f s, %d prompt tokens)", a.ttft.Seconds(), a.res.Stats.LoadDuration.Seconds(), a.res.PromptTokens)
			continue
		}
		sources = append(sources, ms(a.sources))
		ttfts = append(ttfts, ms(a.ttft))
		prompts = append(prompts, a.res.PromptTokens)
		fresh := a.freshTokens()
		freshes = append(freshes, fresh)
		if r.PrefillTokPerS > 0 && fresh > 0 {
			ratios = append(ratios, a.ttft.Seconds()/(float64(fresh)/r.PrefillTokPerS))
		}
		if d := a.res.Stats.OutputDuration; d > 0 && a.res.Stats.OutputTokens > 1 {
			gens = append(gens, float64(a.res.Stats.OutputTokens)/d.Seconds())
		}
		if slices.ContainsFunc(a.res.Search.Passages, func(p retrieve.Passage) bool { return q.Answered(p.Path, p.Text) }) {
			inPassages++
		}
		if slices.ContainsFunc(a.res.Sources, func(s answer.Source) bool { return q.Answered(s.Path, s.Text) }) {
			inPrompt++
		}
		logf("[%d/%d] sources %.0f ms, first token %.1f s, %d prompt tokens (%d new)", i, len(qs)-1, ms(a.sources), a.ttft.Seconds(), a.res.PromptTokens, fresh)
	}
	r.Questions = len(ttfts)
	r.SourcesP50MS, r.SourcesP95MS = percentile(sources, 50), percentile(sources, 95)
	r.TTFTP50MS, r.TTFTP95MS = percentile(ttfts, 50), percentile(ttfts, 95)
	r.TTFTvsPrefill = round(percentile(ratios, 50), 3)
	r.GenTokPerS = round(percentile(gens, 50), 2)
	r.PromptTokensP50 = int(percentile(ints(prompts), 50))
	r.FreshTokensP50 = int(percentile(ints(freshes), 50))
	r.EvidenceInPassages = round(float64(inPassages)/float64(r.Questions), 3)
	r.EvidenceInPrompt = round(float64(inPrompt)/float64(r.Questions), 3)

	// A follow-up: the first turn is sent again and should be cached.
	first, err := timeAsk(ctx, lib, qs[1].Query, nil)
	if err != nil {
		return r, err
	}
	turn := answer.Turn{Question: qs[1].Query, Answer: first.res.Text, Sources: first.res.Sources}
	follow, err := timeAsk(ctx, lib, qs[2].Query, []answer.Turn{turn})
	if err != nil {
		return r, err
	}
	r.FollowUp = EdgeFollowUp{PromptTokens: follow.res.PromptTokens, FreshTokens: follow.freshTokens(),
		PrefillMS: ms(follow.res.Stats.PromptDuration), TTFTMS: ms(follow.ttft)}
	r.FollowUp.TokensRead = int(follow.res.Stats.PromptDuration.Seconds() * r.PrefillTokPerS)
	logf("follow-up: %d prompt tokens, %d new, read in %.1f s (%d tokens at the cold rate)", r.FollowUp.PromptTokens, r.FollowUp.FreshTokens, r.FollowUp.PrefillMS/1000, r.FollowUp.TokensRead)

	if o.Backend != nil {
		b := o.Backend()
		r.CPU.Backend, r.CPU.BackendConfirmed = b.Variant, b.Confirmed
		if b.Variant == "" {
			r.CPU.Backend = "builtin"
		}
	}
	r.RSSMBKura = peakRSSMB()
	if o.RuntimePid > 0 {
		r.RSSMBRun = treeRSSMB(o.RuntimePid)
	}
	r.ElapsedS = round(time.Since(start).Seconds(), 1)
	return r, nil
}

// timed is one question's answer with its times.
type timed struct {
	res           library.AskResult
	prepared      answer.Prepared
	sources, ttft time.Duration
}

// freshTokens is the estimate of the prompt's new tokens, scaled by what
// the server counted for the whole prompt.
func (t timed) freshTokens() int {
	if t.prepared.PromptTokens <= 0 || t.res.PromptTokens <= 0 {
		return t.prepared.FreshTokens
	}
	return int(float64(t.prepared.FreshTokens) * float64(t.res.PromptTokens) / float64(t.prepared.PromptTokens))
}

func timeAsk(ctx context.Context, lib *library.Library, q string, history []answer.Turn) (timed, error) {
	var t timed
	start := time.Now()
	res, err := lib.Ask(ctx, EdgeCollection, q, history, library.AskEvents{
		Sources: func(ac library.AskContext) error {
			t.sources = time.Since(start)
			t.prepared = ac.Prepared
			return nil
		},
		Token: func(string) error {
			if t.ttft == 0 {
				t.ttft = time.Since(start)
			}
			return nil
		},
	})
	t.res = res
	if err == nil && t.ttft == 0 {
		err = errors.New("the answer had no token")
	}
	return t, err
}

// spread picks n questions across the list, alternating languages as the
// list does.
func spread(qs []Question, n int) []Question {
	if n >= len(qs) {
		return qs
	}
	out := make([]Question, 0, n)
	for i := range n {
		out = append(out, qs[i*len(qs)/n])
	}
	return out
}

func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return round(s[max(0, min(i, len(s))-1)], 1)
}

func ints(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func secs(d time.Duration) float64 { return round(d.Seconds(), 2) }

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// treeRSSMB is the peak resident memory of pid and its descendants (the
// runtime's server and its model runners), from /proc (Linux; 0 elsewhere).
func treeRSSMB(pid int) float64 {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 1 {
				ppid, _ := strconv.Atoi(f[1])
				children[ppid] = append(children[ppid], p)
			}
		}
	}
	var total float64
	var walk func(int)
	walk = func(p int) {
		total += statusMB(p, "VmHWM:")
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return round(total, 1)
}

func statusMB(pid int, key string) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
