package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/verify"
)

// TestAnswersAreCheckedSentenceBySentenceAgainstTheirQuotes asks the real
// runtime in English, Japanese and Korean with chat models whose answers are
// scripted: one sentence supported by the quote it cites, one with a year no
// quote holds, one citing the wrong quote, one citing a quote that does not
// exist. The verdicts are asserted in the saved message (and after reading
// it back) and, for English, in `kura ask --json`.
func TestAnswersAreCheckedSentenceBySentenceAgainstTheirQuotes(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()
	cases := []struct {
		lang, question string
		files          map[string]string
		script         func(f, l int) []string
		missingYear    string
	}{
		{
			lang:     "en",
			question: "When does the ferry leave, and when was the lighthouse lamp replaced?",
			files: map[string]string{
				"ferry.txt":      "The harbour ferry leaves the north pier at nine every morning.",
				"lighthouse.txt": "The lamp of the lighthouse was replaced in 1998 by an electric one.",
			},
			script: func(f, l int) []string {
				return []string{
					fmt.Sprintf("The harbour ferry leaves the north pier at nine every morning [%d]. ", f),
					fmt.Sprintf("The lamp of the lighthouse was replaced in 2004 by an electric one [%d]. ", l),
					fmt.Sprintf("The ferry leaves the north pier of the harbour every morning [%d]. ", l),
					fmt.Sprintf("The lamp of the lighthouse was replaced by an electric one [%d].", 5),
				}
			},
			missingYear: "2004",
		},
		{
			lang:     "ja",
			question: "フェリーはいつ出発し、灯台のランプはいつ交換されましたか",
			files: map[string]string{
				"ferry.txt":      "港のフェリーは毎朝9時に北桟橋を出発します。",
				"lighthouse.txt": "灯台のランプは1998年に電気式に交換されました。",
			},
			script: func(f, l int) []string {
				return []string{
					fmt.Sprintf("港のフェリーは毎朝9時に北桟橋を出発します[%d]。", f),
					fmt.Sprintf("灯台のランプは2004年に電気式に交換されました[%d]。", l),
					fmt.Sprintf("港のフェリーは毎朝北桟橋を出発します[%d]。", l),
					fmt.Sprintf("灯台のランプは電気式に交換されました[%d]。", 5),
				}
			},
			missingYear: "2004",
		},
		{
			lang:     "ko",
			question: "페리는 언제 출발하고 등대 램프는 언제 교체되었나요?",
			files: map[string]string{
				"ferry.txt":      "항구 페리는 매일 아침 9시에 북쪽 부두를 출발합니다.",
				"lighthouse.txt": "등대의 램프는 1998년에 전기식으로 교체되었습니다.",
			},
			script: func(f, l int) []string {
				return []string{
					fmt.Sprintf("항구 페리는 매일 아침 9시에 북쪽 부두를 출발합니다[%d]. ", f),
					fmt.Sprintf("등대의 램프는 2004년에 전기식으로 교체되었습니다[%d]. ", l),
					fmt.Sprintf("항구 페리는 매일 아침 북쪽 부두를 출발합니다[%d]. ", l),
					fmt.Sprintf("등대의 램프는 전기식으로 교체되었습니다[%d].", 5),
				}
			},
			missingYear: "2004",
		},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			data := t.TempDir()
			docs := writeFiles(t, tc.files)
			cfg := testConfig(srv)
			lib := openLibrary(t, data, srv.URL, cfg)
			mustIngest(t, lib, "c", docs)

			// Which quote is which decides the script's citations.
			ac, err := lib.ContextWithin(ctx, "c", tc.question, 0)
			if err != nil {
				t.Fatal(err)
			}
			var f, l int
			for _, s := range ac.Prepared.Sources {
				switch filepath.Base(s.Path) {
				case "ferry.txt":
					f = s.N
				case "lighthouse.txt":
					l = s.N
				}
			}
			if f == 0 || l == 0 || len(ac.Prepared.Sources) != 2 {
				t.Fatalf("quotes %+v: want one from each file", ac.Prepared.Sources)
			}
			script := tc.script(f, l)
			model := srv.ImportScripted(t, fmt.Sprintf("scripted-%s-%d%d", tc.lang, f, l), script...)
			lib.Close()
			cfg.ChatModel = model
			lib = openLibrary(t, data, srv.URL, cfg)

			conv, err := lib.NewConversation(ctx, "c")
			if err != nil {
				t.Fatal(err)
			}
			msg, err := lib.Converse(ctx, conv.ID, tc.question, streamTo(func(string) error { return nil }), nil)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Text != strings.Join(script, "") {
				t.Fatalf("the scripted model answered %q, want %q", msg.Text, strings.Join(script, ""))
			}
			want := func(c *verify.Report) {
				t.Helper()
				if c == nil || len(c.Sentences) != 4 {
					t.Fatalf("check %+v: want 4 sentences", c)
				}
				var got []string
				for _, s := range c.Sentences {
					got = append(got, s.Verdict)
				}
				if !reflect.DeepEqual(got, []string{verify.Supported, verify.Unsupported, verify.Supported, verify.Supported}) {
					for _, s := range c.Sentences {
						t.Logf("%q: %s %.2f quotes %v", s.Text, s.Verdict, s.Coverage, s.Quotes)
					}
					t.Fatalf("verdicts %q", got)
				}
				s := c.Sentences
				if !reflect.DeepEqual(s[1].NumbersMissing, []string{tc.missingYear}) {
					t.Errorf("numbers missing %q, want %s", s[1].NumbersMissing, tc.missingYear)
				}
				if s[2].Suggest != f {
					t.Errorf("the wrongly cited sentence suggests [%d], want [%d]", s[2].Suggest, f)
				}
				if !reflect.DeepEqual(s[3].Missing, []int{5}) {
					t.Errorf("the sentence citing [5] names missing %v", s[3].Missing)
				}
				if len(s[0].Quotes) == 0 || s[0].Quotes[0] != f {
					t.Errorf("the supported sentence opens quote %v, want [%d] first", s[0].Quotes, f)
				}
				if c.Judged != 4 || c.Supported != 3 {
					t.Errorf("%d of %d supported, want 3 of 4", c.Supported, c.Judged)
				}
			}
			want(msg.Check)
			saved, err := lib.Messages(ctx, conv.ID)
			if err != nil || len(saved) != 2 {
				t.Fatalf("messages %d, %v", len(saved), err)
			}
			want(saved[1].Check)

			if tc.lang != "en" {
				return
			}
			lib.Close()
			if out, err := exec.Command(kuraBinary(t), "models", "use", "chat", model, "--data", data, "--ollama", srv.URL).CombinedOutput(); err != nil {
				t.Fatalf("kura models use chat: %v\n%s", err, out)
			}
			out, err := exec.Command(kuraBinary(t), "ask", tc.question, "--json", "--collection", "c", "--data", data, "--ollama", srv.URL).Output()
			if err != nil {
				t.Fatalf("kura ask --json: %v", err)
			}
			var js cli.AnswerJSON
			if err := json.Unmarshal(out, &js); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			want(&verify.Report{Sentences: js.Sentences, Judged: js.Judged, Supported: js.Supported})
			if !strings.Contains(string(out), `"numbers_missing": [`) {
				t.Errorf("the JSON has no numbers_missing field: %s", out)
			}
		})
	}
}
