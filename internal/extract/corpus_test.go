package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/corpustest"
)

func readSource(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(corpustest.Path(t, filepath.Join("text", name+".txt")))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sentences splits source text into sentences, whitespace collapsed: one
// per line, cut after 。！？ and after .!? followed by a space.
func sentences(src string) []string {
	var out []string
	for line := range strings.SplitSeq(src, "\n") {
		rs := []rune(strings.Join(strings.Fields(line), " "))
		start := 0
		for i, r := range rs {
			end := r == '。' || r == '！' || r == '？' ||
				(r == '.' || r == '!' || r == '?') && (i+1 == len(rs) || rs[i+1] == ' ')
			if end || i+1 == len(rs) {
				if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
					out = append(out, s)
				}
				start = i + 1
			}
		}
	}
	return out
}

// normalized collapses all whitespace to single spaces.
func normalized(s string) string { return strings.Join(strings.Fields(s), " ") }

// coverage reports the share of sentences found in text (whitespace
// normalised) and the sentences missing. skip filters out sentences that
// a format renders differently (Markdown markup).
func coverage(text string, sents []string, skip func(string) bool) (float64, []string) {
	text = normalized(text)
	var missing []string
	n := 0
	for _, s := range sents {
		if skip != nil && skip(s) {
			continue
		}
		n++
		if !strings.Contains(text, s) {
			missing = append(missing, s)
		}
	}
	if n == 0 {
		return 0, nil
	}
	return float64(n-len(missing)) / float64(n), missing
}

// hasMarkup reports whether a source sentence carries Markdown that HTML,
// EPUB or pandoc's DOCX render away, or a table-of-contents leader.
func hasMarkup(s string) bool {
	return strings.ContainsAny(s, "#*[]|`_>~") || strings.HasPrefix(s, "- ") ||
		strings.HasPrefix(s, "• ") || strings.Contains(s, ".....")
}

// joinedDocument is the whole text with page breaks joined like wraps, so
// that sentences running across pages can be found.
func joinedDocument(doc Document) string {
	var b strings.Builder
	for _, p := range doc.Pages {
		b.WriteString(p.Text)
		b.WriteString("\n")
	}
	return JoinWrappedLines(b.String())
}

