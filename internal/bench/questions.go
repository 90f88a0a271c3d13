package bench

import (
	"path/filepath"
	"strings"
)

// Question is a question a user would ask of the shared evaluation corpus
// (../shared/corpus: four Japanese reports on open-source generative AI and
// a Korean summary of one of them), with the passages that answer it.
//
//	000 Shaping the Future of Generative AI (LF Research 2024, Japanese translation)
//	001 2023 Open Source Generative AI Survey Report (Japanese translation)
//	002 a dialogue and summary of "Is Open Source the Future of AI?" (arXiv)
//	003 a report on the article "How open-source is shaping the future of AI"
//	004 a Korean summary of the 2023 survey report (the same survey as 001)
//
// The questions were written as users would type them, before the engine
// was run on them, and not tuned to it afterwards: most paraphrase the
// text; some hinge on an exact name, term or figure. The retrieval tests
// (internal/library) and `kura bench --edge` both use them.
type Question struct {
	Name    string
	Lang    string // "ja" or "ko"
	Query   string
	Answers []Evidence
}

// Evidence marks a passage that answers a question: it comes from the
// document File (the corpus file name without its extension, so the .txt,
// .pdf and .docx renderings all count) and contains one of the Text strings,
// white space ignored (PDF text breaks lines and spaces around Latin words
// and numbers unpredictably).
type Evidence struct {
	File string
	Text []string
}

// Answered reports whether the passage text from path holds an answer.
func (q Question) Answered(path, text string) bool {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	text = Squash(text)
	for _, a := range q.Answers {
		if a.File != stem {
			continue
		}
		for _, e := range a.Text {
			if strings.Contains(text, Squash(e)) {
				return true
			}
		}
	}
	return false
}

// Squash removes all white space.
func Squash(s string) string { return strings.Join(strings.Fields(s), "") }

