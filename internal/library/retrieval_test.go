package library_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
)

// corpusDir is the shared evaluation corpus, relative to this package's
// folder: four Japanese reports on open-source generative AI and one Korean
// summary of one of them.
//
//	000 Shaping the Future of Generative AI (LF Research 2024, Japanese translation)
//	001 2023 Open Source Generative AI Survey Report (Japanese translation)
//	002 a dialogue and summary of "Is Open Source the Future of AI?" (arXiv)
//	003 a report on the article "How open-source is shaping the future of AI"
//	004 a Korean summary of the 2023 survey report (the same survey as 001)
const corpusDir = "../../../shared/corpus/text"

// openCorpus ingests the corpus, lexical only, into a library in a temporary
// folder. The model runtime address is one where nothing listens, as on a
// machine whose runtime is not started: search must still work.
func openCorpus(t *testing.T) *library.Library {
	t.Helper()
	dir, err := filepath.Abs(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("evaluation corpus not found at %s (%v): skipping the retrieval quality test", dir, err)
	}
	ctx := context.Background()
	client, err := llm.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(ctx, t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	sum, err := lib.Ingest(ctx, "default", []string{dir}, library.IngestOptions{NoEmbedding: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) > 0 || sum.Added != 5 {
		t.Fatalf("ingest of the corpus: added %d files (want 5), failed %v", sum.Added, sum.Failed)
	}
	return lib
}

// squash removes all whitespace, so that evidence written as it reads still
// matches text whose spacing came out differently (PDF-derived text breaks
// lines and spaces around Latin words and numbers unpredictably).
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// answer is a file that answers a question and the evidence that marks the
// passage that does: a passage counts when it comes from file and contains
// one of the evidence strings (whitespace ignored).
type answer struct {
	file     string
	evidence []string
}

func (a answer) matches(p retrieve.Passage) bool {
	// The same document in another format (the PDFs) counts too.
	if stem(p.Path) != stem(a.file) {
		return false
	}
	text := squash(p.Text)
	for _, e := range a.evidence {
		if strings.Contains(text, squash(e)) {
			return true
		}
	}
	return false
}

// retrievalCases are questions written as users would type them, before
// the engine was run on them, and not tuned to it afterwards: most
// paraphrase the text; some hinge on an exact name, term or figure. Each
// lists the passages that answer it. A question about the 2023 survey may
// be answered by the Korean summary (004) or the Japanese report (001) when
// both carry the fact; some Korean questions are answered only by the
// Japanese reports (cross-language questions).
var retrievalCases = []struct {
	name    string
	lang    string // "ja" or "ko"
	query   string
	answers []answer
}{
	// Japanese, 003: How open-source is shaping the future of AI.
	{
		name:    "a model that claims to be open source but hides parts has a name",
		lang:    "ja",
		query:   "オープンソースを名乗っているのに一部のコンポーネントを公開していないことを何と言いますか",
		answers: []answer{{"003_0e01fdcfff4f2347.txt", []string{"「オープンソース・ウォッシング」と呼ばれ"}}},
	},
	{
		name:    "why DeepSeek is cited as a success of open-source AI",
		lang:    "ja",
		query:   "DeepSeekがオープンソースAIの好例とされるのはなぜですか",
		answers: []answer{{"003_0e01fdcfff4f2347.txt", []string{"少ない計算資源で高性能なAIモデルを構築"}}},
	},
	{
		name:    "what the SUSE CEO says open source brings to companies",
		lang:    "ja",
		query:   "SUSEのCEOはオープンソースがどんな点で企業に役立つと言っていますか",
		answers: []answer{{"003_0e01fdcfff4f2347.txt", []string{"コスト削減、業務プロセスの効率化"}}},
	},
	{
		name:    "why small language models attract interest",
		lang:    "ja",
		query:   "なぜ小規模な言語モデルに関心が集まっているのですか",
		answers: []answer{{"003_0e01fdcfff4f2347.txt", []string{"リソース制約のある環境に適した小型言語モデル"}}},
	},
	// Japanese, 002: Is Open Source the Future of AI? A Data-Driven Approach.
	{
		name:    "the arXiv number of the data-driven open source paper",
		lang:    "ja",
		query:   "Is Open Source the Future of AI の論文のarXiv番号は？",
		answers: []answer{{"002_f24b6b3b9f79a2cc.txt", []string{"arXiv:2501.16403"}}},
	},
	{
		name:    "how fast open and closed models improve",
		lang:    "ja",
		query:   "公開モデルと閉鎖モデルで改善のスピードはどう違いますか",
		answers: []answer{{"002_f24b6b3b9f79a2cc.txt", []string{"OSMsではコミュニティによる短期間での改良が観測される"}}},
	},
	{
		name:    "why opening up can hurt a small company",
		lang:    "ja",
		query:   "小さな会社がAIをオープンにすると不利になるのはなぜですか",
		answers: []answer{{"002_f24b6b3b9f79a2cc.txt", []string{"小規模企業は逆に模倣リスクに対する脆弱性が高まる"}}},
	},
	// Japanese, 001: 2023 survey report.
	{
		name:    "the main reason not to adopt generative AI",
		lang:    "ja",
		query:   "生成AIを採用しない一番の理由は何ですか",
		answers: []answer{{"001_1473911884bdf481.txt", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}}},
	},
	{
		name:  "whether companies prefer open source or proprietary generative AI",
		lang:  "ja",
		query: "オープンソースとプロプライエタリ、企業はどちらの生成AIを好んでいますか",
		answers: []answer{{"001_1473911884bdf481.txt", []string{
			"41%がオープンソースの生成AIテクノロジーを好む",
			"41% がオープンソースの生成 AI テクノロジーに傾いている",
		}}},
	},
	{
		name:    "the margin of error of the 2023 survey",
		lang:    "ja",
		query:   "2023年調査の誤差範囲はどのくらいですか",
		answers: []answer{{"001_1473911884bdf481.txt", []string{"90% 信頼水準で 5.2%"}}},
	},
	{
		name:    "a technique to customise a model with little compute",
		lang:    "ja",
		query:   "少ない計算量でモデルをカスタマイズする技術として何が紹介されていますか",
		answers: []answer{{"001_1473911884bdf481.txt", []string{"LongLoRA"}}},
	},
	{
		name:    "how many language models after GPT-3 were open source",
		lang:    "ja",
		query:   "GPT-3以降の2年間に出た言語モデルのうちオープンソースだったのはいくつですか",
		answers: []answer{{"001_1473911884bdf481.txt", []string{"公開されたのはわずか 8 つだけ"}}},
	},
	// Japanese, 000: Shaping the Future of Generative AI (2024).
	{
		name:  "the share of organisations running inference on Kubernetes",
		lang:  "ja",
		query: "推論ワークロードをKubernetesで動かしている組織はどれくらいありますか",
		answers: []answer{{"000_0eff4470da887f30.txt", []string{
			"50%がKubernetesを使用", "回答者の半数(50%)は、Kubernetesを使用", "組織の50%が Kubernetes を使用",
		}}},
	},
	{
		name:    "the technique that improved model performance most",
		lang:    "ja",
		query:   "モデルの性能向上に最も効果があった手法は何ですか",
		answers: []answer{{"000_0eff4470da887f30.txt", []string{"プロンプトエンジニアリングは、GenAIを導入した組織の約80%"}}},
	},
	{
		name:    "how many organisations expect to use more open source tools",
		lang:    "ja",
		query:   "今後2年でオープンソースのツールの利用が増えると見ている組織の割合は",
		answers: []answer{{"000_0eff4470da887f30.txt", []string{"組織の73%が今後2年間"}}},
	},
	{
		name:    "respondents and margin of error of the 2024 survey",
		lang:    "ja",
		query:   "2024年の調査の回答者数と誤差を教えてください",
		answers: []answer{{"000_0eff4470da887f30.txt", []string{"90%の信頼度で±4.7%"}}},
	},

	// Korean, 004: summary of the 2023 survey; 001 reports the same facts.
	{
		name:  "the share expecting open source to improve data control in Korean",
		lang:  "ko",
		query: "오픈소스 생성형 AI가 데이터 제어와 투명성을 개선할 거라고 본 회사는 몇 퍼센트인가요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"69%의 회사"}},
			{"001_1473911884bdf481.txt", []string{"69% もの企業が", "回答者の69%がデータの管理と透明性の向上"}},
		},
	},
	{
		name:  "respondents and margin of error of the survey in Korean",
		lang:  "ko",
		query: "설문 응답자는 몇 명이고 오차 범위는 얼마인가요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"5.2%의 오차 범위"}},
			{"001_1473911884bdf481.txt", []string{"90% 信頼水準で 5.2%"}},
		},
	},
	{
		name:  "which side users prefer for user experience in Korean",
		lang:  "ko",
		query: "사용자 경험 면에서는 오픈소스와 소유권 솔루션 중 어느 쪽이 더 선호되나요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"41% vs. 38%"}},
			{"001_1473911884bdf481.txt", []string{"プロプライエタリなソリューション (41%) とオープンソースのソリューション (38%)"}},
		},
	},
	{
		name:  "the biggest obstacle to adopting generative AI in Korean",
		lang:  "ko",
		query: "생성형 AI 도입의 가장 큰 걸림돌은 무엇인가요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"보안은 생성형 AI 도입에 있어 주요 우려사항"}},
			{"001_1473911884bdf481.txt", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}},
		},
	},
	{
		name:  "who ran the survey in Korean",
		lang:  "ko",
		query: "이 조사는 어느 단체들이 함께 진행했나요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"LF AI & Data와 Generative AI Commons가 함께 진행"}},
		},
	},
	{
		name:  "the share who find neutral governance important in Korean",
		lang:  "ko",
		query: "중립적인 거버넌스가 중요하다고 답한 비율은 얼마나 되나요?",
		answers: []answer{
			{"004_8b294292eef632cb.txt", []string{"88%가 GenAI 기술 개발시 중립적 거버넌스가 중요", "88%는 생성형 AI 기술 개발 시 중립적 거버넌스"}},
			{"001_1473911884bdf481.txt", []string{"88% が生成 AI テクノロジーを開発する際に非常に重要"}},
		},
	},
	// Korean questions answered only by the Japanese reports.
	{
		name:  "the share not starting projects because of security, answered in Japanese",
		lang:  "ko",
		query: "보안 문제 때문에 생성형 AI 프로젝트를 시작하지 않는 기업은 몇 %인가요?",
		answers: []answer{
			{"001_1473911884bdf481.txt", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}},
		},
	},
	{
		name:  "the share running inference on Kubernetes, answered in Japanese",
		lang:  "ko",
		query: "GenAI 추론 워크로드에 Kubernetes를 사용하는 조직은 몇 퍼센트인가요?",
		answers: []answer{{"000_0eff4470da887f30.txt", []string{
			"50%がKubernetesを使用", "回答者の半数(50%)は、Kubernetesを使用", "組織の50%が Kubernetes を使用",
		}}},
	},
}

