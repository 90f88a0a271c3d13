package answer

import (
	"testing"

	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

func passages(texts ...string) []retrieve.Passage {
	var out []retrieve.Passage
	for i, t := range texts {
		out = append(out, retrieve.Passage{Chunk: store.Chunk{ID: int64(i + 1), Path: "/d/report.txt", Text: t, End: len([]rune(t))}})
	}
	return out
}

// commonLow weighs terms as a collection's document frequencies would:
// function words low, the rest alike.
func commonLow(t string) float64 {
	switch t {
	case "the", "how", "many", "did", "is", "of", "what":
		return 0.1
	}
	return 1
}

func TestTheAnswerFromTheDocumentsIsTheSentenceThatAnswers(t *testing.T) {
	tests := []struct {
		name, question string
		passages       []retrieve.Passage
		want           string // the first sentence extracted
	}{
		{
			"the sentence with the question's terms, not its neighbours",
			"How many responses did the survey receive?",
			passages("The survey ran in spring. It received 316 responses from staff. Most were from the north."),
			"It received 316 responses from staff.",
		},
		{
			"a number wins when the question asks for one",
			"2023年調査の誤差範囲はどのくらいですか",
			passages("2023年の調査は世界で実施された。誤差範囲は90%信頼水準で5.2%である。", "調査の誤差範囲については付録を参照。"),
			"誤差範囲は90%信頼水準で5.2%である。",
		},
		{
			"a Korean question",
			"오픈소스 모델의 장점은 무엇인가요?",
			passages("보고서는 2023년에 작성되었다. 오픈소스 모델의 장점은 비용 절감과 투명성이다."),
			"오픈소스 모델의 장점은 비용 절감과 투명성이다.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.question, tt.passages, commonLow)
			if len(got) == 0 || got[0].Passage.Text != tt.want {
				t.Fatalf("Extract = %+v, want first %q", got, tt.want)
			}
			r := []rune(tt.passages[got[0].Rank].Text)
			if string(r[got[0].Passage.Start:got[0].Passage.End]) != got[0].Passage.Text {
				t.Fatalf("offsets %d..%d do not hold the sentence", got[0].Passage.Start, got[0].Passage.End)
			}
			if len(got) > maxExtracted {
				t.Fatalf("%d sentences", len(got))
			}
		})
	}
	if got := Extract("lighthouse lamp", passages("The ferry leaves at nine."), nil); got != nil {
		t.Fatalf("a sentence without any of the question's terms was extracted: %+v", got)
	}
}
