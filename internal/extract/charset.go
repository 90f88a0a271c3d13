package extract

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/wlynxg/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	unicode16 "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Legacy encodings. Japanese and Korean offices still write Shift_JIS
// (CP932), EUC-JP and EUC-KR (CP949) text, CSV and HTML, and Western ones
// Latin-1. A file's encoding is decided in this order: a byte-order mark;
// for HTML a <meta charset> or XML declaration (see htmlText); UTF-8 when
// every byte sequence is valid UTF-8; else the statistical detector of
// github.com/wlynxg/chardet (a maintained port of Python's chardet, which
// knows CP932, EUC-JP, CP949, EUC-KR and the Latin code pages). Short or
// mixed samples leave the detector unsure, so when its confidence is below
// sureConfidence the candidates (its answer, CP932, EUC-JP, CP949,
// Windows-1252) are decoded and the one whose text reads most like
// Japanese, Korean or Latin text wins. Decoding is golang.org/x/text's.
// Only true binary fails: NUL bytes (outside UTF-16), control characters in
// more than one character of binaryShare, or a sample that no candidate
// reads as text (readsAsText). UTF-16 without a byte-order mark is told by
// its zero bytes, which fall on one side of the byte pairs (utf16Order).

const (
	sureConfidence = 0.8
	binaryShare    = 20 // one control character in 20 means binary
	sampleBytes    = 256 << 10
)

// candidate is an encoding worth trying on a sample.
type candidate struct {
	name string
	enc  encoding.Encoding
}

// fallbacks are tried when the detector is unsure, in order of preference
// on a tie.
var fallbacks = []candidate{
	{"Shift_JIS", japanese.ShiftJIS}, // x/text's Shift_JIS is CP932 (Windows-31J)
	{"EUC-JP", japanese.EUCJP},
	{"EUC-KR", korean.EUCKR}, // x/text's EUC-KR is CP949 (Unified Hangul Code)
	{"windows-1252", charmap.Windows1252},
}

// lookupCharset maps a charset name to its decoder; nil when unknown.
func lookupCharset(name string) encoding.Encoding {
	switch strings.ToLower(name) {
	case "shift_jis", "cp932", "ms932", "windows-31j", "windows-932", "x-sjis":
		return japanese.ShiftJIS
	case "euc-jp", "x-euc-jp":
		return japanese.EUCJP
	case "iso-2022-jp":
		return japanese.ISO2022JP
	case "euc-kr", "cp949", "ms949", "windows-949", "ks_c_5601-1987":
		return korean.EUCKR
	case "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "ascii", "us-ascii":
		// Windows-1252 is what files labelled Latin-1 hold in practice
		// (curly quotes in 0x80-0x9F), as browsers agree.
		return charmap.Windows1252
	case "utf-32", "utf-32be":
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case "utf-32le":
		return utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	}
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil {
		return nil
	}
	return enc
}

// detectLegacy picks the encoding of sample, which is known not to be
// UTF-8 and to have no byte-order mark. It returns the encoding's name; ok
// is false when no encoding reads the sample as text (readsAsText): the
// file is binary, though it has no NUL byte.
func detectLegacy(sample []byte) (enc encoding.Encoding, name string, ok bool) {
	r := chardet.Detect(sample)
	if enc := lookupCharset(r.Charset); enc != nil && r.Confidence >= sureConfidence && decodesAsText(enc, sample) {
		return enc, r.Charset, true
	}
	cands := fallbacks
	if enc := lookupCharset(r.Charset); enc != nil {
		cands = append([]candidate{{r.Charset, enc}}, fallbacks...)
	}
	var best *candidate
	bestScore := 0.0
	for i, c := range cands {
		text, err := c.enc.NewDecoder().Bytes(sample)
		if err != nil || !readsAsText(text) {
			continue
		}
		if s := plausibility(text, c.enc == korean.EUCKR); best == nil || s > bestScore {
			best, bestScore = &cands[i], s
		}
	}
	if best == nil {
		return nil, "", false
	}
	return best.enc, best.name, true
}

// decodesAsText reports whether sample decoded with enc reads as text.
func decodesAsText(enc encoding.Encoding, sample []byte) bool {
	text, err := enc.NewDecoder().Bytes(sample)
	return err == nil && readsAsText(text)
}