// minRecallAt5 guards against regressions of lexical-only retrieval: 0.1
// below what the code achieves. Measured on 2026-11-25, questions written
// before the first run: recall@5 0.58 (0.44 Japanese) when a Japanese
// question was one long phrase; 0.83 overall (20/24), 0.81 Japanese
// (13/16), 0.88 Korean (7/8) once tokenize.MatchQuery cut queries where the
// script changes; 0.88 overall (21/24), 0.88 Japanese (14/16), 0.88 Korean
// (7/8) once the bigrams of a compound also counted alone. The misses left
// use other words than the text (vectors cover those) or ask in Korean
// about Japanese text.
const minRecallAt5 = 0.78

// TestRetrievalQuality measures lexical-only retrieval over the shared
// corpus: recall@5 (a passage that answers the question is among the top
// five), recall@1 and mean reciprocal rank, over all questions and per
// language. It logs every miss with what came first, so that a change to
// tokenising or ranking can be judged question by question.
func TestRetrievalQuality(t *testing.T) {
	lib := openCorpus(t)
	ctx := context.Background()

	type tally struct {
		n, at1, at5 int
		rr          float64
	}
	totals := map[string]*tally{"all": {}, "ja": {}, "ko": {}}
	for _, tc := range retrievalCases {
		res, err := lib.Search(ctx, "default", tc.query, library.SearchOptions{K: 5})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Mode != retrieve.ModeLexical {
			t.Fatalf("%s: search ran in mode %q, want %q", tc.name, res.Mode, retrieve.ModeLexical)
		}
		rank := 0
	find:
		for i, p := range res.Passages {
			for _, a := range tc.answers {
				if a.matches(p) {
					rank = i + 1
					break find
				}
			}
		}
		for _, key := range []string{"all", tc.lang} {
			s := totals[key]
			s.n++
			if rank > 0 {
				s.at5++
				s.rr += 1 / float64(rank)
			}
			if rank == 1 {
				s.at1++
			}
		}
		if rank == 0 {
			t.Logf("miss [%s] %s\n\tquery: %s\n\tfirst: %s", tc.lang, tc.name, tc.query, describe(res.Passages))
		} else if rank > 1 {
			t.Logf("found at rank %d [%s] %s", rank, tc.lang, tc.name)
		}
	}
	for _, key := range []string{"all", "ja", "ko"} {
		s := totals[key]
		t.Logf("%-3s recall@5 %.2f (%d/%d)  recall@1 %.2f  MRR %.2f",
			key, float64(s.at5)/float64(s.n), s.at5, s.n, float64(s.at1)/float64(s.n), s.rr/float64(s.n))
	}
	all := totals["all"]
	if got := float64(all.at5) / float64(all.n); got < minRecallAt5 {
		t.Errorf("recall@5 = %.2f, want at least %.2f: retrieval got worse (see the misses above)", got, minRecallAt5)
	}
}

