package ollamarun

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/cpu"
)

// The bundled runtime computes on the CPU with one of several builds of
// ggml's CPU backend, shared libraries in lib/ollama beside bin/ollama
// (`make ollama`), each compiled for one level of instruction sets. At run
// time ggml loads the one with the highest score the CPU supports; without
// any, it falls back to the backend compiled into the binary through cgo,
// which uses SSE2 only and is about 20 times slower at reading a prompt.

// CPUBackend describes the CPU library the runtime computes with.
type CPUBackend struct {
	// Variant is the library's level: "x64" (baseline), "sse42",
	// "sandybridge" (AVX), "haswell" (AVX2, FMA, F16C), "skylakex"
	// (AVX-512), "icelake" (AVX-512 VBMI and VNNI), "alderlake" (AVX-VNNI),
	// or an arm64 level ("armv8.2_2"). "" means none fits: the built-in
	// SSE2 backend.
	Variant string
	// Library is the shared library's path ("" for the built-in backend).
	Library string
	// Features are the instruction sets the variant uses.
	Features []string
	// Confirmed is true when the runtime's own log named the library it
	// loaded (it does when a model loads); otherwise the variant is the one
	// ggml's rules pick for this CPU among the libraries present.
	Confirmed bool
}

// SIMD reports whether the backend uses vector instructions beyond the
// x86-64 or arm64 baseline.
func (b CPUBackend) SIMD() bool {
	return b.Variant != "" && b.Variant != "x64" && b.Variant != "armv8.0_1"
}

// variant is one build of the CPU backend and what it needs of the CPU,
// with ggml's scoring: a variant needing a missing feature scores 0, else
// each feature adds its weight (ggml-cpu/arch/x86/cpu-feats.cpp).
type variant struct {
	name     string
	features []string
	has      func() bool
	score    int
}

var x86Variants = []variant{
	{"x64", nil, func() bool { return true }, 1},
	{"sse42", []string{"SSE4.2"}, func() bool { return cpu.X86.HasSSE42 }, 1 + 4},
	{"sandybridge", []string{"SSE4.2", "AVX"}, func() bool { return cpu.X86.HasSSE42 && cpu.X86.HasAVX }, 1 + 4 + 16},
	{"haswell", []string{"SSE4.2", "AVX", "F16C", "AVX2", "BMI2", "FMA"}, hasHaswell, 1 + 1 + 2 + 4 + 8 + 16 + 32},
	{"skylakex", []string{"SSE4.2", "AVX", "F16C", "AVX2", "BMI2", "FMA", "AVX-512"},
		func() bool { return hasHaswell() && hasAVX512() }, 63 + 128},
	{"icelake", []string{"SSE4.2", "AVX", "F16C", "AVX2", "BMI2", "FMA", "AVX-512", "AVX-512 VBMI", "AVX-512 VNNI"},
		func() bool { return hasHaswell() && hasAVX512() && cpu.X86.HasAVX512VBMI && cpu.X86.HasAVX512VNNI }, 63 + 128 + 256 + 1024},
	{"alderlake", []string{"SSE4.2", "AVX", "F16C", "AVX2", "BMI2", "FMA", "AVX-VNNI"},
		func() bool { return hasHaswell() && cpu.X86.HasAVXVNNI }, 63 + 64},
}

func hasHaswell() bool {
	x := cpu.X86
	return x.HasSSE42 && x.HasAVX && x.HasF16C && x.HasAVX2 && x.HasBMI2 && x.HasFMA
}

func hasAVX512() bool {
	x := cpu.X86
	return x.HasAVX512F && x.HasAVX512CD && x.HasAVX512VL && x.HasAVX512DQ && x.HasAVX512BW
}

