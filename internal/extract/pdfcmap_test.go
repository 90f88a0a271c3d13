package extract

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/unicode/norm"

	"github.com/kura-app/kura/internal/pdftest"
)

func pdfStream(data string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
}

// makeCIDPDF writes a one-page PDF that shows code, a string of character
// codes, in a Type0 font with the given /Encoding (a name such as
// /90ms-RKSJ-H, or an object reference) and character collection, as
// Japanese and Korean office software writes it: the font is not embedded
// and there is no ToUnicode map. Vertical encodings start at the top right.
func makeCIDPDF(encoding, ordering string, code []byte, extra ...string) []byte {
	pos := "72 700"
	if strings.HasSuffix(encoding, "-V") {
		pos = "500 750"
	}
	content := fmt.Sprintf("BT /F1 12 Tf %s Td <%X> Tj ET", pos, code)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		pdfStream(content),
		fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding %s /DescendantFonts [6 0 R] >>", encoding),
		fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular "+
			"/CIDSystemInfo << /Registry (Adobe) /Ordering (%s) /Supplement 6 >> /FontDescriptor 7 0 R /DW 1000 >>", ordering),
		"<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 4 /FontBBox [0 -120 1000 880] " +
			"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
	}
	return pdftest.Write(append(objs, extra...), 1)
}

func encodeWith(e encoding.Encoding) func(string) []byte {
	return func(s string) []byte {
		b, err := e.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(fmt.Sprintf("test text %q cannot be encoded: %v", s, err))
		}
		return b
	}
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, u)
	}
	return b
}

func utf32Bytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.BigEndian.AppendUint32(b, uint32(r))
	}
	return b
}

// jisBytes is ISO-2022-JP's two-byte form without escapes, which the
// plain H and V CMaps take: EUC-JP with the high bits cleared.
func jisBytes(s string) []byte {
	b := encodeWith(japanese.EUCJP)(s)
	for i := range b {
		b[i] &^= 0x80
	}
	return b
}

// identityJapan1 encodes s as Adobe-Japan1 CIDs, two bytes each, as an
// Identity-H font with that collection shows them.
func identityJapan1(s string) []byte {
	m, err := predefinedCMap("UniJIS-UTF16-H")
	if err != nil {
		panic(err)
	}
	var b []byte
	for _, r := range s {
		cid, ok := m.cid(string(utf16Bytes(string(r))))
		if !ok {
			panic(fmt.Sprintf("no Japan1 CID for %q", r))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(cid))
	}
	return b
}

// Sentences from the corpus (Japanese, Korean) and two written for these
// tests (Chinese, which the corpus lacks).
const (
	jaText  = "セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"
	jaWide  = "生成人工知能を採用する上で最も大きな障壁である。" // no ASCII: for the two-byte-only CMaps
	koText  = "보안은 생성형 AI 도입에 있어 주요 우려사항"
	gbText  = "开源生成式人工智能的未来与安全"
	cnsText = "開源生成式人工智慧的未來與安全"
)

