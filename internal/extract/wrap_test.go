package extract

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var joinCases = []struct {
	name, in, want string
}{
	{"joins a Japanese word split by a wrap", "測定誤\n差が大きい", "測定誤差が大きい"},
	{"keeps the break after a Japanese full stop", "考察する。\nオープンソース", "考察する。\nオープンソース"},
	{"keeps the break after a full stop and a closing bracket", "と述べた。」\n次に", "と述べた。」\n次に"},
	{"keeps the break after a full-width question mark", "ですか？\nはい", "ですか？\nはい"},
	{"joins a Japanese wrap before a number without a space", "回答者の\n71%が", "回答者の71%が"},
	{"joins a Japanese wrap after a Latin word without a space", "オープンソースのGenAI\nツール", "オープンソースのGenAIツール"},
	{"joins Japanese and Latin with a space when the text spaces them", "生成 AI は 88% が\nAI を使う", "生成 AI は 88% が AI を使う"},
	{"joins English wraps with a space", "the quick brown\nfox jumps", "the quick brown fox jumps"},
	{"keeps the break after an English sentence", "It ends here.\nNext one", "It ends here.\nNext one"},
	{"joins with one space when the line ended with a space", "shaping the future \nof AI", "shaping the future of AI"},
	{"joins a Korean wrap between syllables with a space", "생성형 AI에\n대한 리포트", "생성형 AI에 대한 리포트"},
	{"joins a Korean wrap at a drawn space with one space", "오픈소스 \n솔루션", "오픈소스 솔루션"},
	{"joins a hyphenated compound and keeps the hyphen", "open-\nsource models", "open-source models"},
	{"joins a number range without dropping the minus", "pages 10-\n20", "pages 10- 20"},
	{"drops a soft hyphen at a line end", "infor\u00ad\nmation", "information"},
	{"keeps a line break before a bullet", "Items:\n• one\n• two", "Items:\n• one\n• two"},
	{"turns runs of blank lines into one paragraph break", "one\n\n \n\t\ntwo", "one\n\ntwo"},
	{"drops blank lines at both ends", "\n\n  \nword\n\n", "word"},
	{"trims the edges of joined lines", "a  \n   b", "a b"},
	{"keeps the indentation of a line that stays a line", "End.\n  indented", "End.\n  indented"},
	{"treats CRLF as a line end", "one\r\ntwo\r\n誤\r\n差", "one two誤差"},
	{"passes invalid UTF-8 through", "a\xff\nb", "a\xff b"},
	{"returns empty input unchanged", "", ""},
}

func TestJoinWrappedLines(t *testing.T) {
	for _, tc := range joinCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := JoinWrappedLines(tc.in); got != tc.want {
				t.Errorf("JoinWrappedLines(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzJoinWrappedLines checks the promises of JoinWrappedLines on any input:
// it never grows the text, changes nothing but whitespace (and line-end
// soft hyphens), leaves no trailing whitespace, blank-line runs or edge
// blank lines, and is idempotent.
func FuzzJoinWrappedLines(f *testing.F) {
	for _, tc := range joinCases {
		f.Add(tc.in)
	}
	f.Add("a\n\n\n\nb\n \n")
	f.Add("生成 AI\nは\n\n誤\n差。\n」")
	f.Fuzz(func(t *testing.T, in string) {
		out := JoinWrappedLines(in)
		if len(out) > len(in) {
			t.Fatalf("output longer than input: %q -> %q", in, out)
		}
		if a, b := squeeze(in), squeeze(out); a != b {
			t.Fatalf("non-space content changed: %q -> %q (%q vs %q)", in, out, a, b)
		}
		if strings.Contains(out, "\n\n\n") || strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
			t.Fatalf("stray blank lines in %q", out)
		}
		for line := range strings.SplitSeq(out, "\n") {
			if r, _ := utf8.DecodeLastRuneInString(line); line != "" && unicode.IsSpace(r) {
				t.Fatalf("trailing whitespace in line %q of %q", line, out)
			}
		}
		if again := JoinWrappedLines(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

// squeeze removes whitespace and soft hyphens.
func squeeze(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), ""), "\u00ad", "")
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"turns CRLF and lone CR into LF", "a\r\nb\rc", "a\nb\nc"},
		{"strips trailing spaces and turns form feeds into paragraph breaks", "a  \n\fb\t\n", "a\n\nb"},
		{"collapses runs of blank lines", "a\n\n\n\nb", "a\n\nb"},
		{"drops control characters but keeps tabs", "a\x00b\tc\x1b", "ab\tc"},
		{"replaces invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"drops byte-order marks", "\uFEFFtext", "text"},
		{"keeps leading indentation", "  code\n    more", "  code\n    more"},
		{"trims blank lines at both ends", "\n\n x \n\n", " x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cleanText(tc.in); got != tc.want {
				t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSpacedLatin(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"sees spaces around Latin words in Japanese", "生成 AI は重要で、88% が同意 (69%) した", true},
		{"sees tight Latin words in Japanese", "オープンソースAIが2025年4月に", false},
		{"decides nothing from Latin text alone", "plain English text", false},
		{"does not count line breaks as spaces", "生成\nAI", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := spacedLatin(tc.in); got != tc.want {
				t.Errorf("spacedLatin(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
