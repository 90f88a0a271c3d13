// Package bench measures Kura's index on a synthetic collection: how long
// opening takes (vectors loaded), query latency for lexical, vector and
// hybrid search, memory, and a plain brute-force dot-product scan over the
// same vectors as the physical reference. `kura bench --json` prints its
// Report; docs/BENCHMARKS.md records the figures and the method.
//
// The text is generated from a seeded mix of Japanese and English words so
// that FTS postings resemble a real mixed library; vectors are seeded random
// unit vectors (the model's cost is not part of the index's).
package bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
)

// Collection is the name of the synthetic collection.
const Collection = "bench"

// EmbedModel is the name recorded for the synthetic vectors.
const EmbedModel = "bench-random"

// Build writes a synthetic index of n chunks with dim-dimensional vectors
// into dataDir.
func Build(ctx context.Context, dataDir string, n, dim int, seed int64) error {
	st, err := store.Open(filepath.Join(dataDir, library.IndexFile))
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.EnsureCollection(ctx, Collection)
	if err != nil {
		return err
	}
	set, err := st.EnsureVectorSet(ctx, c.ID, EmbedModel, dim)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(seed))
	const perDoc = 100
	for d := 0; d*perDoc < n; d++ {
		count := min(perDoc, n-d*perDoc)
		chunks := make([]store.NewChunk, count)
		vecs := make([][]float32, count)
		for i := range chunks {
			text := Sentence(rng, 40+rng.Intn(40))
			chunks[i] = store.NewChunk{Page: 1 + i/10, Start: 0, End: len([]rune(text)), Text: text, Terms: tokenize.IndexText(text)}
			vecs[i] = RandomUnit(rng, dim)
		}
		doc := store.Document{CollectionID: c.ID, Path: fmt.Sprintf("/bench/doc-%05d.pdf", d), Hash: strconv.Itoa(d), Status: store.StatusLexical}
		_, _, ids, err := st.PutDocument(ctx, doc, nil, chunks)
		if err != nil {
			return err
		}
		sv := make([]store.Vector, count)
		for i, id := range ids {
			sv[i] = store.Vector{ChunkID: id, Vec: vecs[i]}
		}
		if _, err := st.SetVectors(ctx, set.ID, sv); err != nil {
			return err
		}
	}
	return nil
}

// The synthetic vocabulary: Zipf-distributed words, as in real text, so
// that posting lists have realistic lengths (a few very common terms, a long
// tail of rare ones). Japanese words are 2-4 kanji or 3-6 katakana joined by
// particles; English words are 3-9 letters; IDs appear now and then.
var (
	vocabOnce sync.Once
	jaVocab   []string
	enVocab   []string
)

var jaParticles = strings.Fields("の は が を に で と も から まで について により として")

func vocab() {
	rng := rand.New(rand.NewSource(42))
	kanji := make([]rune, 2500)
	for i := range kanji {
		kanji[i] = rune(0x4E00 + rng.Intn(0x9FA0-0x4E00))
	}
	jaVocab = make([]string, 20000)
	for i := range jaVocab {
		var w []rune
		if rng.Intn(4) == 0 {
			for range 3 + rng.Intn(4) {
				w = append(w, rune(0x30A2+rng.Intn(0x30F3-0x30A2)))
			}
		} else {
			for range 2 + rng.Intn(3) {
				w = append(w, kanji[rng.Intn(len(kanji))])
			}
		}
		jaVocab[i] = string(w)
	}
	enVocab = make([]string, 8000)
	for i := range enVocab {
		b := make([]byte, 3+rng.Intn(7))
		for j := range b {
			b[j] = byte('a' + rng.Intn(26))
		}
		enVocab[i] = string(b)
	}
}

// Sentence returns mixed Japanese and English text of about n words.
func Sentence(rng *rand.Rand, n int) string {
	vocabOnce.Do(vocab)
	ja := rand.NewZipf(rng, 1.07, 2, uint64(len(jaVocab)-1))
	en := rand.NewZipf(rng, 1.07, 2, uint64(len(enVocab)-1))
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch r := rng.Intn(20); {
		case r < 13:
			b.WriteString(jaVocab[ja.Uint64()])
			b.WriteString(jaParticles[rng.Intn(len(jaParticles))])
		case r < 19:
			b.WriteString(" " + enVocab[en.Uint64()] + " ")
		default:
			fmt.Fprintf(&b, " ID-%04d ", rng.Intn(10000))
		}
		if rng.Intn(12) == 0 {
			b.WriteString("。")
		}
	}
	return strings.TrimSpace(b.String()) + "。"
}