// unjoinedWrap finds a line break left between two Chinese or Japanese
// letters, the thing JoinWrappedLines exists to remove.
var unjoinedWrap = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}ー][ \t]*\n[ \t]*[\p{Han}\p{Hiragana}\p{Katakana}ー]`)

func TestCorpusPDF(t *testing.T) {
	type placed struct {
		page     int
		sentence string
	}
	for _, tc := range []struct {
		name     string
		source   string
		pages    int
		minFound float64 // measured: 000 99.2%, 001 98.3%, 002 100%, 003 100%, 004 96.0%
		placed   []placed
	}{
		{
			name: "reads the Japanese survey report page by page", source: "000_0eff4470da887f30", pages: 26, minFound: 0.97,
			placed: []placed{
				{5, "図1の上のグラフは、組織の94%がGenAIに関与しており、GenAIの採用が非常に高いまたは高い組織(42%、GenAIの採用率が高い組織)とGenAIの採用率が低いもしくは中程度の組織(52%、GenAIの採用率が低い組織)の2つのカテゴリに分類できることを示しています。"},
				{14, "一方、回答者の16%は、エッジデバイスなどのデバイスにモデルをローカルに展開しています。"},
				{18, "対照的に、業種横断的なIT組織は、出力品質(48%)と運用コスト(42%)を最も重視しており、これは多様なビジネス環境にわたって信頼性が高く手頃なソリューションを提供することに重点を置いていることを反映していると考えられます。"},
			},
		},
		{
			name: "reads the second survey, which spaces Latin words inside Japanese", source: "001_1473911884bdf481", pages: 15, minFound: 0.96,
			placed: []placed{
				{3, "残念ながら、これらの革命は世界全体からほとんど知られていませんでした。"},
				{8, "図 7 は、回答者がオープンデータセットを最も評価していることを示しています (47%)。"},
				{13, "貴社はオープンソースソフトウェア(OSS) にどの程度依存していますか?"},
			},
		},
		{
			name: "reads the dialogue-style article", source: "002_f24b6b3b9f79a2cc", pages: 5, minFound: 0.98,
			placed: []placed{
				{1, "拓海先生、最近うちの若手から「オープンソースのAIを使え」と言われているのですが、正直何が変わるのかよく分かりません。"},
				{3, "つまりオープン化は一律の処方箋ではなく、企業のポジションによって効果が大きく変わることをデータで裏付けている点が差別化のもう一つのポイントである。"},
				{5, "オープン化が進むと、モデルの導入や運用はより多くの部門が関与することになる。"},
			},
		},
		{
			name: "reads the summary with its Markdown-looking text", source: "003_0e01fdcfff4f2347", pages: 3, minFound: 0.99,
			placed: []placed{
				{1, "本レポートは、2025年4月11日に公開された記事「How open-source is shaping the future of AI」を基に、オープンソースAIの現状、利点、課題を客観的に分析し、その将来展望について考察する。"},
				{2, "企業は、自社のビジネス利益に合致するライセンスモデルを選択する権利を持つ。"},
				{3, "オープンソースAIの将来は、協調と透明性を重視し、倫理的な配慮と責任を両立させることで、より明るいものとなるだろう。"},
			},
		},
		{
			name: "reads the Korean summary with its word spaces", source: "004_8b294292eef632cb", pages: 2, minFound: 0.94,
			placed: []placed{
				{1, "생성형 AI가 폭발적으로 증가하면서, Linux Foundation에서는 생성형 AI에 대해 살펴보면서 오픈소스와 폐쇄형 솔루션(Closed Source)과의 비교를 진행하였습니다."},
				{2, "• 연구 상세: 2023년 LF AI & Data 및 Linux Foundation Research에서 진행한 이 설문 조사는 284명의 응답자를 대상으로 했으며, 90% 신뢰 수준에서 5.2%의 오차 범위를 가집니다."},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := readSource(t, tc.source)
			doc, err := File(context.Background(), corpustest.Path(t, "pdf/"+tc.source+".pdf"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Pages) != tc.pages {
				t.Errorf("got %d pages, want %d", len(doc.Pages), tc.pages)
			}
			for i, p := range doc.Pages {
				if p.Number != i+1 {
					t.Errorf("page %d has Number %d", i+1, p.Number)
				}
				if m := unjoinedWrap.FindString(p.Text); m != "" {
					t.Errorf("page %d keeps a wrap inside Japanese text: %q", p.Number, m)
				}
			}
			found, missing := coverage(joinedDocument(doc), sentences(src), nil)
			t.Logf("%.1f%% of %d source sentences found; missing: %q", 100*found, len(sentences(src)), missing)
			if found < tc.minFound {
				t.Errorf("found %.1f%% of the source sentences, want at least %.0f%%", 100*found, 100*tc.minFound)
			}
			for _, pl := range tc.placed {
				if pl.page > len(doc.Pages) || !strings.Contains(normalized(doc.Pages[pl.page-1].Text), pl.sentence) {
					t.Errorf("page %d lacks %q", pl.page, pl.sentence)
				}
			}
			if strings.Contains(src, "誤差") && !strings.Contains(joinedDocument(doc), "誤差") {
				t.Errorf("the word 誤差 is split")
			}
		})
	}
}

func TestCorpusHardPDFs(t *testing.T) {
	combo, err := File(context.Background(), corpustest.Path(t, "pdf/combo_000_001.pdf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(combo.Pages) != 40 {
		t.Fatalf("combo: got %d pages, want 40", len(combo.Pages))
	}
	for _, tc := range []struct {
		name string
		file string
	}{
		{"reads an owner-password AES-128 PDF without a password", "hard/enc_aes128.pdf"},
		{"reads a PDF with object streams and an xref stream", "hard/objstm.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), corpustest.Path(t, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(doc.Pages) != fmt.Sprint(combo.Pages) {
				t.Errorf("text differs from combo_000_001.pdf, the same document unencrypted")
			}
		})
	}

	t.Run("decrypts two PDFs at once", func(t *testing.T) {
		p := corpustest.Path(t, "hard/enc_aes128.pdf")
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := File(context.Background(), p, Options{})
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("fails on a PDF that needs a user password", func(t *testing.T) {
		_, err := File(context.Background(), corpustest.Path(t, "hard/user_password.pdf"), Options{})
		if !errors.Is(err, ErrEncrypted) || err.Error() != "pdf: needs a password to open: encrypted" {
			t.Fatalf("err = %v, want %q wrapping ErrEncrypted", err, "pdf: needs a password to open: encrypted")
		}
	})

	t.Run("fails on a corpus PDF cut in half", func(t *testing.T) {
		data, err := os.ReadFile(corpustest.Path(t, "pdf/003_0e01fdcfff4f2347.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = File(context.Background(), writeTemp(t, "half.pdf", data[:len(data)/2]), Options{})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("err = %v, want ErrCorrupt", err)
		}
	})
}

func TestCorpusFormats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		source   string
		skip     func(string) bool
		minFound float64
		check    func(t *testing.T, doc Document)
	}{
		{name: "reads every LibreOffice DOCX completely", file: "docx/000_0eff4470da887f30.docx", source: "000_0eff4470da887f30", minFound: 1},
		{name: "reads the second LibreOffice DOCX completely", file: "docx/001_1473911884bdf481.docx", source: "001_1473911884bdf481", minFound: 1},
		{name: "reads the third LibreOffice DOCX completely", file: "docx/002_f24b6b3b9f79a2cc.docx", source: "002_f24b6b3b9f79a2cc", minFound: 1},
		{name: "reads the fourth LibreOffice DOCX completely", file: "docx/003_0e01fdcfff4f2347.docx", source: "003_0e01fdcfff4f2347", minFound: 1},
		{name: "reads the Korean LibreOffice DOCX completely", file: "docx/004_8b294292eef632cb.docx", source: "004_8b294292eef632cb", minFound: 1},
		{name: "reads pandoc's DOCX", file: "formats/001_pandoc.docx", source: "001_1473911884bdf481", skip: hasMarkup, minFound: 0.99},
		{
			name: "reads the EPUB in spine order", file: "formats/001.epub", source: "001_1473911884bdf481", skip: hasMarkup, minFound: 0.99,
			check: func(t *testing.T, doc Document) {
				if doc.Title == "" || len(doc.Pages) != 1 || doc.Pages[0].Number != 0 {
					t.Errorf("title %q, %d pages: want a title and one page 0", doc.Title, len(doc.Pages))
				}
			},
		},
		{
			name: "reads the HTML page's visible text", file: "formats/003.html", source: "003_0e01fdcfff4f2347", skip: hasMarkup, minFound: 1,
			check: func(t *testing.T, doc Document) {
				if doc.Title != "003_0e01fdcfff4f2347" {
					t.Errorf("title = %q", doc.Title)
				}
				if strings.Contains(doc.Pages[0].Text, "white-space") {
					t.Errorf("style sheet leaked into the text")
				}
			},
		},
		{
			name: "reads Markdown as written", file: "formats/003.md", source: "003_0e01fdcfff4f2347", minFound: 1,
			check: func(t *testing.T, doc Document) {
				if want := cleanText(readSource(t, "003_0e01fdcfff4f2347")); doc.Pages[0].Text != want {
					t.Errorf("Markdown text differs from its source")
				}
			},
		},
		{
			name: "reads the PPTX slide by slide", file: "formats/003.pptx", source: "003_0e01fdcfff4f2347", skip: hasMarkup, minFound: 0.95,
			check: func(t *testing.T, doc Document) {
				if len(doc.Pages) != 8 {
					t.Errorf("got %d slides, want 8", len(doc.Pages))
				}
				for i, p := range doc.Pages {
					if p.Number != i+1 {
						t.Errorf("slide %d has Number %d", i+1, p.Number)
					}
				}
				if doc.Pages[0].Text != "オープンソースAIが切り開く未来：現状と課題" || !strings.HasPrefix(doc.Pages[1].Text, "1. はじめに") {
					t.Errorf("slides 1 and 2 start %q, %q", doc.Pages[0].Text, doc.Pages[1].Text)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), corpustest.Path(t, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, p := range doc.Pages {
				all = append(all, p.Text)
			}
			found, missing := coverage(strings.Join(all, "\n"), sentences(readSource(t, tc.source)), tc.skip)
			if found < tc.minFound {
				t.Errorf("found %.1f%% of the source sentences, want at least %.0f%%; missing %q", 100*found, 100*tc.minFound, missing)
			}
			if tc.check != nil {
				tc.check(t, doc)
			}
		})
	}
}

func TestCorpusTables(t *testing.T) {
	xlsx, err := File(context.Background(), corpustest.Path(t, "formats/001_table.xlsx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := File(context.Background(), corpustest.Path(t, "formats/001_table.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(xlsx.Pages) != 1 || xlsx.Pages[0].Number != 1 || len(csv.Pages) != 1 || csv.Pages[0].Number != 0 {
		t.Fatalf("xlsx pages %d (first %d), csv pages %d: want one sheet numbered 1 and one page 0",
			len(xlsx.Pages), xlsx.Pages[0].Number, len(csv.Pages))
	}
	xrows := strings.Split(xlsx.Pages[0].Text, "\n")
	crows := strings.Split(csv.Pages[0].Text, "\n")
	if len(xrows) != len(crows) || len(xrows) < 10 {
		t.Fatalf("xlsx has %d rows, csv %d: want the same table", len(xrows), len(crows))
	}
	if xrows[0] != "行\t本文\t数値" || crows[0] != xrows[0] {
		t.Errorf("header rows %q and %q", xrows[0], crows[0])
	}
	for i := range xrows {
		// The number column differs by format ("50%" against "50.00%");
		// the text columns must match.
		x, c := strings.Split(xrows[i], "\t"), strings.Split(crows[i], "\t")
		if len(x) < 2 || len(c) < 2 || x[0] != c[0] || x[1] != c[1] {
			t.Errorf("row %d differs: xlsx %q, csv %q", i, xrows[i], crows[i])
		}
	}
}
