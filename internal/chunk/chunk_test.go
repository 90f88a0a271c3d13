package chunk

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		text string
		opts Options
		want []string
	}{
		{"short text is one passage", "Hello world.", Options{Size: 100}, []string{"Hello world."}},
		{"whitespace only gives nothing", " \n\n\t ", Options{Size: 100}, nil},
		{"paragraphs are packed while they fit", "aaa\n\nbbb\n\nccc", Options{Size: 8, Overlap: 0}, []string{"aaa\n\nbbb", "ccc"}},
		{"a long paragraph is cut at Japanese sentence ends",
			"これは一文目です。これは二文目です。これは三文目です。", Options{Size: 12, Overlap: 0},
			[]string{"これは一文目です。", "これは二文目です。", "これは三文目です。"}},
		{"a closing bracket stays with its sentence", "「はい。」と言った。次の文。", Options{Size: 8, Overlap: 0},
			[]string{"「はい。」", "と言った。", "次の文。"}},
		{"a decimal point does not end a sentence", "Pi is 3.14 exactly. Next one.", Options{Size: 20, Overlap: 0},
			[]string{"Pi is 3.14 exactly.", "Next one."}},
		{"a sentence longer than the size is hard cut", "abcdefghij", Options{Size: 16, Overlap: 0}, []string{"abcdefghij"}},
		{"hard cuts never exceed the size", strings.Repeat("x", 40), Options{Size: 16, Overlap: 0},
			[]string{strings.Repeat("x", 16), strings.Repeat("x", 16), strings.Repeat("x", 8)}},
		{"neighbours share whole sentences within the overlap",
			"One. Two. Three. Four.", Options{Size: 16, Overlap: 6},
			[]string{"One. Two. Three.", "Three. Four."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.opts)
			var texts []string
			for _, c := range got {
				texts = append(texts, c.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tt.want, "|") || len(texts) != len(tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.text, texts, tt.want)
			}
			checkInvariants(t, tt.text, tt.opts, got)
		})
	}
}

func TestOffsetsPointIntoThePageText(t *testing.T) {
	text := "第一段落です。\n\n第二段落は少し長めの文章で、検索のための区切りを確かめます。さらに続きます。\n\nThird paragraph in English."
	for _, c := range Split(text, Options{Size: 20, Overlap: 5}) {
		if got := string([]rune(text)[c.Start:c.End]); got != c.Text {
			t.Fatalf("offsets [%d,%d) give %q, chunk text is %q", c.Start, c.End, got, c.Text)
		}
	}
}

func checkInvariants(t *testing.T, text string, opts Options, chunks []Chunk) {
	t.Helper()
	o := opts.normalized()
	runes := []rune(text)
	covered := make([]bool, len(runes))
	prevStart := -1
	for _, c := range chunks {
		if c.Start < 0 || c.End > len(runes) || c.Start >= c.End {
			t.Fatalf("bad offsets %d..%d for text of %d", c.Start, c.End, len(runes))
		}
		if string(runes[c.Start:c.End]) != c.Text {
			t.Fatalf("chunk text differs from its span")
		}
		if c.End-c.Start > o.Size {
			t.Fatalf("chunk of %d characters exceeds size %d", c.End-c.Start, o.Size)
		}
		if unicode.IsSpace(runes[c.Start]) || unicode.IsSpace(runes[c.End-1]) {
			t.Fatalf("chunk %q starts or ends with whitespace", c.Text)
		}
		if c.Start <= prevStart {
			t.Fatalf("chunks do not move forward")
		}
		prevStart = c.Start
		for i := c.Start; i < c.End; i++ {
			covered[i] = true
		}
	}
	for i, r := range runes {
		if !covered[i] && !unicode.IsSpace(r) {
			t.Fatalf("character %d (%q) is in no chunk", i, r)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("aaa\n\nbbb\n\nccc", 8, 0)
	f.Add("これは一文目です。これは二文目です。", 12, 4)
	f.Add("「はい。」と言った。", 8, 2)
	f.Add("One. Two. Three. Four.", 16, 6)
	f.Add(strings.Repeat("x", 40), 16, 0)
	f.Add("\n \n\n\t\n", 20, 3)
	f.Fuzz(func(t *testing.T, text string, size, overlap int) {
		if size > 4096 || size < -10 || overlap > 4096 || overlap < -10 || len(text) > 1<<14 {
			return
		}
		checkInvariants(t, text, Options{Size: size, Overlap: overlap}, Split(text, Options{Size: size, Overlap: overlap}))
	})
}

func TestSentencesForQuotingKeepWrappedLinesTogether(t *testing.T) {
	text := "生成AIの誤\n差について述べる。次の文です！\n\nA new paragraph. Second sentence?\n" + strings.Repeat("表", 25)
	got := Sentences(text, 20)
	var texts []string
	runes := []rune(text)
	for _, s := range got {
		texts = append(texts, string(runes[s.Start:s.End]))
	}
	want := []string{"生成AIの誤\n差について述べる。", "次の文です！", "A new paragraph.", "Second sentence?",
		strings.Repeat("表", 20), strings.Repeat("表", 5)}
	if !slices.Equal(texts, want) {
		t.Fatalf("sentences = %q\nwant        %q", texts, want)
	}
}

func TestAbbreviationsAndInitialsDoNotEndASentence(t *testing.T) {
	text := "Proprietary leads (41% vs. 38%) per Balakrishna D. R. of Infosys, e.g. in Fig. 3. Done."
	var got []string
	runes := []rune(text)
	for _, s := range Sentences(text, 0) {
		got = append(got, string(runes[s.Start:s.End]))
	}
	want := []string{"Proprietary leads (41% vs. 38%) per Balakrishna D. R. of Infosys, e.g. in Fig. 3.", "Done."}
	if !slices.Equal(got, want) {
		t.Fatalf("sentences = %q, want %q", got, want)
	}
}