// RandomUnit returns a seeded random unit vector.
func RandomUnit(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		f := rng.NormFloat64()
		v[i] = float32(f)
		norm += f * f
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// Percentiles are latencies in milliseconds.
type Percentiles struct {
	Lexical float64 `json:"lexical"`
	Vector  float64 `json:"vector"`
	Hybrid  float64 `json:"hybrid"`
}

// Report is what `kura bench --json` prints.
type Report struct {
	Chunks     int         `json:"chunks"`
	Dim        int         `json:"dim"`
	Queries    int         `json:"queries"`
	BuildMS    float64     `json:"build_ms"`
	DiskMB     float64     `json:"disk_mb"`
	OpenMS     float64     `json:"open_ms"`
	QueryP50MS Percentiles `json:"query_p50_ms"`
	QueryP95MS Percentiles `json:"query_p95_ms"`
	ScanP50MS  float64     `json:"scan_p50_ms"`
	RSSMB      float64     `json:"rss_mb"`
	CPUs       int         `json:"cpus"`
}

// Measure opens the index in dataDir (as a fresh process would) and times
// queries. It fills every field of Report but Build and Disk figures.
func Measure(ctx context.Context, dataDir string, queries int, seed int64) (Report, error) {
	var r Report
	client, err := llm.New("http://127.0.0.1:1") // never contacted: the bench embeds locally
	if err != nil {
		return r, err
	}
	start := time.Now()
	lib, err := library.Open(ctx, dataDir, config.Default(), client)
	if err != nil {
		return r, err
	}
	defer lib.Close()
	r.OpenMS = ms(time.Since(start))
	c, err := lib.Collection(ctx, Collection)
	if err != nil {
		return r, err
	}
	r.Chunks = c.Chunks
	r.Dim = c.EmbedDim
	r.Queries = queries

	rng := rand.New(rand.NewSource(seed + 1))
	qs := make([]string, queries)
	for i := range qs {
		qs[i] = Sentence(rng, 2+rng.Intn(3))
	}
	embed := func(_ context.Context, q string) ([]float32, error) {
		h := fnv.New64a()
		h.Write([]byte(q))
		return RandomUnit(rand.New(rand.NewSource(int64(h.Sum64()))), c.EmbedDim), nil
	}
	st, idx := lib.Internals()
	searcher := retrieve.Searcher{Store: st, Index: idx}
	var lex, vec, hyb []time.Duration
	for _, q := range qs {
		t0 := time.Now()
		if _, err := searcher.Lexical(ctx, c, q, 50); err != nil {
			return r, err
		}
		lex = append(lex, time.Since(t0))
		qv, _ := embed(ctx, q)
		t0 = time.Now()
		if _, err := idx.Query(ctx, c.ActiveSet, qv, 50); err != nil {
			return r, err
		}
		vec = append(vec, time.Since(t0))
		t0 = time.Now()
		// As library.Search does: the collection is looked up per search.
		cur, err := lib.Collection(ctx, Collection)
		if err != nil {
			return r, err
		}
		res, err := searcher.Search(ctx, cur, q, embed, retrieve.Options{K: 6})
		if err != nil {
			return r, err
		}
		if res.Mode != retrieve.ModeHybrid {
			return r, fmt.Errorf("bench search ran in %s mode: %s", res.Mode, res.Warning)
		}
		hyb = append(hyb, time.Since(t0))
	}
	r.QueryP50MS = Percentiles{pct(lex, 50), pct(vec, 50), pct(hyb, 50)}
	r.QueryP95MS = Percentiles{pct(lex, 95), pct(vec, 95), pct(hyb, 95)}
	r.RSSMB = peakRSSMB() // before the reference scan allocates its own copy
	r.ScanP50MS = scan(ctx, idx, st, c, qs, embed)
	return r, nil
}

// scan is the reference: a flat array of the same vectors and a plain
// single-threaded dot product with a top-k selection.
func scan(ctx context.Context, _ *vector.Index, st *store.Store, c store.Collection, qs []string, embed retrieve.EmbedFunc) float64 {
	flat := make([]float32, 0, c.Vectors*c.EmbedDim)
	st.EachVector(ctx, c.ActiveSet, func(v store.Vector) error { flat = append(flat, v.Vec...); return nil })
	dim := c.EmbedDim
	n := len(flat) / dim
	var ts []time.Duration
	scores := make([]float32, n)
	for _, q := range qs {
		qv, _ := embed(ctx, q)
		t0 := time.Now()
		for i := 0; i < n; i++ {
			row := flat[i*dim : (i+1)*dim]
			var s float32
			for j, x := range qv {
				s += x * row[j]
			}
			scores[i] = s
		}
		topK(scores, 50)
		ts = append(ts, time.Since(t0))
	}
	return pct(ts, 50)
}

func topK(scores []float32, k int) []int {
	idx := make([]int, 0, k+1)
	for i, s := range scores {
		if len(idx) < k || s > scores[idx[len(idx)-1]] {
			j := sort.Search(len(idx), func(j int) bool { return scores[idx[j]] < s })
			idx = append(idx, 0)
			copy(idx[j+1:], idx[j:])
			idx[j] = i
			if len(idx) > k {
				idx = idx[:k]
			}
		}
	}
	return idx
}

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return ms(s[max(0, min(i, len(s))-1)])
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// peakRSSMB reads the process's peak resident set from /proc (Linux); 0
// elsewhere.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return math.Round(kb/1024*10) / 10
			}
		}
	}
	return 0
}

// DiskMB is the size of the files in dir.
func DiskMB(dir string) float64 {
	var total int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return math.Round(float64(total)/(1<<20)*10) / 10
}
