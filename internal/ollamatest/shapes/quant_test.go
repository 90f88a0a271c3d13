package shapes

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// Reference dequantization, transcribed from ggml's dequantize_row_q4_K
// and dequantize_row_q6_K (ggml-quants.c) independently of the encoders.

func refF16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * m / 1024 * math.Pow(2, -14)
	case 31:
		if m == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

func refScaleMinK4(j int, q []byte) (uint8, uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

func refDequantQ4K(b []byte) []float64 {
	var y []float64
	for blk := 0; blk+q4KBytes <= len(b); blk += q4KBytes {
		x := b[blk : blk+q4KBytes]
		d := refF16(binary.LittleEndian.Uint16(x[0:]))
		dmin := refF16(binary.LittleEndian.Uint16(x[2:]))
		scales, q := x[4:16], x[16:]
		is := 0
		for j := 0; j < qkK; j += 64 {
			sc, m := refScaleMinK4(is, scales)
			d1, m1 := d*float64(sc), dmin*float64(m)
			sc, m = refScaleMinK4(is+1, scales)
			d2, m2 := d*float64(sc), dmin*float64(m)
			for l := range 32 {
				y = append(y, d1*float64(q[l]&0xf)-m1)
			}
			for l := range 32 {
				y = append(y, d2*float64(q[l]>>4)-m2)
			}
			q = q[32:]
			is += 2
		}
	}
	return y
}

func refDequantQ6K(b []byte) []float64 {
	var y []float64
	for blk := 0; blk+q6KBytes <= len(b); blk += q6KBytes {
		x := b[blk : blk+q6KBytes]
		ql, qh, sc := x[0:128], x[128:192], x[192:208]
		d := refF16(binary.LittleEndian.Uint16(x[208:]))
		out := make([]float64, qkK)
		for n := 0; n < qkK; n += 128 {
			for l := range 32 {
				is := l / 16
				q1 := int(ql[l]&0xf|(qh[l]>>0&3)<<4) - 32
				q2 := int(ql[l+32]&0xf|(qh[l]>>2&3)<<4) - 32
				q3 := int(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				out[n+l] = d * float64(int8(sc[is])) * float64(q1)
				out[n+l+32] = d * float64(int8(sc[is+2])) * float64(q2)
				out[n+l+64] = d * float64(int8(sc[is+4])) * float64(q3)
				out[n+l+96] = d * float64(int8(sc[is+6])) * float64(q4)
			}
			ql, qh, sc = ql[64:], qh[32:], sc[8:]
		}
		y = append(y, out...)
	}
	return y
}

// inputs are the value patterns the encoders must survive.
func quantInputs() []struct {
	name string
	x    []float32
} {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, f func(i int) float32) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = f(i)
		}
		return x
	}
	return []struct {
		name string
		x    []float32
	}{
		{"weights of a trained model's magnitude", gen(4*qkK, func(int) float32 { return float32(rng.NormFloat64() * 0.02) })},
		{"large weights", gen(2*qkK, func(int) float32 { return float32(rng.NormFloat64() * 3) })},
		{"only positive weights", gen(qkK, func(int) float32 { return float32(rng.Float64()) })},
		{"only negative weights", gen(qkK, func(int) float32 { return -float32(rng.Float64()) })},
		{"one sub-block far wider than the rest", gen(qkK, func(i int) float32 {
			if i < 32 {
				return float32(rng.NormFloat64())
			}
			return float32(rng.NormFloat64() * 0.001)
		})},
		{"all zeros", make([]float32, qkK)},
		{"a constant", gen(qkK, func(int) float32 { return 0.5 })},
	}
}

func TestQ4KEncodingDecodesWithinHalfAStepOfTheInput(t *testing.T) {
	for _, tc := range quantInputs() {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, len(tc.x)/qkK*q4KBytes)
			encodeQ4K(b, tc.x)
			y := refDequantQ4K(b)
			if len(y) != len(tc.x) {
				t.Fatalf("decoded %d values, want %d", len(y), len(tc.x))
			}
			for blk := 0; blk < len(tc.x); blk += qkK {
				// One step of the coarsest sub-block of the super-block,
				// plus the f16 rounding of the scales.
				lo, hi := 0.0, 0.0
				for _, v := range tc.x[blk : blk+qkK] {
					lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
				}
				tol := (hi-lo)/15*1.05 + 1e-7
				for i := blk; i < blk+qkK; i++ {
					if math.IsNaN(y[i]) || math.IsInf(y[i], 0) || math.Abs(y[i]-float64(tc.x[i])) > tol {
						t.Fatalf("value %d: decoded %g from %g, tolerance %g", i, y[i], tc.x[i], tol)
					}
				}
			}
		})
	}
}