var arm64Variants = []variant{
	{"armv8.0_1", nil, func() bool { return true }, 1},
	{"armv8.2_1", []string{"DOTPROD"}, func() bool { return cpu.ARM64.HasASIMDDP }, 2},
	{"armv8.2_2", []string{"DOTPROD", "FP16"}, func() bool { return cpu.ARM64.HasASIMDDP && cpu.ARM64.HasASIMDHP }, 3},
	{"armv8.2_3", []string{"DOTPROD", "FP16", "SVE"},
		func() bool { return cpu.ARM64.HasASIMDDP && cpu.ARM64.HasASIMDHP && cpu.ARM64.HasSVE }, 4},
	{"armv8.6_1", []string{"DOTPROD", "FP16", "SVE", "I8MM"},
		func() bool {
			return cpu.ARM64.HasASIMDDP && cpu.ARM64.HasASIMDHP && cpu.ARM64.HasSVE && cpu.ARM64.HasI8MM
		}, 5},
	{"armv8.6_2", []string{"DOTPROD", "FP16", "SVE", "I8MM", "SVE2"},
		func() bool {
			return cpu.ARM64.HasASIMDDP && cpu.ARM64.HasASIMDHP && cpu.ARM64.HasSVE && cpu.ARM64.HasI8MM && cpu.ARM64.HasSVE2
		}, 6},
}

func variants() []variant {
	switch runtime.GOARCH {
	case "amd64":
		return x86Variants
	case "arm64":
		return arm64Variants
	}
	return nil
}

// LibDir is where the runtime binary bin looks for its backend libraries:
// bin/../lib/ollama, as Ollama's own releases are laid out (on Windows
// lib/ollama beside the binary, on macOS the binary's own folder).
func LibDir(bin string) string {
	switch runtime.GOOS {
	case "darwin":
		return filepath.Dir(bin)
	case "windows":
		return filepath.Join(filepath.Dir(bin), "lib", "ollama")
	}
	return filepath.Join(filepath.Dir(bin), "..", "lib", "ollama")
}

// ExpectedCPUBackend is the library ggml's rules pick on this CPU among
// those present in libDir: the supported variant with the highest score.
func ExpectedCPUBackend(libDir string) CPUBackend {
	var best CPUBackend
	bestScore := 0
	for _, v := range variants() {
		lib := filepath.Join(libDir, libName(v.name))
		if _, err := os.Stat(lib); err != nil || !v.has() || v.score <= bestScore {
			continue
		}
		best, bestScore = CPUBackend{Variant: v.name, Library: lib, Features: v.features}, v.score
	}
	return best
}

func libName(variant string) string {
	switch runtime.GOOS {
	case "windows":
		return "ggml-cpu-" + variant + ".dll"
	case "darwin":
		return "libggml-cpu-" + variant + ".so"
	}
	return "libggml-cpu-" + variant + ".so"
}

// CPUBackend is the CPU library the runtime computes with: confirmed from
// its log once a model has loaded, expected from the CPU and the libraries
// beside the binary before that. A runtime Kura did not start is unknown
// (zero value).
func (rt *Runtime) CPUBackend() CPUBackend {
	if rt == nil || rt.cmd == nil {
		return CPUBackend{}
	}
	expected := ExpectedCPUBackend(LibDir(rt.cmd.Path))
	if rt.log == nil {
		return expected
	}
	lib := rt.log.backend()
	if lib == "" {
		return expected
	}
	b := CPUBackend{Library: lib, Confirmed: true}
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(filepath.Base(lib), "lib"), "ggml-cpu-"), filepath.Ext(lib))
	for _, v := range variants() {
		if v.name == name {
			b.Variant, b.Features = v.name, v.features
		}
	}
	return b
}

// logWatch passes the runtime's output through and remembers the CPU
// library the runner reports loading ("load_backend: loaded CPU backend
// from …/libggml-cpu-haswell.so").
type logWatch struct {
	w io.Writer

	mu      sync.Mutex
	partial []byte
	lib     string
}

var loadedRe = regexp.MustCompile(`loaded CPU backend from (\S+)`)

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		if m := loadedRe.FindSubmatch(l.partial[:i]); m != nil {
			l.lib = string(m[1])
		}
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 64<<10 {
		l.partial = l.partial[:0] // a runaway line: forget it
	}
	l.mu.Unlock()
	if l.w != nil {
		// A log that cannot be written (closed, disk full) must not stop
		// the runtime: an error here would close the pipe the server
		// writes to, and the server would die of SIGPIPE.
		_, _ = l.w.Write(p)
	}
	return len(p), nil
}

func (l *logWatch) backend() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lib
}
