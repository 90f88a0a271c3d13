package ocr

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/ocr/ocrtest"
)

// BenchmarkRecognisePage reads one scanned page per language the way
// ingest does (OSD, then recognition with the script's models, one thread)
// and reports seconds per page. Pages are corpus pages rendered at 200 dpi,
// as a scanner at its usual setting would deliver them.
func BenchmarkRecognisePage(b *testing.B) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		b.Fatalf("OCR engine: %v (make deps installs it)", err)
	}
	b.Logf("machine: %s, %d cores; engine %s; load %s", cpuModel(), runtime.NumCPU(), e.ID(), loadAvg())
	for _, bc := range []struct {
		name, pdf string
		page      int
	}{
		{"japanese", "001_1473911884bdf481.pdf", 3},
		{"korean", "004_8b294292eef632cb.pdf", 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			src := corpusFile(b, bc.pdf)
			img := ocrtest.RenderPage(b, src, bc.page, 200)
			start := time.Now()
			for b.Loop() {
				if _, err := e.Image(context.Background(), img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/page")
		})
	}
	// The reference: the Japanese page recognised with all four language
	// models and no OSD, what picking the models by script saves.
	b.Run("japanese, all models, no OSD", func(b *testing.B) {
		src := corpusFile(b, "001_1473911884bdf481.pdf")
		img := ocrtest.RenderPage(b, src, 3, 200)
		start := time.Now()
		for b.Loop() {
			if _, err := e.run(context.Background(), e.tesseract, img, "stdout", "-l", e.allLangs(), "--psm", "3"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/page")
	})
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
