// Package machine describes the computer Kura runs on: its CPU (name,
// cores, vector instruction sets) and memory. Kura uses it to choose default
// models that answer in seconds on this machine, and benchmarks print it
// beside every figure.
//
// Everything is read from the operating system without side effects; what
// cannot be read stays zero (other systems than Linux report no CPU name
// or memory yet).
package machine

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/cpu"
)

// Info is a description of this machine.
type Info struct {
	CPU string // model name, "AMD EPYC 9R14"; "" when unknown
	// Cores is the number of logical CPUs Kura may use.
	Cores int
	// SIMD lists the vector instruction sets the CPU has that the model
	// runtime uses: "AVX2", "FMA", "F16C", "AVX-512", "AVX-512 VNNI",
	// "AVX-VNNI" (x86-64); "NEON", "DOTPROD", "I8MM", "SVE" (arm64).
	SIMD []string
	// MemoryBytes is the physical memory; 0 when unknown.
	MemoryBytes int64
	Arch        string // GOARCH
}

// Read describes this machine.
func Read() Info {
	return Info{CPU: cpuName(), Cores: runtime.NumCPU(), SIMD: simd(), MemoryBytes: memory(), Arch: runtime.GOARCH}
}

// Has reports whether the CPU has the named instruction set (as in SIMD).
func (i Info) Has(set string) bool {
	for _, s := range i.SIMD {
		if s == set {
			return true
		}
	}
	return false
}

// MemoryGB is the memory in GiB, rounded.
func (i Info) MemoryGB() int { return int((i.MemoryBytes + 1<<29) >> 30) }

func simd() []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	switch runtime.GOARCH {
	case "amd64":
		x := cpu.X86
		add(x.HasSSE42, "SSE4.2")
		add(x.HasAVX, "AVX")
		add(x.HasAVX2, "AVX2")
		add(x.HasFMA, "FMA")
		add(x.HasF16C, "F16C")
		add(x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL, "AVX-512")
		add(x.HasAVX512VNNI, "AVX-512 VNNI")
		add(x.HasAVXVNNI, "AVX-VNNI")
	case "arm64":
		a := cpu.ARM64
		add(a.HasASIMD, "NEON")
		add(a.HasASIMDDP, "DOTPROD")
		add(a.HasI8MM, "I8MM")
		add(a.HasSVE, "SVE")
	}
	return out
}

func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name", "Model", "Hardware":
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func memory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// Load is the number of tasks running or waiting for a CPU, averaged over
// the last minute (the first figure of /proc/loadavg); 0 when unknown.
// Kura reads it to tell how much of its measured speed the machine gives
// now (answer.Share).
func Load() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