func stem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// describe summarises the first passage of a result for a miss report.
func describe(ps []retrieve.Passage) string {
	if len(ps) == 0 {
		return "(no passage)"
	}
	p := ps[0]
	text := []rune(squash(p.Text))
	if len(text) > 60 {
		text = text[:60]
	}
	return fmt.Sprintf("%s %q", filepath.Base(p.Path), string(text))
}

// TestExactTermsAreFound checks that an exact name, ID or figure from the
// corpus, searched alone, brings first a passage that contains it: the case
// that lexical search exists for.
func TestExactTermsAreFound(t *testing.T) {
	lib := openCorpus(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		query string
	}{
		{name: "a margin of error with a plus-minus sign is found", query: "±4.7%"},
		{name: "a fine-tuning technique in mixed case is found", query: "LongLoRA"},
		{name: "a person's name with initials is found", query: "Balakrishna D. R."},
		{name: "a two-word project name is found", query: "ODPi Egeria"},
		{name: "a model name with a version number is found", query: "GPT-NeoX"},
		// The text reads arXiv:2501.16403v1: the last query word matches as a prefix.
		{name: "an arXiv identifier without its version suffix is found", query: "arXiv:2501.16403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lib.Search(ctx, "default", tt.query, library.SearchOptions{K: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Passages) == 0 {
				t.Fatalf("search %q found nothing", tt.query)
			}
			if first := res.Passages[0]; !strings.Contains(squash(first.Text), squash(tt.query)) {
				t.Errorf("search %q: first passage does not contain it: %s", tt.query, describe(res.Passages))
			}
		})
	}
}