// Questions are the evaluation questions. A question about the 2023 survey
// may be answered by the Korean summary (004) or the Japanese report (001)
// when both carry the fact; some Korean questions are answered only by the
// Japanese reports (cross-language questions).
var Questions = []Question{
	// Japanese, 003: How open-source is shaping the future of AI.
	{
		Name:    "a model that claims to be open source but hides parts has a name",
		Lang:    "ja",
		Query:   "オープンソースを名乗っているのに一部のコンポーネントを公開していないことを何と言いますか",
		Answers: []Evidence{{"003_0e01fdcfff4f2347", []string{"「オープンソース・ウォッシング」と呼ばれ"}}},
	},
	{
		Name:    "why DeepSeek is cited as a success of open-source AI",
		Lang:    "ja",
		Query:   "DeepSeekがオープンソースAIの好例とされるのはなぜですか",
		Answers: []Evidence{{"003_0e01fdcfff4f2347", []string{"少ない計算資源で高性能なAIモデルを構築"}}},
	},
	{
		Name:    "what the SUSE CEO says open source brings to companies",
		Lang:    "ja",
		Query:   "SUSEのCEOはオープンソースがどんな点で企業に役立つと言っていますか",
		Answers: []Evidence{{"003_0e01fdcfff4f2347", []string{"コスト削減、業務プロセスの効率化"}}},
	},
	{
		Name:    "why small language models attract interest",
		Lang:    "ja",
		Query:   "なぜ小規模な言語モデルに関心が集まっているのですか",
		Answers: []Evidence{{"003_0e01fdcfff4f2347", []string{"リソース制約のある環境に適した小型言語モデル"}}},
	},
	// Japanese, 002: Is Open Source the Future of AI? A Data-Driven Approach.
	{
		Name:    "the arXiv number of the data-driven open source paper",
		Lang:    "ja",
		Query:   "Is Open Source the Future of AI の論文のarXiv番号は？",
		Answers: []Evidence{{"002_f24b6b3b9f79a2cc", []string{"arXiv:2501.16403"}}},
	},
	{
		Name:    "how fast open and closed models improve",
		Lang:    "ja",
		Query:   "公開モデルと閉鎖モデルで改善のスピードはどう違いますか",
		Answers: []Evidence{{"002_f24b6b3b9f79a2cc", []string{"OSMsではコミュニティによる短期間での改良が観測される"}}},
	},
	{
		Name:    "why opening up can hurt a small company",
		Lang:    "ja",
		Query:   "小さな会社がAIをオープンにすると不利になるのはなぜですか",
		Answers: []Evidence{{"002_f24b6b3b9f79a2cc", []string{"小規模企業は逆に模倣リスクに対する脆弱性が高まる"}}},
	},
	// Japanese, 001: 2023 survey report.
	{
		Name:    "the main reason not to adopt generative AI",
		Lang:    "ja",
		Query:   "生成AIを採用しない一番の理由は何ですか",
		Answers: []Evidence{{"001_1473911884bdf481", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}}},
	},
	{
		Name:  "whether companies prefer open source or proprietary generative AI",
		Lang:  "ja",
		Query: "オープンソースとプロプライエタリ、企業はどちらの生成AIを好んでいますか",
		Answers: []Evidence{{"001_1473911884bdf481", []string{
			"41%がオープンソースの生成AIテクノロジーを好む",
			"41% がオープンソースの生成 AI テクノロジーに傾いている",
		}}},
	},
	{
		Name:    "the margin of error of the 2023 survey",
		Lang:    "ja",
		Query:   "2023年調査の誤差範囲はどのくらいですか",
		Answers: []Evidence{{"001_1473911884bdf481", []string{"90% 信頼水準で 5.2%"}}},
	},
	{
		Name:    "a technique to customise a model with little compute",
		Lang:    "ja",
		Query:   "少ない計算量でモデルをカスタマイズする技術として何が紹介されていますか",
		Answers: []Evidence{{"001_1473911884bdf481", []string{"LongLoRA"}}},
	},
	{
		Name:    "how many language models after GPT-3 were open source",
		Lang:    "ja",
		Query:   "GPT-3以降の2年間に出た言語モデルのうちオープンソースだったのはいくつですか",
		Answers: []Evidence{{"001_1473911884bdf481", []string{"公開されたのはわずか 8 つだけ"}}},
	},
	// Japanese, 000: Shaping the Future of Generative AI (2024).
	{
		Name:  "the share of organisations running inference on Kubernetes",
		Lang:  "ja",
		Query: "推論ワークロードをKubernetesで動かしている組織はどれくらいありますか",
		Answers: []Evidence{{"000_0eff4470da887f30", []string{
			"50%がKubernetesを使用", "回答者の半数(50%)は、Kubernetesを使用", "組織の50%が Kubernetes を使用",
		}}},
	},
	{
		Name:    "the technique that improved model performance most",
		Lang:    "ja",
		Query:   "モデルの性能向上に最も効果があった手法は何ですか",
		Answers: []Evidence{{"000_0eff4470da887f30", []string{"プロンプトエンジニアリングは、GenAIを導入した組織の約80%"}}},
	},
	{
		Name:    "how many organisations expect to use more open source tools",
		Lang:    "ja",
		Query:   "今後2年でオープンソースのツールの利用が増えると見ている組織の割合は",
		Answers: []Evidence{{"000_0eff4470da887f30", []string{"組織の73%が今後2年間"}}},
	},
	{
		Name:    "respondents and margin of error of the 2024 survey",
		Lang:    "ja",
		Query:   "2024年の調査の回答者数と誤差を教えてください",
		Answers: []Evidence{{"000_0eff4470da887f30", []string{"90%の信頼度で±4.7%"}}},
	},

	// Korean, 004: summary of the 2023 survey; 001 reports the same facts.
	{
		Name:  "the share expecting open source to improve data control in Korean",
		Lang:  "ko",
		Query: "오픈소스 생성형 AI가 데이터 제어와 투명성을 개선할 거라고 본 회사는 몇 퍼센트인가요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"69%의 회사"}},
			{"001_1473911884bdf481", []string{"69% もの企業が", "回答者の69%がデータの管理と透明性の向上"}},
		},
	},
	{
		Name:  "respondents and margin of error of the survey in Korean",
		Lang:  "ko",
		Query: "설문 응답자는 몇 명이고 오차 범위는 얼마인가요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"5.2%의 오차 범위"}},
			{"001_1473911884bdf481", []string{"90% 信頼水準で 5.2%"}},
		},
	},
	{
		Name:  "which side users prefer for user experience in Korean",
		Lang:  "ko",
		Query: "사용자 경험 면에서는 오픈소스와 소유권 솔루션 중 어느 쪽이 더 선호되나요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"41% vs. 38%"}},
			{"001_1473911884bdf481", []string{"プロプライエタリなソリューション (41%) とオープンソースのソリューション (38%)"}},
		},
	},
	{
		Name:  "the biggest obstacle to adopting generative AI in Korean",
		Lang:  "ko",
		Query: "생성형 AI 도입의 가장 큰 걸림돌은 무엇인가요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"보안은 생성형 AI 도입에 있어 주요 우려사항"}},
			{"001_1473911884bdf481", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}},
		},
	},
	{
		Name:  "who ran the survey in Korean",
		Lang:  "ko",
		Query: "이 조사는 어느 단체들이 함께 진행했나요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"LF AI & Data와 Generative AI Commons가 함께 진행"}},
		},
	},
	{
		Name:  "the share who find neutral governance important in Korean",
		Lang:  "ko",
		Query: "중립적인 거버넌스가 중요하다고 답한 비율은 얼마나 되나요?",
		Answers: []Evidence{
			{"004_8b294292eef632cb", []string{"88%가 GenAI 기술 개발시 중립적 거버넌스가 중요", "88%는 생성형 AI 기술 개발 시 중립적 거버넌스"}},
			{"001_1473911884bdf481", []string{"88% が生成 AI テクノロジーを開発する際に非常に重要"}},
		},
	},
	// Korean questions answered only by the Japanese reports.
	{
		Name:  "the share not starting projects because of security, answered in Japanese",
		Lang:  "ko",
		Query: "보안 문제 때문에 생성형 AI 프로젝트를 시작하지 않는 기업은 몇 %인가요?",
		Answers: []Evidence{
			{"001_1473911884bdf481", []string{"セキュリティ (49%) が生成 AI を採用する上で最も大きな障壁"}},
		},
	},
	{
		Name:  "the share running inference on Kubernetes, answered in Japanese",
		Lang:  "ko",
		Query: "GenAI 추론 워크로드에 Kubernetes를 사용하는 조직은 몇 퍼센트인가요?",
		Answers: []Evidence{{"000_0eff4470da887f30", []string{
			"50%がKubernetesを使用", "回答者の半数(50%)は、Kubernetesを使用", "組織の50%が Kubernetes を使用",
		}}},
	},
}
