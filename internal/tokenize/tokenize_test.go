package tokenize

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func texts(ts []Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"English words are lower-cased and split at symbols", "Hello, World! ABC-123", []string{"hello", "world", "abc", "123"}},
		{"Japanese runs become overlapping bigrams", "日本語の文書", []string{"日本", "本語", "語の", "の文", "文書"}},
		{"Korean runs become bigrams too", "모델은 크다", []string{"모델", "델은", "크다"}},
		{"a lone CJK character is kept as a unigram", "A は B", []string{"a", "は", "b"}},
		{"full-width letters and digits match their ASCII forms", "ＧＰＴ－４", []string{"gpt", "4"}},
		{"half-width katakana is normalised to full width", "ｶﾀｶﾅ", []string{"カタ", "タカ", "カナ"}},
		{"mixed scripts switch between words and bigrams", "Llama2は強い", []string{"llama2", "は強", "強い"}},
		{"the prolonged sound mark stays inside katakana words", "サーバー", []string{"サー", "ーバ", "バー"}},
		{"symbols only give no terms", "!!! --- ...", nil},
		{"empty input gives no terms", "", nil},
		{"accented letters keep their marks", "Café résumé", []string{"café", "résumé"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := texts(Terms(tt.in))
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMatchQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"words become separate OR-ed prefix phrases", "open source", `"open"* OR "source"*`},
		{"an ID with a dash is one phrase", "ABC-123", `"abc 123"*`},
		{"a Japanese question is cut where the script changes", "生成AIの誤差は何ですか", `"生成" OR "ai"* OR "誤差" OR "何"*`},
		{"katakana and kanji runs are separate pieces", "オープンソース化", `"オー ープ プン ンソ ソー ース" OR "オー" OR "ープ" OR "プン" OR "ンソ" OR "ソー" OR "ース" OR "化"*`},
		{"a hiragana-only query is kept as a phrase", "ありがとう", `"あり りが がと とう"`},
		{"a kanji compound also matches by its bigrams", "回答者数", `"回答 答者 者数" OR "回答" OR "答者" OR "者数"`},
		{"a Korean particle is dropped from a query word", "모델은 무엇", `"모델" OR "무엇"`},
		{"a single CJK character is a prefix query", "誤", `"誤"*`},
		{"FTS keywords are quoted literally", "cats OR dogs NEAR", `"cats"* OR "or"* OR "dogs"* OR "near"*`},
		{"full-width text is normalised first", "ＡＢＣ－１２３", `"abc 123"*`},
		{"repeated parts appear once", "model model", `"model"*`},
		{"a query with no terms gives an empty expression", "?!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchQuery(tt.in); got != tt.want {
				t.Errorf("MatchQuery(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIsForMatchingOnly(t *testing.T) {
	if Normalize("ＡＢＣ") != Normalize("abc") {
		t.Fatal("full-width and ASCII should normalise alike")
	}
}

func FuzzTerms(f *testing.F) {
	for _, s := range []string{"Hello, World! ABC-123", "日本語の文書", "모델은 크다", "ＧＰＴ－４", "ｶﾀｶﾅ", "サーバー", "\xff\xfe", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := Terms(s)
		for _, term := range terms {
			if term.Text == "" || strings.ContainsAny(term.Text, " \t\n\"") {
				t.Fatalf("bad term %q from %q", term.Text, s)
			}
			if !utf8.ValidString(term.Text) {
				t.Fatalf("invalid UTF-8 term %q", term.Text)
			}
			if term.Kind == Bigram && utf8.RuneCountInString(term.Text) != 2 {
				t.Fatalf("bigram %q is not two characters", term.Text)
			}
		}
		idx := IndexText(s)
		if got := len(strings.Fields(idx)); got != len(terms) {
			t.Fatalf("IndexText has %d fields, want %d", got, len(terms))
		}
		q := MatchQuery(s)
		if (q == "") != (len(terms) == 0) {
			t.Fatalf("MatchQuery(%q) = %q but %d terms", s, q, len(terms))
		}
	})
}
