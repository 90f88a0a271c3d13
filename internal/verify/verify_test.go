package verify

import (
	"reflect"
	"strings"
	"testing"
)

var quotesEN = []Quote{
	{1, "The survey received 316 responses from municipal staff in 2023."},
	{2, "Satisfaction with the new filing system rose to 72% after training."},
	{3, "Open-source models lowered licensing costs for the pilot teams."},
	{4, "Most respondents asked for offline access to internal documents."},
}

var quotesJA = []Quote{
	{1, "本調査の回答者数は316人であった。"},
	{2, "研修後、新しい文書管理システムへの満足度は72％に上昇した。"},
	{3, "オープンソースのモデルは試行チームのライセンス費用を削減した。"},
}

var quotesKO = []Quote{
	{1, "오픈소스 모델은 라이선스 비용이 저렴하다."},
	{2, "응답자의 72%가 오프라인 접근을 원했다."},
	{3, "폐쇄형 솔루션은 보안 인증을 제공한다."},
}

func TestSentencesAreJudgedAgainstTheQuotesTheyCite(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		quotes   []Quote
		verdicts []string
		check    func(t *testing.T, r Report)
	}{
		{
			name:     "a fully supported English answer",
			answer:   "The survey received 316 responses from municipal staff [1]. Satisfaction with the filing system rose to 72% after training [2].",
			quotes:   quotesEN,
			verdicts: []string{Supported, Supported},
			check: func(t *testing.T, r Report) {
				if r.Judged != 2 || r.Supported != 2 {
					t.Fatalf("judged %d, supported %d", r.Judged, r.Supported)
				}
				if got := r.Sentences[1].Quotes; len(got) == 0 || got[0] != 2 {
					t.Fatalf("the second sentence's supporting quote = %v, want 2 first", got)
				}
			},
		},
		{
			name:     "a number found in no quote makes the sentence unsupported",
			answer:   "Satisfaction with the filing system rose to 85% after training [2].",
			quotes:   quotesEN,
			verdicts: []string{Unsupported},
			check: func(t *testing.T, r Report) {
				if got := r.Sentences[0].NumbersMissing; !reflect.DeepEqual(got, []string{"85"}) {
					t.Fatalf("numbers missing = %q, want [85]", got)
				}
			},
		},
		{
			name:     "a citation of the wrong quote names the right one",
			answer:   "Open-source models lowered licensing costs for the pilot teams [4].",
			quotes:   quotesEN,
			verdicts: []string{Supported},
			check: func(t *testing.T, r Report) {
				if s := r.Sentences[0]; s.Suggest != 3 {
					t.Fatalf("suggested quote = %d, want 3 (%+v)", s.Suggest, s)
				}
			},
		},
		{
			name:     "a number in another quote than the one cited names that quote",
			answer:   "Satisfaction rose to 72% after the training [1].",
			quotes:   quotesEN,
			verdicts: []string{Supported},
			check: func(t *testing.T, r Report) {
				if s := r.Sentences[0]; s.Suggest != 2 || len(s.NumbersMissing) != 0 {
					t.Fatalf("suggest %d, missing %v; want 2 and none", s.Suggest, s.NumbersMissing)
				}
			},
		},
		{
			name:     "a citation of a quote that does not exist",
			answer:   "Most respondents asked for offline access to internal documents [5].",
			quotes:   quotesEN,
			verdicts: []string{Supported},
			check: func(t *testing.T, r Report) {
				if s := r.Sentences[0]; !reflect.DeepEqual(s.Missing, []int{5}) || s.Suggest != 4 && (len(s.Quotes) == 0 || s.Quotes[0] != 4) {
					t.Fatalf("missing %v, suggest %d, quotes %v", s.Missing, s.Suggest, s.Quotes)
				}
			},
		},
		{
			name:     "an invented sentence is unsupported",
			answer:   "The ministry plans to replace every printer with tablets next spring [1].",
			quotes:   quotesEN,
			verdicts: []string{Unsupported},
		},
		{
			name:     "a Japanese answer, supported, with full-width digits and percent",
			answer:   "回答者数は３１６人でした[1]。研修の後、満足度は72%に上昇しました【2】。",
			quotes:   quotesJA,
			verdicts: []string{Supported, Supported},
		},
		{
			name:     "a Japanese number in no quote",
			answer:   "回答者数は500人でした[1]。",
			quotes:   quotesJA,
			verdicts: []string{Unsupported},
			check: func(t *testing.T, r Report) {
				if got := r.Sentences[0].NumbersMissing; !reflect.DeepEqual(got, []string{"500"}) {
					t.Fatalf("numbers missing = %q", got)
				}
			},
		},
		{
			name:     "a Japanese citation of the wrong quote",
			answer:   "オープンソースのモデルでライセンス費用が削減されました[1]。",
			quotes:   quotesJA,
			verdicts: []string{Supported},
			check: func(t *testing.T, r Report) {
				if s := r.Sentences[0]; s.Suggest != 3 {
					t.Fatalf("suggest %d, want 3 (%+v)", s.Suggest, s)
				}
			},
		},
		{
			name:     "a Korean answer with inflected words, supported",
			answer:   "오픈소스 모델이 라이선스 비용이 더 저렴합니다[1]. 응답자의 72%가 오프라인 접근을 원했습니다[2].",
			quotes:   quotesKO,
			verdicts: []string{Supported, Supported},
		},
		{
			name:     "a Korean number in no quote",
			answer:   "응답자의 90%가 오프라인 접근을 원했습니다[2].",
			quotes:   quotesKO,
			verdicts: []string{Unsupported},
		},
		{
			name:     "a citation after the full stop belongs to the sentence before it",
			answer:   "Most respondents asked for offline access to internal documents. [4] The survey received 316 responses. [1]",
			quotes:   quotesEN,
			verdicts: []string{Supported, Supported},
			check: func(t *testing.T, r Report) {
				if !reflect.DeepEqual(r.Sentences[0].Cited, []int{4}) || !reflect.DeepEqual(r.Sentences[1].Cited, []int{1}) {
					t.Fatalf("cited %v and %v", r.Sentences[0].Cited, r.Sentences[1].Cited)
				}
			},
		},
		{
			name:     "a heading and a list: the heading is not judged",
			answer:   "Findings:\n- The survey received 316 responses from municipal staff [1]\n- Satisfaction rose to 72% after training [2]",
			quotes:   quotesEN,
			verdicts: []string{"", Supported, Supported},
		},
		{
			name:     "years and amounts with separators and units",
			answer:   "In 2023 the survey received 316 responses [1].",
			quotes:   quotesEN,
			verdicts: []string{Supported},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.answer, tt.quotes)
			var got []string
			for _, s := range r.Sentences {
				got = append(got, s.Verdict)
			}
			if !reflect.DeepEqual(got, tt.verdicts) {
				for _, s := range r.Sentences {
					t.Logf("%q: %s coverage %.2f cited %v quotes %v missing %v", s.Text, s.Verdict, s.Coverage, s.Cited, s.Quotes, s.NumbersMissing)
				}
				t.Fatalf("verdicts %q, want %q", got, tt.verdicts)
			}
			for _, s := range r.Sentences {
				if tt.answer[s.Start:s.End] != s.Text {
					t.Fatalf("sentence %q has offsets %d..%d", s.Text, s.Start, s.End)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestNumbersAreNormalised(t *testing.T) {
	tests := []struct{ sentence, quote string }{
		{"１２３人", "123人"},
		{"72％", "72%"},
		{"1,234件", "1234件"},
		{"35万人", "350,000人"},
		{"3억 원", "300,000,000원"},
		{"3.5", "3.5"},
	}
	for _, tt := range tests {
		s := numbers(tt.sentence)
		q := numberSet(tt.quote)
		if len(s) != 1 || !q[s[0].value] {
			t.Errorf("%q read as %+v, quote %q as %v", tt.sentence, s, tt.quote, q)
		}
	}
	if n := numbers("qwen3 and GPT-4o are models"); len(n) != 1 || n[0].value != "4" {
		t.Errorf("digits inside Latin words: %+v", n)
	}
	if n := numbers("1. First item"); len(n) != 0 {
		t.Errorf("a list marker read as a number: %+v", n)
	}
}

func TestSentencesKeepEveryCharacterOffset(t *testing.T) {
	answer := "「満足度は72%でした」と報告された[2]。次に、e.g. the survey [1]. Done!"
	for _, s := range Sentences(answer) {
		if answer[s.Start:s.End] != s.Text || strings.TrimSpace(s.Text) != s.Text {
			t.Fatalf("sentence %q at %d..%d", s.Text, s.Start, s.End)
		}
	}
	if n := len(Sentences(answer)); n != 3 {
		t.Fatalf("%d sentences in %q, want 3: %+v", n, answer, Sentences(answer))
	}
}

// BenchmarkCheck measures the check of a 300-token answer against six quotes
// (the target is under 50 ms).
func BenchmarkCheck(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 1800 {
		sb.WriteString("The survey received 316 responses from municipal staff [1]. Satisfaction with the filing system rose to 72% after training [2]. 回答者数は316人でした[1]。")
	}
	answer := sb.String()
	quotes := append(append([]Quote{}, quotesEN...), Quote{5, quotesJA[0].Text}, Quote{6, quotesJA[1].Text})
	b.ResetTimer()
	for b.Loop() {
		Check(answer, quotes)
	}
}