func TestQ6KEncodingDecodesWithinHalfAStepOfTheInput(t *testing.T) {
	for _, tc := range quantInputs() {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, len(tc.x)/qkK*q6KBytes)
			encodeQ6K(b, tc.x)
			y := refDequantQ6K(b)
			if len(y) != len(tc.x) {
				t.Fatalf("decoded %d values, want %d", len(y), len(tc.x))
			}
			for blk := 0; blk < len(tc.x); blk += qkK {
				amax := 0.0
				for _, v := range tc.x[blk : blk+qkK] {
					amax = math.Max(amax, math.Abs(float64(v)))
				}
				tol := amax/31*1.05 + 1e-7
				for i := blk; i < blk+qkK; i++ {
					if math.IsNaN(y[i]) || math.IsInf(y[i], 0) || math.Abs(y[i]-float64(tc.x[i])) > tol {
						t.Fatalf("value %d: decoded %g from %g, tolerance %g", i, y[i], tc.x[i], tol)
					}
				}
			}
		})
	}
}

func TestQuantizedRandomWeightsKeepTheirSpread(t *testing.T) {
	// The generator's weights must stay of a trained model's magnitude
	// once quantized: a decoded standard deviation near the input's.
	x := quantInputs()[0].x
	for _, tc := range []struct {
		name   string
		decode func() []float64
	}{
		{"Q4_K", func() []float64 { b := make([]byte, len(x)/qkK*q4KBytes); encodeQ4K(b, x); return refDequantQ4K(b) }},
		{"Q6_K", func() []float64 { b := make([]byte, len(x)/qkK*q6KBytes); encodeQ6K(b, x); return refDequantQ6K(b) }},
	} {
		var in, out, diff float64
		y := tc.decode()
		for i := range x {
			in += float64(x[i]) * float64(x[i])
			out += y[i] * y[i]
			diff += (y[i] - float64(x[i])) * (y[i] - float64(x[i]))
		}
		ratio, rel := math.Sqrt(out/in), math.Sqrt(diff/in)
		if ratio < 0.9 || ratio > 1.1 || rel > 0.2 {
			t.Errorf("%s: decoded spread %.3f of the input's, relative RMS error %.3f", tc.name, ratio, rel)
		}
	}
}

func TestF16ConversionMatchesIEEEHalfPrecision(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    float32
		h    uint16
	}{
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"zero", 0, 0x0000},
		{"the largest half", 65504, 0x7bff},
		{"beyond the half range becomes infinity", 1e6, 0x7c00},
		{"the smallest normal half", float32(math.Pow(2, -14)), 0x0400},
		{"the smallest subnormal half", float32(math.Pow(2, -24)), 0x0001},
		{"below half the smallest subnormal rounds to zero", float32(math.Pow(2, -26)), 0x0000},
		{"a tie rounds to even", 1 + float32(math.Pow(2, -11)), 0x3c00},
		{"above a tie rounds up", 1 + float32(math.Pow(2, -11)) + float32(math.Pow(2, -20)), 0x3c01},
		{"a third", 1.0 / 3, 0x3555},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := f32ToF16(tc.f); got != tc.h {
				t.Errorf("f32ToF16(%g) = %#04x, want %#04x", tc.f, got, tc.h)
			}
			if got, want := float64(f16ToF32(tc.h)), refF16(tc.h); got != want {
				t.Errorf("f16ToF32(%#04x) = %g, want %g", tc.h, got, want)
			}
		})
	}
	// Every finite half survives a round trip through float32.
	for h := range 1 << 16 {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if got := f32ToF16(f16ToF32(uint16(h))); got != uint16(h) && !(h == 0x8000 && got == 0x8000) {
			t.Fatalf("half %#04x came back as %#04x", h, got)
		}
	}
}