// readsAsText reports whether decoded text is text in some language and
// not the bytes of a binary file read in the wrong encoding: at most one
// character in a hundred is a replacement for an invalid sequence or a
// control character, and at most one in twenty a symbol or private-use
// character outside ASCII (a binary read as Windows-1252 gives about one
// in twelve: ¤¦¨©¬®¯°±´¸ and the like; real text in any script far fewer).
func readsAsText(text []byte) bool {
	n, bad, sym := 0, 0, 0
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		text = text[size:]
		n++
		switch {
		case r == utf8.RuneError || r == 0xFFFD:
			bad++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v' && r != 0x1b, r >= 0x7f && r < 0xa0:
			bad++
		case r >= 0x80 && (unicode.Is(unicode.Co, r) || unicode.Is(unicode.Sm, r) || unicode.Is(unicode.Sc, r) || unicode.Is(unicode.Sk, r) ||
			unicode.Is(unicode.So, r) && r < 0x2000):
			sym++
		}
	}
	return bad <= max(1, n/100) && sym*20 <= max(n, 20)
}

// plausibility scores decoded text by how much it reads like a language:
// kana and Hangul count most, ideographs and accented Latin letters
// next; replacement characters, controls and stray symbols count
// against. ASCII counts for nothing (every candidate decodes it alike).
// For Korean, only the 2,350 syllables of KS X 1001 count as Hangul: the
// rest of CP949 (its extension) is where the bytes of Japanese text land
// when read as Korean, and is rare in real text.
func plausibility(text []byte, korean bool) float64 {
	score := 0.0
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		text = text[size:]
		switch {
		case r < 0x80:
			continue
		case r == utf8.RuneError:
			score -= 5
		case unicode.In(r, unicode.Hiragana, unicode.Katakana) && !(r >= 0xFF61 && r <= 0xFF9F):
			score += 2
		case unicode.Is(unicode.Hangul, r) && r >= 0xAC00:
			if korean && !commonHangul(r) {
				score--
			} else {
				score += 2
			}
		case unicode.Is(unicode.Han, r):
			score += 1
		case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
			score += 1
		case r >= 0xFF61 && r <= 0xFF9F: // half-width katakana: rare in real text
			score -= 1
		case unicode.IsControl(r):
			score -= 5
		case unicode.In(r, unicode.Pd, unicode.Pi, unicode.Pf, unicode.Zs) || r == '・' || r == '、' || r == '。' || r == '「' || r == '」':
			score += 0.5
		default:
			score -= 1
		}
	}
	return score
}

// utf16Order tells UTF-16 text without a byte-order mark from its first
// bytes, sample: every ASCII character of it (spaces, line ends, digits,
// Latin letters) has a zero high byte, so its zero bytes fall on one side
// of the byte pairs (the even ones for big-endian; at least three in four:
// a CJK character such as 一, U+4E00, puts one on the other side), where a
// binary file's fall on both; and the sample decoded that way must read as text
// (readsAsText), which 16-bit numbers do not. ok is false for anything else.
func utf16Order(sample []byte) (order unicode16.Endianness, ok bool) {
	sample = sample[:len(sample)&^1]
	var even, odd int
	for i, b := range sample {
		if b == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	switch {
	case even >= 2 && odd*3 <= even:
		order = unicode16.BigEndian
	case odd >= 2 && even*3 <= odd:
		order = unicode16.LittleEndian
	default:
		return order, false
	}
	return order, decodesAsText(unicode16.UTF16(order, unicode16.IgnoreBOM), sample)
}

// looksBinary reports whether data has NUL bytes (and no UTF-16
// byte-order mark), which no text file in an 8-bit or multi-byte encoding
// has.
func looksBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0 && !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) &&
		!bytes.HasPrefix(data, []byte{0xFE, 0xFF})
}

// tooManyControls reports whether decoded text has more control
// characters (other than tab, line ends and form feed) than text does.
func tooManyControls(text string) bool {
	n, bad := 0, 0
	for _, r := range text {
		n++
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v' && r != 0x1b) || (r >= 0x7f && r < 0xa0) {
			bad++
		}
	}
	return n > 0 && bad*binaryShare > n
}

var (
	ksx1001Once sync.Once
	ksx1001     map[rune]bool
)

// commonHangul reports whether r is one of the Hangul syllables of KS X
// 1001 (EUC-KR proper: lead bytes 0xB0-0xC8, trail bytes 0xA1-0xFE).
func commonHangul(r rune) bool {
	ksx1001Once.Do(func() {
		ksx1001 = make(map[rune]bool, 2350)
		dec := korean.EUCKR.NewDecoder()
		for lead := 0xB0; lead <= 0xC8; lead++ {
			for trail := 0xA1; trail <= 0xFE; trail++ {
				s, err := dec.String(string([]byte{byte(lead), byte(trail)}))
				if err == nil {
					for _, h := range s {
						ksx1001[h] = true
					}
				}
			}
		}
	})
	return ksx1001[r]
}
