package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
)

// TestEveryCodeIsWordedForTheWindowWithoutACommand maps one engine error
// (or input check) per code, and checks that each comes out with its code,
// the parameters its words need, and English words that name no CLI
// command: the window names its buttons, and the page translates the code.
// Adding a code without a case here fails the test.
func TestEveryCodeIsWordedForTheWindowWithoutACommand(t *testing.T) {
	h, _ := newTestApp(t, closedURL(t))
	a := h.App
	_, notAFile := a.ImportModel(filepath.Join(t.TempDir(), "nothing.gguf"), "")
	for _, tc := range []struct {
		err    error
		code   string
		params []string
	}{
		{fmt.Errorf("read: %w", fmt.Errorf("collection %q: %w", "reports", store.ErrNotFound)), CodeNotFound, []string{"what=collection", "name=reports"}},
		{&llm.ModelMissingError{Model: "bge-m3"}, CodeModelMissing, []string{"model=bge-m3"}},
		{&library.ErrWrongRole{Model: "bge-m3", Role: library.RoleChat}, CodeModelRole, []string{"model=bge-m3", "role=chat"}},
		{&llm.UnreachableError{URL: "http://127.0.0.1:1", Err: errors.New("refused")}, CodeUnreachable, []string{"url=http://127.0.0.1:1"}},
		{fmt.Errorf("cannot download %q: %w", "qwen2.5:3b", llm.ErrNoRegistry), CodeNoRegistry, []string{"model=qwen2.5:3b"}},
		{fmt.Errorf("cannot download %q: %w", "nope", llm.ErrNoSuchModel), CodeNoSuchModel, []string{"model=nope"}},
		{fmt.Errorf("%s: %w", "/media/usb", library.ErrNoGGUF), CodeNoGGUF, []string{"path=/media/usb"}},
		{&answer.ContextError{NumCtx: 2048, What: "not even one passage fits"}, CodeContext, []string{"context=2048"}},
		{outOfRange("topK", "Passages per answer", 1, 50), CodeOutOfRange, []string{"field=topK", "min=1", "max=50"}},
		{badPath("docs"), CodeBadPath, []string{"path=docs"}},
		{notAFile, CodeNotAFile, []string{"path="}},
		{checkModelName("two words"), CodeBadName, []string{"what=model", "name=two words"}},
		{errNoDialogs(), CodeNoDialogs, nil},
		{a.PauseJob(func() string { j, _ := a.PullModel("m"); return j.ID }()), CodeNotPausable, nil},
		{newError(CodeJobEnded, "The job has already ended.", nil), CodeJobEnded, nil},
		{invalid("type a question"), CodeInvalid, nil},
		{context.Canceled, CodeCanceled, nil},
		{errors.New("disk on fire"), CodeInternal, []string{"detail=disk on fire"}},
	} {
		t.Run(tc.code, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			e := ToJSON(a.fail(tc.err))
			if e.Code != tc.code {
				t.Fatalf("%v maps to %s, want %s", tc.err, e.Code, tc.code)
			}
			for _, kv := range tc.params {
				k, v, _ := strings.Cut(kv, "=")
				if got, ok := e.Params[k]; !ok || v != "" && got != v {
					t.Errorf("param %s = %q, want %q (params %v)", k, got, v, e.Params)
				}
			}
			if e.Message == "" || regexp.MustCompile(`\bkura [a-z]|--[a-z]`).MatchString(e.Message) {
				t.Errorf("message %q is empty or names a CLI command", e.Message)
			}
		})
	}
}

// TestTheCodesAreTheOnesDocumented keeps docs/API.md's list of error codes
// (which the frontend's dictionaries are checked against) and Codes the
// same.
func TestTheCodesAreTheOnesDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "### Error codes")
	if start < 0 {
		t.Fatal("docs/API.md has no Error codes section")
	}
	end := strings.Index(doc[start+4:], "\n#")
	if end < 0 {
		end = len(doc) - start - 4
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(doc[start:start+4+end], -1) {
		documented = append(documented, m[1])
	}
	want := append([]string(nil), Codes...)
	sort.Strings(want)
	sort.Strings(documented)
	if strings.Join(documented, " ") != strings.Join(want, " ") {
		t.Fatalf("docs/API.md documents the codes %v, app has %v", documented, want)
	}
}
