package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/library"
)

// bench builds a synthetic index in a temporary folder, then measures it in
// a fresh child process (so open time and memory are those of a cold
// start) and prints the report.
func (a *App) bench(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	chunks := fs.Int("chunks", 10000, "passages in the synthetic index")
	dim := fs.Int("dim", 768, "vector dimension")
	queries := fs.Int("queries", 100, "queries to time")
	seed := fs.Int64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print JSON")
	measure := fs.String("measure", "", "internal: measure the index in this folder and print JSON")
	keep := fs.String("dir", "", "build the index in this folder and keep it (reused when it already holds one)")
	edge := fs.Bool("edge", false, "measure a laptop's waits instead: index the shared corpus and ask questions through the model runtime (see docs/BENCHMARKS.md)")
	var c Common
	fs.StringVar(&c.Data, "data", "", "with --edge: data folder (its runtime, models and settings)")
	fs.StringVar(&c.Ollama, "ollama", "", "with --edge: Ollama URL")
	chat := fs.String("chat", "", "with --edge: chat model (default: the configured one)")
	embed := fs.String("embed", "", "with --edge: embedding model (default: the configured one)")
	embedFor := fs.Duration("embed-for", 3*time.Minute, "with --edge: sample the embedding phase this long (0: until done)")
	questions := fs.Int("questions", 12, "with --edge: questions to ask (one more is asked cold)")
	var corpus stringList
	fs.Var(&corpus, "corpus", "with --edge: a folder to index (repeatable; default the shared corpus's pdf and text folders)")
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	if *edge {
		c.JSON = *asJSON
		return a.benchEdge(ctx, c, *chat, *embed, bench.EdgeOptions{Corpus: corpus, EmbedFor: orUntilDone(*embedFor), Questions: *questions})
	}
	if *measure != "" {
		r, err := bench.Measure(ctx, *measure, *queries, *seed)
		if err != nil {
			return a.fail(err)
		}
		r.CPUs = runtime.NumCPU()
		writeJSON(a.Stdout, r)
		return ExitOK
	}
	dir := *keep
	var buildMS float64
	if dir == "" {
		d, err := os.MkdirTemp("", "kura-bench-*")
		if err != nil {
			return a.fail(err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, library.IndexFile)); err != nil {
		fmt.Fprintf(a.Stderr, "building a synthetic index of %d passages (%d-dim)…\n", *chunks, *dim)
		t0 := time.Now()
		if err := bench.Build(ctx, dir, *chunks, *dim, *seed); err != nil {
			return a.fail(err)
		}
		buildMS = float64(time.Since(t0).Milliseconds())
	}
	exe, err := os.Executable()
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintln(a.Stderr, "measuring in a fresh process…")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "bench", "--measure", dir, "--queries", fmt.Sprint(*queries), "--seed", fmt.Sprint(*seed))
	cmd.Stdout, cmd.Stderr = &out, a.Stderr
	if err := cmd.Run(); err != nil {
		return a.fail(fmt.Errorf("bench measurement: %w", err))
	}
	var r bench.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return a.fail(fmt.Errorf("bench measurement output: %w", err))
	}
	r.BuildMS = buildMS
	r.DiskMB = bench.DiskMB(dir)
	if *asJSON {
		writeJSON(a.Stdout, r)
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "passages %d (dim %d), build %.1fs, disk %.0f MB\nopen %.0f ms, rss %.0f MB\n", r.Chunks, r.Dim, r.BuildMS/1000, r.DiskMB, r.OpenMS, r.RSSMB)
	fmt.Fprintf(a.Stdout, "query p50/p95 ms: lexical %.1f/%.1f, vector %.1f/%.1f, hybrid %.1f/%.1f; brute-force scan p50 %.1f\n",
		r.QueryP50MS.Lexical, r.QueryP95MS.Lexical, r.QueryP50MS.Vector, r.QueryP95MS.Vector, r.QueryP50MS.Hybrid, r.QueryP95MS.Hybrid, r.ScanP50MS)
	return ExitOK
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// orUntilDone maps the flag's 0 ("until done") to EdgeOptions' negative.
func orUntilDone(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// benchEdge runs the edge benchmark on the data folder's runtime with the
// given models and prints its report (JSON: one object on the last line).
func (a *App) benchEdge(ctx context.Context, c Common, chat, embed string, o bench.EdgeOptions) int {
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	cfg := lib.Config()
	if chat != "" {
		cfg.ChatModel = chat
	}
	if embed != "" {
		cfg.EmbedModel = embed
	}
	if err := lib.SetConfig(cfg); err != nil {
		return a.fail(err)
	}
	if a.Runtime != nil {
		info := a.Runtime()
		o.Backend, o.RuntimePid = info.CPUBackend, info.Pid
	}
	o.Log = a.Stderr
	r, err := bench.Edge(ctx, lib, o)
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		// One line: `make bench-edge` prints it last, for scripts.
		b, err := json.Marshal(r)
		if err != nil {
			return a.fail(err)
		}
		fmt.Fprintf(a.Stdout, "%s\n", b)
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "cpu %s, %d cores (%s), backend %s\nmodels: chat %s, embedding %s\n", r.CPU.Name, r.CPU.Cores,
		strings.Join(r.CPU.SIMD, " "), r.CPU.Backend, r.ChatModel, r.EmbedModel)
	fmt.Fprintf(a.Stdout, "keyword search ready in %.1f s (%d documents, %d passages); embedding %.2f passages/s\n",
		r.KeywordReadyS, r.Documents, r.Chunks, r.EmbedChunksPerS)
	fmt.Fprintf(a.Stdout, "sources p50 %.0f ms; first token p50 %.1f s, p95 %.1f s, cold %.1f s; prompt p50 %d tokens (%d new)\n",
		r.SourcesP50MS, r.TTFTP50MS/1000, r.TTFTP95MS/1000, r.TTFTColdMS/1000, r.PromptTokensP50, r.FreshTokensP50)
	fmt.Fprintf(a.Stdout, "reading %.1f tokens/s, writing %.1f tokens/s; memory: kura %.0f MB, runtime %.0f MB\n",
		r.PrefillTokPerS, r.GenTokPerS, r.RSSMBKura, r.RSSMBRun)
	return ExitOK
}
