package shapes

import (
	"encoding/binary"
	"math"
)

// The ggml block formats written here, as ggml-common.h lays them out
// (little-endian, QK_K = 256 weights per super-block):
//
//	Q4_K (144 bytes): d f16, dmin f16, scales[12] (eight 6-bit scales and
//	      eight 6-bit mins packed), qs[128] (256 4-bit quants; byte l of
//	      the 32-byte group g holds weight 64g+l in its low and 64g+32+l
//	      in its high nibble). Weight = d*scale*q - dmin*min.
//	Q6_K (210 bytes): ql[128] (low 4 bits), qh[64] (high 2 bits),
//	      scales[16] (int8, one per 16 weights), d f16.
//	      Weight = d*scale*(q-32).
const (
	qkK        = 256
	q4KBytes   = 144
	q6KBytes   = 210
	f16Bytes   = 2
	f32Bytes   = 4
	q4KSubSize = 32
	q6KSubSize = 16
)

// encodeQ4K writes len(x)/256 Q4_K super-blocks of x into dst, which must
// hold len(x)/256*144 bytes. len(x) must be a multiple of 256.
//
// It is a plain min/max quantizer, not llama.cpp's search for the best
// scales: the weights are random, and only a valid block layout with
// finite, small scales matters. Scales are rounded up, so every weight of
// a sub-block is within half a step of its value.
func encodeQ4K(dst []byte, x []float32) {
	for b := 0; b < len(x)/qkK; b++ {
		encodeQ4KBlock(dst[b*q4KBytes:(b+1)*q4KBytes], x[b*qkK:(b+1)*qkK])
	}
}

func encodeQ4KBlock(dst []byte, x []float32) {
	var scale, minv [8]float32
	var maxScale, maxMin float32
	for j := range 8 {
		sub := x[j*q4KSubSize : (j+1)*q4KSubSize]
		lo, hi := float32(0), sub[0] // the min is kept <= 0, as in ggml
		for _, v := range sub {
			lo, hi = min(lo, v), max(hi, v)
		}
		scale[j], minv[j] = (hi-lo)/15, -lo
		maxScale, maxMin = max(maxScale, scale[j]), max(maxMin, minv[j])
	}
	// Super-block scales in f16, then the 6-bit sub-block scales relative
	// to the f16 value actually stored.
	d := f16ToF32(f32ToF16(maxScale / 63))
	dmin := f16ToF32(f32ToF16(maxMin / 63))
	var sc, m [8]uint8
	for j := range 8 {
		sc[j] = quant6Up(scale[j], d)
		m[j] = quant6Up(minv[j], dmin)
	}
	binary.LittleEndian.PutUint16(dst[0:], f32ToF16(maxScale/63))
	binary.LittleEndian.PutUint16(dst[2:], f32ToF16(maxMin/63))
	packScalesMinsK4(dst[4:16], sc, m)
	qs := dst[16:144]
	for g := range 4 { // 64 weights per group: sub-blocks 2g (low) and 2g+1 (high)
		lo, hi := 2*g, 2*g+1
		dl, ml := d*float32(sc[lo]), dmin*float32(m[lo])
		dh, mh := d*float32(sc[hi]), dmin*float32(m[hi])
		for l := range 32 {
			ql := quantNibble(x[64*g+l], dl, ml)
			qh := quantNibble(x[64*g+32+l], dh, mh)
			qs[32*g+l] = ql | qh<<4
		}
	}
}

// quant6Up is v/d rounded up into 0..63 (0 when d is 0).
func quant6Up(v, d float32) uint8 {
	if d == 0 || v <= 0 {
		return 0
	}
	return uint8(min(63, math.Ceil(float64(v/d))))
}

// quantNibble is the 4-bit q with d*q - m nearest to v.
func quantNibble(v, d, m float32) uint8 {
	if d == 0 {
		return 0
	}
	q := math.Round(float64((v + m) / d))
	return uint8(max(0, min(15, q)))
}

// packScalesMinsK4 is the inverse of ggml's get_scale_min_k4: sub-blocks
// 0-3 keep their 6 bits in bytes 0-3 (scale) and 4-7 (min); sub-blocks 4-7
// keep their low 4 bits in bytes 8-11 and their top 2 bits in the top bits
// of bytes 0-7.
func packScalesMinsK4(dst []byte, sc, m [8]uint8) {
	for j := range 4 {
		dst[j] = sc[j]&63 | (sc[j+4]>>4)<<6
		dst[j+4] = m[j]&63 | (m[j+4]>>4)<<6
		dst[j+8] = sc[j+4]&0x0f | (m[j+4]&0x0f)<<4
	}
}

// encodeQ6K writes len(x)/256 Q6_K super-blocks of x into dst, which must
// hold len(x)/256*210 bytes. Like encodeQ4K it is a plain absolute-max
// quantizer with scales rounded up.
func encodeQ6K(dst []byte, x []float32) {
	for b := 0; b < len(x)/qkK; b++ {
		encodeQ6KBlock(dst[b*q6KBytes:(b+1)*q6KBytes], x[b*qkK:(b+1)*qkK])
	}
}

func encodeQ6KBlock(dst []byte, x []float32) {
	var scale [16]float32
	var maxScale float32
	for j := range 16 {
		var amax float32
		for _, v := range x[j*q6KSubSize : (j+1)*q6KSubSize] {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		scale[j] = amax / 31
		maxScale = max(maxScale, scale[j])
	}
	dBits := f32ToF16(maxScale / 127)
	d := f16ToF32(dBits)
	var sc [16]int8
	for j := range 16 {
		if d > 0 && scale[j] > 0 {
			sc[j] = int8(min(127, math.Ceil(float64(scale[j]/d))))
		}
	}
	ql, qh, scales := dst[0:128], dst[128:192], dst[192:208]
	clear(qh)
	for j := range 16 {
		scales[j] = byte(sc[j])
	}
	binary.LittleEndian.PutUint16(dst[208:], dBits)
	q := func(i int) uint8 {
		s := d * float32(sc[i/q6KSubSize])
		if s == 0 {
			return 32
		}
		v := math.Round(float64(x[i] / s))
		return uint8(max(-32, min(31, v)) + 32)
	}
	// Each half of 128 weights: ql[l] holds weights l (low nibble) and
	// l+64 (high); ql[l+32] holds l+32 and l+96; qh[l] holds the top two
	// bits of l, l+32, l+64, l+96 at shifts 0, 2, 4, 6.
	for h := range 2 {
		base, qlh, qhh := 128*h, ql[64*h:], qh[32*h:]
		for l := range 32 {
			q1, q2 := q(base+l), q(base+l+32)
			q3, q4 := q(base+l+64), q(base+l+96)
			qlh[l] = q1&0x0f | (q3&0x0f)<<4
			qlh[l+32] = q2&0x0f | (q4&0x0f)<<4
			qhh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
		}
	}
}

// encodeF16 writes x as IEEE half floats into dst (2 bytes each).
func encodeF16(dst []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint16(dst[2*i:], f32ToF16(v))
	}
}

// encodeF32 writes x into dst (4 bytes each).
func encodeF32(dst []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// f32ToF16 converts to IEEE 754 binary16, rounding to nearest even;
// values beyond the half range become infinities, tiny ones subnormals or
// zero.
func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case b>>23&0xff == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0: // subnormal half (or zero)
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent, which is still correct
	}
	return sign | uint16(h)
}

// f16ToF32 converts an IEEE 754 binary16 to float32 exactly.
func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