func TestPredefinedCJKCMaps(t *testing.T) {
	shiftJIS := encodeWith(japanese.ShiftJIS)
	eucJP := encodeWith(japanese.EUCJP)
	eucKR := encodeWith(korean.EUCKR) // x/text's EUC-KR is Microsoft's code page 949 (UHC)
	gbk := encodeWith(simplifiedchinese.GBK)
	big5 := encodeWith(traditionalchinese.Big5)
	for _, tc := range []struct {
		name     string
		encoding string
		ordering string
		code     []byte
		want     string
	}{
		// Adobe-Japan1
		{"decodes Shift_JIS through 90ms-RKSJ-H", "/90ms-RKSJ-H", "Japan1", shiftJIS(jaText), jaText},
		{"decodes vertical Shift_JIS through 90ms-RKSJ-V", "/90ms-RKSJ-V", "Japan1", shiftJIS(jaWide), jaWide},
		{"decodes proportional Shift_JIS through 90msp-RKSJ-H", "/90msp-RKSJ-H", "Japan1", shiftJIS(jaText), jaText},
		{"decodes vertical proportional Shift_JIS through 90msp-RKSJ-V", "/90msp-RKSJ-V", "Japan1", shiftJIS(jaWide), jaWide},
		{"decodes old Shift_JIS through RKSJ-H", "/RKSJ-H", "Japan1", shiftJIS(jaWide), jaWide},
		{"decodes EUC-JP through EUC-H", "/EUC-H", "Japan1", eucJP(jaText), jaText},
		{"decodes vertical EUC-JP through EUC-V", "/EUC-V", "Japan1", eucJP(jaWide), jaWide},
		{"decodes ISO-2022-JP codes through H", "/H", "Japan1", jisBytes(jaWide), jaWide},
		{"decodes UCS-2 through UniJIS-UCS2-H", "/UniJIS-UCS2-H", "Japan1", utf16Bytes(jaText), jaText},
		{"decodes vertical UCS-2 through UniJIS-UCS2-V", "/UniJIS-UCS2-V", "Japan1", utf16Bytes(jaWide), jaWide},
		{"decodes UTF-16 through UniJIS-UTF16-H", "/UniJIS-UTF16-H", "Japan1", utf16Bytes(jaText), jaText},
		{"decodes UTF-8 through UniJIS-UTF8-H", "/UniJIS-UTF8-H", "Japan1", []byte(jaText), jaText},
		{"decodes UTF-32 through UniJIS-UTF32-H", "/UniJIS-UTF32-H", "Japan1", utf32Bytes(jaText), jaText},
		{"decodes UTF-16 through UniJIS2004-UTF16-H", "/UniJIS2004-UTF16-H", "Japan1", utf16Bytes(jaText), jaText},
		{"decodes Japan1 CIDs of an Identity-H font without ToUnicode", "/Identity-H", "Japan1", identityJapan1(jaWide), jaWide},
		// Adobe-Korea1
		{"decodes EUC-KR through KSC-EUC-H", "/KSC-EUC-H", "Korea1", eucKR(koText), koText},
		{"decodes vertical EUC-KR through KSC-EUC-V", "/KSC-EUC-V", "Korea1", eucKR("보안은생성형"), "보안은생성형"},
		{"decodes code page 949 through KSCms-UHC-H", "/KSCms-UHC-H", "Korea1", eucKR(koText + " 똠방각하"), koText + " 똠방각하"},
		{"decodes UCS-2 through UniKS-UCS2-H", "/UniKS-UCS2-H", "Korea1", utf16Bytes(koText), koText},
		{"decodes UTF-16 through UniKS-UTF16-H", "/UniKS-UTF16-H", "Korea1", utf16Bytes(koText), koText},
		{"decodes UTF-8 through UniKS-UTF8-H", "/UniKS-UTF8-H", "Korea1", []byte(koText), koText},
		// Adobe-GB1
		{"decodes GB 2312 through GB-EUC-H", "/GB-EUC-H", "GB1", gbk(gbText), gbText},
		{"decodes GBK through GBK-EUC-H", "/GBK-EUC-H", "GB1", gbk(gbText), gbText},
		{"decodes UCS-2 through UniGB-UCS2-H", "/UniGB-UCS2-H", "GB1", utf16Bytes(gbText), gbText},
		{"decodes UTF-16 through UniGB-UTF16-H", "/UniGB-UTF16-H", "GB1", utf16Bytes(gbText), gbText},
		// Adobe-CNS1
		{"decodes Big Five through B5pc-H", "/B5pc-H", "CNS1", big5(cnsText), cnsText},
		{"decodes Big Five with ETen extensions through ETen-B5-H", "/ETen-B5-H", "CNS1", big5(cnsText), cnsText},
		{"decodes UCS-2 through UniCNS-UCS2-H", "/UniCNS-UCS2-H", "CNS1", utf16Bytes(cnsText), cnsText},
		{"decodes UTF-16 through UniCNS-UTF16-H", "/UniCNS-UTF16-H", "CNS1", utf16Bytes(cnsText), cnsText},
		// The collection comes from the CMap's name when CIDSystemInfo does not say.
		{"decodes Shift_JIS when CIDSystemInfo says Identity", "/90ms-RKSJ-H", "Identity", shiftJIS(jaText), jaText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "cjk.pdf", makeCIDPDF(tc.encoding, tc.ordering, tc.code))
			doc, err := File(context.Background(), p, Options{})
			if err != nil {
				t.Fatalf("File: %v (a predefined CMap must never read as no text)", err)
			}
			if got := doc.Pages[0].Text; got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEmbeddedEncodingCMaps(t *testing.T) {
	shiftJIS := encodeWith(japanese.ShiftJIS)
	for _, tc := range []struct {
		name string
		cmap string // the stream's dictionary entries and data
		code []byte
		want string
	}{
		{
			name: "builds on a predefined CMap named by usecmap",
			cmap: "/CMapName /Custom-RKSJ-H|/90ms-RKSJ-H usecmap",
			code: shiftJIS(jaText), want: jaText,
		},
		{
			name: "builds on a predefined CMap named by the UseCMap entry",
			cmap: "/CMapName /Custom-RKSJ-H /UseCMap /90ms-RKSJ-H|",
			code: shiftJIS(jaText), want: jaText,
		},
		{
			// Made-up codes: CIDs 843, 844, 845 are あぃい in Adobe-Japan1, CID 1 a space.
			name: "maps codes to CIDs with its own cidrange and cidchar",
			cmap: "/CMapName /Custom-H|1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
				"1 begincidrange <0100> <0102> 843 endcidrange 1 begincidchar <0200> 1 endcidchar",
			code: []byte{1, 0, 1, 2, 2, 0, 1, 1}, want: "あい ぃ",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dict, data, _ := strings.Cut(tc.cmap, "|")
			obj := fmt.Sprintf("<< /Type /CMap %s /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /Length %d >>\nstream\n%s\nendstream",
				dict, len(data), data)
			p := writeTemp(t, "cjk.pdf", makeCIDPDF("8 0 R", "Japan1", tc.code, obj))
			doc, err := File(context.Background(), p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Pages[0].Text; got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPredefinedCMapData checks the embedded tables themselves: every
// predefined CMap loads and belongs to a known character collection, most
// of its codes reach text, and the Unicode CMaps and the CID -> Unicode
// tables agree on each other's characters.
func TestPredefinedCMapData(t *testing.T) {
	if _, err := bcmapFile("H"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for name := range bcmaps {
		if strings.HasPrefix(name, "Adobe-") {
			continue // the CID -> Unicode tables and the collections' identity maps
		}
		n++
		m, err := predefinedCMap(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		ordering := cmapOrdering(name)
		u := adobeUnicode(ordering)
		if u == nil {
			t.Errorf("%s: no character collection (%q)", name, ordering)
			continue
		}
		if (name == "V" || strings.HasSuffix(name, "-V")) && !m.vertical {
			t.Errorf("%s: not marked vertical", name)
		}
		mapped, text := 0, 0
		for c := m; c != nil; c = c.parent {
			for _, r := range c.ranges {
				for v := r.lo; v <= r.hi && v-r.lo < 64; v++ {
					mapped++
					if u.lookup(r.cid+(v-r.lo)) != "" {
						text++
					}
				}
			}
		}
		if mapped == 0 || float64(text) < 0.9*float64(mapped) {
			t.Errorf("%s: %d of %d sampled codes reach text, want 90%%", name, text, mapped)
		}
	}
	if n < 140 {
		t.Errorf("%d predefined CMaps embedded, want Adobe's full set (141)", n)
	}
	for _, tc := range []struct{ cmap, ordering string }{
		{"UniJIS-UTF16-H", "Japan1"}, {"UniKS-UTF16-H", "Korea1"}, {"UniGB-UTF16-H", "GB1"}, {"UniCNS-UTF16-H", "CNS1"},
	} {
		m, err := predefinedCMap(tc.cmap)
		if err != nil {
			t.Fatal(err)
		}
		u := adobeUnicode(tc.ordering)
		same, total := 0, 0
		for r := rune(0x3000); r < 0xA000; r++ { // CJK punctuation, kana, Hangul jamo, ideographs
			cid, ok := m.cid(string(utf16Bytes(string(r))))
			if !ok {
				continue
			}
			total++
			if u.lookup(cid) == string(r) {
				same++
			}
		}
		if total < 5000 || float64(same) < 0.97*float64(total) {
			t.Errorf("%s and Adobe-%s-UCS2 agree on %d of %d characters", tc.cmap, tc.ordering, same, total)
		}
	}
}

// FuzzReadBCMap feeds arbitrary bytes to the binary CMap reader: it reads
// only embedded data, but must fail cleanly on damage, never panic or
// loop.
func FuzzReadBCMap(f *testing.F) {
	for _, name := range []string{"H", "90ms-RKSJ-V", "Adobe-Korea1-UCS2"} {
		data, err := bcmapFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 600)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readBCMap(data, func(bool) {}, func(int, uint32, uint32) {}, func(int, uint32, uint32, uint32) {},
			func(uint32, uint32, []byte) {}, func(string) {})
	})
}

func TestCanonicalGlyphText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"maps Kangxi radicals to the ideographs", "⽣成AIの採⽤", "生成AIの採用"},
		{"maps a radical of the supplement to its ideograph", "⼀般市⺠", "一般市民"},
		{"turns a tab drawn as a space into a space", "Open\tSource", "Open Source"},
		{"turns the hyphenation point of a CJK font into a middle dot", "オープンソース‧ウォッシング", "オープンソース・ウォッシング"},
		{"spells out Latin ligatures", "Jeﬀrey ﬁnds", "Jeffrey finds"},
		{"leaves ordinary text alone", "生成 AI 보안", "生成 AI 보안"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canonicalGlyphText(tc.in); got != tc.want {
				t.Errorf("canonicalGlyphText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	for i, r := range kangxi {
		if want := norm.NFKC.String(string(rune(0x2F00 + i))); string(r) != want {
			t.Fatalf("kangxi[%#x] = %q, want NFKC %q", 0x2F00+i, r, want)
		}
	}
	if len(kangxi) != 0x2FD5-0x2F00+1 {
		t.Errorf("kangxi has %d entries, want %d", len(kangxi), 0x2FD5-0x2F00+1)
	}
}
