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
	chunks := fs.Int("chunks", 10000, "chunks in the synthetic index")
	dim := fs.Int("dim", 768, "vector dimension")
	queries := fs.Int("queries", 100, "queries to time")
	seed := fs.Int64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print JSON")
	measure := fs.String("measure", "", "internal: measure the index in this folder and print JSON")
	keep := fs.String("dir", "", "build the index in this folder and keep it (reused when it already holds one)")
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
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
		fmt.Fprintf(a.Stderr, "building a synthetic index of %d chunks (%d-dim)…\n", *chunks, *dim)
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
	fmt.Fprintf(a.Stdout, "chunks %d (dim %d), build %.1fs, disk %.0f MB\nopen %.0f ms, rss %.0f MB\n", r.Chunks, r.Dim, r.BuildMS/1000, r.DiskMB, r.OpenMS, r.RSSMB)
	fmt.Fprintf(a.Stdout, "query p50/p95 ms: lexical %.1f/%.1f, vector %.1f/%.1f, hybrid %.1f/%.1f; brute-force scan p50 %.1f\n",
		r.QueryP50MS.Lexical, r.QueryP95MS.Lexical, r.QueryP50MS.Vector, r.QueryP95MS.Vector, r.QueryP50MS.Hybrid, r.QueryP95MS.Hybrid, r.ScanP50MS)
	return ExitOK
}
