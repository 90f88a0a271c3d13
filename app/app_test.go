package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/testwait"
)

// recorder is an Emitter that keeps every event for the test to wait on.
type recorder struct {
	mu     sync.Mutex
	events []event
	added  chan struct{}
}

type event struct {
	name    string
	payload any
}

func newRecorder() *recorder { return &recorder{added: make(chan struct{}, 1)} }

func (r *recorder) emit(name string, payload any) {
	r.mu.Lock()
	r.events = append(r.events, event{name, payload})
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

func (r *recorder) all(name string) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []any
	for _, e := range r.events {
		if e.name == name {
			out = append(out, e.payload)
		}
	}
	return out
}

// wait returns the first event called name whose payload satisfies ok,
// failing the test only when the run would otherwise hang (testwait).
func (r *recorder) wait(t *testing.T, name string, ok func(any) bool) any {
	t.Helper()
	start, deadline := time.Now(), testwait.After(t)
	for {
		for _, p := range r.all(name) {
			if ok == nil || ok(p) {
				return p
			}
		}
		select {
		case <-r.added:
		case <-deadline:
			t.Fatalf("no %s event after %v; events: %v", name, time.Since(start).Round(time.Second), r.names())
			return nil
		}
	}
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.name)
	}
	return out
}

// fakeOllama answers the calls Kura makes with canned replies: the chat
// model "qwen2.5:3b" exists, every other model (the embedding model
// included) is missing, and /api/chat is answered by chat.
func fakeOllama(t *testing.T, chat http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &req)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/version":
			io.WriteString(w, `{"version":"0.17.4"}`)
		case r.URL.Path == "/api/show" && req.Model == config.Default().ChatModel:
			io.WriteString(w, `{"model_info":{"qwen2.context_length":32768},"capabilities":["completion"]}`)
		case r.URL.Path == "/api/chat" && req.Model == config.Default().ChatModel && chat != nil:
			chat(w, r)
		case r.URL.Path == "/api/show" || r.URL.Path == "/api/embed" || r.URL.Path == "/api/chat":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"model '`+req.Model+`' not found"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"fake ollama: unexpected `+r.URL.Path+`"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// streamChat writes an NDJSON chat stream of tokens, done at the end.
func streamChat(w http.ResponseWriter, tokens ...string) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	for _, tok := range tokens {
		b, _ := json.Marshal(map[string]any{"model": config.DefaultChatModel, "message": map[string]string{"role": "assistant", "content": tok}, "done": false})
		w.Write(append(b, '\n'))
		http.NewResponseController(w).Flush()
	}
	io.WriteString(w, `{"model":"qwen2.5:3b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":60,"eval_count":3}`+"\n")
}

// newTestApp builds the App the way main.go does, on a temp data folder
// and the Ollama at url.
func newTestApp(t *testing.T, url string) (*Host, *recorder) {
	t.Helper()
	ctx := context.Background()
	client, err := llm.New(url)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(ctx, t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	h := New(lib, Options{Emit: rec.emit, Runtime: RuntimeInfo{URL: url}, Log: log.New(io.Discard, "", 0)})
	t.Cleanup(func() {
		ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
		defer cancel()
		h.Close(ctx)
		lib.Close()
	})
	return h, rec
}

// closedURL is an address where nothing listens.
func closedURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// writeDocs writes files into a new folder and returns it.
func writeDocs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ingestDir indexes dir into collection and waits for the job to end.
func ingestDir(t *testing.T, h *Host, rec *recorder, collection, dir string) Job {
	t.Helper()
	j, err := h.App.StartIngest(collection, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == j.ID }).(Job)
}

var survey = map[string]string{
	"survey.txt": "The 2024 survey had 1,234 respondents. 2024年の調査の回答者数は1234人でした。",
	"notes.md":   "# Notes\n\nThe margin of error was three percent.",
}

func TestAnIngestJobReportsProgressThenASummary(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	done := ingestDir(t, h, rec, "reports", writeDocs(t, survey))

	if done.State != JobDone || done.Kind != JobIngest || done.Collection != "reports" || done.Phase != "done" {
		t.Fatalf("job:done = %+v, want a done ingest of reports", done)
	}
	s := done.Summary
	if s == nil || s.Added != 2 || !s.LexicalOnly || len(s.Warnings) == 0 || s.Failures == nil {
		t.Fatalf("summary = %+v, want 2 added, lexical only with a warning, failures an empty list", s)
	}
	progress := rec.all(EventJobProgress)
	if last := progress[len(progress)-1].(Job); last.State != JobDone || last.Summary == nil {
		t.Fatalf("last job:progress = %+v, want the final state", last)
	}
	jobs, _ := h.App.Jobs()
	if len(jobs) != 1 || jobs[0].ID != done.ID || jobs[0].State != JobDone {
		t.Fatalf("Jobs() = %+v, want the finished job", jobs)
	}
	docs, err := h.App.Documents("reports")
	if err != nil || len(docs) != 2 || docs[0].Name != "notes.md" || docs[0].Status != "lexical" {
		t.Fatalf("Documents = %+v, %v", docs, err)
	}
	res, err := h.App.Search("reports", "回答者数", 0)
	if err != nil || res.Mode != "lexical" || len(res.Passages) == 0 || res.Passages[0].N != 1 || res.Passages[0].Name != "survey.txt" {
		t.Fatalf("Search = %+v, %v; want survey.txt first, numbered 1", res, err)
	}
}

func TestAPausedJobStopsAtItsNextReportUntilResumedOrCancelled(t *testing.T) {
	rec := newRecorder()
	r := newJobs(rec.emit, classify)
	gate := make(chan struct{})
	var steps atomic.Int32
	work := func(ctx context.Context, j *job) (*JobSummary, error) {
		for i := range 3 {
			<-gate
			if err := j.progress(ctx, func(d *Job) { d.FilesDone = i + 1 }); err != nil {
				return &JobSummary{Added: int(steps.Load())}, err
			}
			steps.Add(1)
		}
		return &JobSummary{Added: 3}, nil
	}

	for _, end := range []string{"resume", "cancel"} {
		t.Run(end, func(t *testing.T) {
			started := r.start(context.Background(), JobIngest, "c", true, work)
			steps.Store(0)
			gate <- struct{}{} // first file
			testwait.Until(t, "the first file's step", func() bool { return steps.Load() == 1 })
			if err := r.find(started.ID).pause(); err != nil {
				t.Fatal(err)
			}
			if s := r.find(started.ID).snapshot(); s.State != JobPaused {
				t.Fatalf("state = %s after pause, want paused", s.State)
			}
			gate <- struct{}{} // the second file's report blocks
			time.Sleep(100 * time.Millisecond)
			if n := steps.Load(); n != 1 {
				t.Fatalf("%d steps done while paused, want 1", n)
			}
			j := r.find(started.ID)
			if end == "cancel" {
				j.cancel()
				d := rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == started.ID }).(Job)
				if d.State != JobCanceled || d.Summary.Added != 1 {
					t.Fatalf("job:done = %+v, want canceled after 1 file", d)
				}
				return
			}
			if err := j.unpause(); err != nil {
				t.Fatal(err)
			}
			gate <- struct{}{}
			d := rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == started.ID }).(Job)
			if d.State != JobDone || d.Summary.Added != 3 {
				t.Fatalf("job:done = %+v, want done with 3 files", d)
			}
			if err := j.pause(); !errors.Is(err, errJobEnded) {
				t.Fatalf("pause after the end = %v, want errJobEnded", err)
			}
		})
	}
}

func TestModelDownloadsCannotBePaused(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	j, err := h.App.PullModel("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.App.PauseJob(j.ID); Code(err) != CodeNotPausable || !strings.Contains(err.Error(), "cancel") {
		t.Fatalf("PauseJob(pull) = %v, want a not_pausable error suggesting cancel", err)
	}
	done := func(p any) bool { d := p.(Job); return d.ID == j.ID && d.State == JobFailed }
	if d := rec.wait(t, EventJobDone, done).(Job); d.Model != "tiny" || d.ErrorCode != CodeUnreachable || d.ErrorParams["url"] == "" {
		t.Fatalf("the failed download = %+v, want it to name its model and say the runtime is unreachable, with its address", d)
	}
}

func TestProgressEventsAreThrottledAndTheFinalStateAlwaysSent(t *testing.T) {
	rec := newRecorder()
	r := newJobs(rec.emit, classify)
	start := time.Now()
	j := r.start(context.Background(), JobIngest, "c", true, func(ctx context.Context, j *job) (*JobSummary, error) {
		for i := range 20000 {
			j.progress(ctx, func(d *Job) { d.FilesDone = i + 1 })
			if i%1000 == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
		return &JobSummary{Added: 20000}, nil
	})
	rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == j.ID })
	elapsed := time.Since(start)
	n := len(rec.all(EventJobProgress))
	if max := int(elapsed/progressEvery) + 3; n > max {
		t.Fatalf("%d job:progress events in %v, want at most %d", n, elapsed, max)
	}
	all := rec.all(EventJobProgress)
	if last := all[len(all)-1].(Job); last.FilesDone != 20000 || last.State != JobDone {
		t.Fatalf("last event = %+v, want the final state", last)
	}
}

func TestAskStreamsTheAnswerSavesItWithSourcesAndUsesHistory(t *testing.T) {
	var mu sync.Mutex
	var requests [][]map[string]string
	url := fakeOllama(t, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []map[string]string `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		requests = append(requests, req.Messages)
		mu.Unlock()
		streamChat(w, "There were ", "1,234 respondents ", "[1].")
	})
	h, rec := newTestApp(t, url)
	ingestDir(t, h, rec, "default", writeDocs(t, survey))
	conv, err := h.App.NewConversation("default")
	if err != nil {
		t.Fatal(err)
	}

	id, err := h.App.Ask(conv.ID, "How many respondents were there in 2024?\nPlease be brief.", nil)
	if err != nil {
		t.Fatal(err)
	}
	done := rec.wait(t, EventAnswerDone, func(p any) bool { return p.(AnswerDone).RequestID == id }).(AnswerDone)
	if done.Error != "" || !done.Message.Complete || done.Message.Text != "There were 1,234 respondents [1]." || done.ConversationID != conv.ID {
		t.Fatalf("answer:done = %+v, want the complete answer", done)
	}
	var streamed strings.Builder
	for _, p := range rec.all(EventAnswerToken) {
		if tok := p.(AnswerToken); tok.RequestID == id {
			streamed.WriteString(tok.Text)
		}
	}
	if streamed.String() != done.Message.Text {
		t.Fatalf("tokens %q, want %q", streamed.String(), done.Message.Text)
	}
	msgs, err := h.App.Messages(conv.ID)
	if err != nil || len(msgs) != 2 || msgs[0].Role != "user" || msgs[1].Role != "assistant" {
		t.Fatalf("Messages = %+v, %v; want the question and the answer", msgs, err)
	}
	src := msgs[1].Sources
	if len(src) == 0 || src[0].N != 1 || !src[0].Cited || src[0].Name != "survey.txt" {
		t.Fatalf("sources = %+v, want survey.txt as [1], cited", src)
	}
	convs, _ := h.App.Conversations()
	if len(convs) != 1 || convs[0].Title != "How many respondents were there in 2024?" {
		t.Fatalf("conversations = %+v, want one titled by its first question", convs)
	}

	id2, _ := h.App.Ask(conv.ID, "And the margin of error?", nil)
	rec.wait(t, EventAnswerDone, func(p any) bool { return p.(AnswerDone).RequestID == id2 })
	mu.Lock()
	defer mu.Unlock()
	// Requests by their question (a preload of the chat model after the
	// ingest may come in between).
	asked := func(q string) []map[string]string {
		for _, r := range requests {
			if strings.Contains(r[len(r)-1]["content"], q) {
				return r
			}
		}
		t.Fatalf("no request asked %q", q)
		return nil
	}
	second := asked("margin of error")
	var history []string
	for _, m := range second[1 : len(second)-1] {
		history = append(history, m["role"]+": "+m["content"])
	}
	// The first turn goes again exactly as the model read it, quotes and
	// all, so that the runtime finds it in its cache.
	first := asked("How many respondents")
	want := []string{"user: " + first[len(first)-1]["content"], "assistant: There were 1,234 respondents [1]."}
	if strings.Join(history, "|") != strings.Join(want, "|") || !strings.Contains(want[0], "1,234 respondents") {
		t.Fatalf("history sent with the second question = %q, want %q", history, want)
	}
}

func TestStoppingAnAnswerSavesWhatArrived(t *testing.T) {
	url := fakeOllama(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"model":"qwen2.5:3b","message":{"role":"assistant","content":"The survey "},"done":false}`+"\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // a slow model, until Kura hangs up
	})
	h, rec := newTestApp(t, url)
	ingestDir(t, h, rec, "default", writeDocs(t, survey))
	conv, _ := h.App.NewConversation("default")
	id, err := h.App.Ask(conv.ID, "How many respondents?", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec.wait(t, EventAnswerToken, func(p any) bool { return p.(AnswerToken).RequestID == id })
	if err := h.App.StopAnswer(id); err != nil {
		t.Fatal(err)
	}
	done := rec.wait(t, EventAnswerDone, func(p any) bool { return p.(AnswerDone).RequestID == id }).(AnswerDone)
	if done.Message.Complete || done.Message.Text != "The survey " || done.Error != "Stopped." || done.Message.Error != "Stopped." {
		t.Fatalf("answer:done = %+v, want the partial answer, incomplete, stopped", done)
	}
	msgs, _ := h.App.Messages(conv.ID)
	if len(msgs) != 2 || msgs[1].Complete || msgs[1].Text != "The survey " {
		t.Fatalf("saved messages = %+v, want the partial answer saved incomplete", msgs)
	}
	if err := h.App.StopAnswer(id); err != nil {
		t.Fatalf("stopping an ended answer = %v, want nil", err)
	}
}

func TestAskWithoutTheChatModelSaysHowToGetIt(t *testing.T) {
	h, rec := newTestApp(t, fakeOllama(t, nil))
	ingestDir(t, h, rec, "default", writeDocs(t, survey))
	s, _ := h.App.Settings()
	s.ChatModel = "llama-missing"
	if err := h.App.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	conv, _ := h.App.NewConversation("default")
	id, _ := h.App.Ask(conv.ID, "How many respondents?", nil)
	done := rec.wait(t, EventAnswerDone, func(p any) bool { return p.(AnswerDone).RequestID == id }).(AnswerDone)
	// The answer comes from the documents, and says how to get the model.
	if done.Error != "" || !done.Message.Complete || !done.Message.FromDocuments || !strings.Contains(done.Message.Error, "in Models") ||
		done.Message.ErrorCode != CodeModelMissing || done.Message.ErrorParams["model"] != "llama-missing" ||
		!strings.Contains(done.Message.Text, "“The 2024 survey had 1,234 respondents.” [1]") || len(done.Message.Sources) != 1 {
		t.Fatalf("answer:done = %+v, want the answer from the documents, with code model_missing saying where to get the model", done)
	}
	if msgs, _ := h.App.Messages(conv.ID); len(msgs) != 2 || !msgs[1].FromDocuments || msgs[1].ErrorCode != CodeModelMissing || msgs[1].Error != done.Message.Error {
		t.Fatalf("saved messages = %+v, want the answer from the documents saved with why", msgs)
	}
	if err := h.App.DeleteModel("llama-missing"); Code(err) != CodeNotFound || strings.Contains(err.Error(), "Download") {
		t.Fatalf("deleting a model that is not installed = %q (%s), want not_found without download advice", err, Code(err))
	}
	st, err := h.App.Status()
	if err != nil || !st.Reachable || st.ChatModelInstalled || st.EmbedModelInstalled || !strings.Contains(st.Message, "llama-missing") {
		t.Fatalf("Status = %+v, %v; want reachable, both models missing, a message naming the chat model", st, err)
	}
}

func TestErrorsAreWordsForAUserWithACode(t *testing.T) {
	down := closedURL(t)
	h, _ := newTestApp(t, down)
	a := h.App
	conv, _ := a.NewConversation("default")
	for _, tc := range []struct {
		name     string
		err      error
		code     string
		contains string
	}{
		{"a missing collection", func() error { _, err := a.Search("nope", "q", 0); return err }(), CodeNotFound, `Collection "nope" does not exist.`},
		{"a missing conversation", func() error { _, err := a.Messages(999); return err }(), CodeNotFound, "Conversation 999 does not exist."},
		{"asking in a missing conversation", func() error { _, err := a.Ask(999, "q", nil); return err }(), CodeNotFound, "does not exist"},
		{"a missing job", a.PauseJob("job-99"), CodeNotFound, `Job "job-99" does not exist.`},
		{"a bad collection name", func() error { _, err := a.CreateCollection("../x"); return err }(), CodeBadName, "letters, digits"},
		{"an empty query", func() error { _, err := a.Search("default", "  ", 0); return err }(), CodeInvalid, "search for"},
		{"a relative path", func() error { _, err := a.StartIngest("default", []string{"docs"}); return err }(), CodeBadPath, "full path"},
		{"no paths", func() error { _, err := a.StartIngest("default", nil); return err }(), CodeInvalid, "at least one"},
		{"an empty question", func() error { _, err := a.Ask(conv.ID, "", nil); return err }(), CodeInvalid, "question"},
		{"a folder dialog in a browser", func() error { _, err := a.ChooseFolder(); return err }(), CodeNoDialogs, "type the path"},
		{"a question within a relative path", func() error { _, err := a.Ask(conv.ID, "q", []string{"docs"}); return err }(), CodeBadPath, "full path"},
		{"an unreachable runtime", func() error { _, err := a.Models(); return err }(), CodeUnreachable, "Ollama is not reachable at " + down},
		{"a bad setting", a.SaveSettings(Settings{ChatModel: "a", EmbedModel: "b", TopK: 0}), CodeOutOfRange, "between 1 and 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if Code(tc.err) != tc.code || !strings.Contains(tc.err.Error(), tc.contains) {
				t.Fatalf("error = %q (code %s), want code %s and %q", tc.err, Code(tc.err), tc.code, tc.contains)
			}
		})
	}
	mapped := ToJSON(a.fail(&llm.ModelMissingError{Model: "bge-m3"}))
	if mapped.Code != CodeModelMissing || mapped.Params["model"] != "bge-m3" || !strings.Contains(mapped.Message, "in Models") {
		t.Fatalf("a missing model maps to %+v", mapped)
	}
	if e := ToJSON(a.SaveSettings(Settings{ChatModel: "a", EmbedModel: "b", TopK: 6, LexicalWeight: 0.5, ChunkSize: 800, MaxContext: 8192, FirstTokenSeconds: 1})); e.Code != CodeOutOfRange ||
		e.Params["field"] != "firstTokenSeconds" || e.Params["min"] != "3" || e.Params["max"] != "300" {
		t.Fatalf("a first-token target of 1 s = %+v, want out_of_range naming the field and its range 3..300", e)
	}
	if c := Code(a.fail(context.Canceled)); c != CodeCanceled {
		t.Fatalf("a cancelled context maps to %s", c)
	}
}

func TestFilesServesOnlyTheDocumentsOfTheCollection(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	dir := writeDocs(t, survey)
	secret := filepath.Join(dir, "secret.bin") // in the folder, but not a document
	os.WriteFile(secret, []byte("do not serve"), 0o644)
	ingestDir(t, h, rec, "default", dir)
	h.App.CreateCollection("other")

	src, err := h.App.Source("default", filepath.Join(dir, "notes.md"), 0)
	if err != nil || !strings.Contains(src.Text, "margin of error") || src.IsPDF || src.Pages != 1 {
		t.Fatalf("Source = %+v, %v", src, err)
	}
	files := h.Files()
	get := func(u string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		files.ServeHTTP(w, httptest.NewRequest("GET", u, nil))
		return w
	}
	w := get(src.FileURL)
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/markdown; charset=utf-8" || !strings.Contains(w.Body.String(), "margin of error") {
		t.Fatalf("GET %s = %d %q %q", src.FileURL, w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Fatalf("an original file is served with CSP %q, want a sandbox", csp)
	}
	for _, u := range []string{
		"/files?collection=default&path=" + secret,
		"/files?collection=default&path=/etc/passwd",
		"/files?collection=default&path=" + dir + "/../" + filepath.Base(dir) + "/notes.md",
		"/files?collection=other&path=" + filepath.Join(dir, "notes.md"),
		"/files?collection=default&path=notes.md",
		"/files?collection=../default&path=" + filepath.Join(dir, "notes.md"),
	} {
		if w := get(u); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", u, w.Code)
		}
	}
}

func TestReadyWritesTheReadyFile(t *testing.T) {
	h, _ := newTestApp(t, closedURL(t))
	path := filepath.Join(t.TempDir(), "ready")
	h.App.opts.ReadyFile = path
	h.App.Ready()
	if b, err := os.ReadFile(path); err != nil || strings.TrimSpace(string(b)) != "ready" || !h.IsReady() {
		t.Fatalf("ready file = %q, %v", b, err)
	}
}

func TestSettingsAreSavedToTheDataFolder(t *testing.T) {
	h, _ := newTestApp(t, closedURL(t))
	s, _ := h.App.Settings()
	s.TopK, s.Theme, s.Language = 9, "dark", "ja"
	if err := h.App.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(h.App.lib.Dir())
	if err != nil || cfg.TopK != 9 || cfg.Theme != "dark" || cfg.Language != "ja" {
		t.Fatalf("config on disk = %+v, %v", cfg, err)
	}
	if got, _ := h.App.Settings(); got != s {
		t.Fatalf("Settings() = %+v, want %+v", got, s)
	}
}

// TestTheMethodsAreTheOnesDocumented keeps docs/API.md, the contract with
// the frontend, and App's exported methods (bound by Wails, served by `kura
// serve`) the same set.
func TestTheMethodsAreTheOnesDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, "## Methods"), strings.Index(doc, "## Types")
	if start < 0 || end < start {
		t.Fatal("docs/API.md has no Methods section before Types")
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z][A-Za-z]*)\\(").FindAllStringSubmatch(doc[start:end], -1) {
		documented[m[1]] = true
	}
	typ := reflect.TypeOf(&App{})
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if !documented[name] {
			t.Errorf("App.%s is not in docs/API.md", name)
		}
		delete(documented, name)
	}
	for name := range documented {
		t.Errorf("docs/API.md documents %s, which App does not have", name)
	}
}

func TestACollectionNobodyAddedToYetIsEmpty(t *testing.T) {
	h, _ := newTestApp(t, "http://127.0.0.1:1")
	docs, err := h.App.Documents("default")
	if err != nil || docs == nil || len(docs) != 0 {
		t.Fatalf("Documents(default) on a first start = %v, %v; want an empty list", docs, err)
	}
}

func TestReindexingACollectionRereadsEveryDocumentAsOneJob(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	ingestDir(t, h, rec, "reports", writeDocs(t, survey))
	j, err := h.App.ReindexCollection("reports")
	if err != nil {
		t.Fatal(err)
	}
	done := rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == j.ID }).(Job)
	if done.Kind != JobReindex || done.State != JobDone || done.Summary == nil || done.Summary.Updated != 2 {
		t.Fatalf("reindex job = %+v (summary %+v), want both documents updated in one job", done, done.Summary)
	}
	if _, err := h.App.ReindexCollection("nope"); err == nil {
		t.Fatal("reindexing a collection that does not exist succeeded")
	}
}

func TestAPackExportedAndImportedByTheAppServesItsOriginals(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	dir := writeDocs(t, survey)
	ingestDir(t, h, rec, "default", dir)
	a := h.App
	out := filepath.Join(t.TempDir(), "survey")
	seal := PackSeal{Passphrase: "two words"}
	j, err := a.ExportPack(PackExport{Collection: "default", Out: out, WithFiles: true, Seal: seal})
	if err != nil {
		t.Fatal(err)
	}
	done := rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == j.ID }).(Job)
	if done.State != JobDone || done.Kind != JobPackExport || done.Summary.Added != 2 {
		t.Fatalf("export job %+v", done)
	}
	path := out + ".kpack"
	info, err := a.InspectPack(path, PackSeal{})
	if err != nil || !info.Passphrase || info.Opened {
		t.Fatalf("InspectPack without a passphrase: %+v, %v", info, err)
	}
	if _, err := a.InspectPack(path, PackSeal{Passphrase: "three words"}); Code(err) != CodeInvalid || !strings.Contains(err.Error(), "Wrong passphrase") {
		t.Errorf("a wrong passphrase: %v (%s)", err, Code(err))
	}
	info, err = a.InspectPack(path, seal)
	if err != nil || info.Collection != "default" || !info.Exists || info.Documents != 2 || info.Files != 2 {
		t.Fatalf("InspectPack: %+v, %v", info, err)
	}
	if _, err := a.ImportPack(path, seal, "", false); Code(err) != CodeInvalid {
		t.Errorf("importing over an existing collection without replace: %v", err)
	}
	j, err = a.ImportPack(path, seal, "field", false)
	if err != nil {
		t.Fatal(err)
	}
	done = rec.wait(t, EventJobDone, func(p any) bool { return p.(Job).ID == j.ID }).(Job)
	if done.State != JobDone || done.Collection != "field" || done.Summary.Added != 2 {
		t.Fatalf("import job %+v", done)
	}
	res, err := a.Search("field", "margin of error", 3)
	if err != nil || len(res.Passages) == 0 {
		t.Fatalf("search the imported collection: %+v, %v", res, err)
	}
	src, err := a.Source("field", res.Passages[0].Path, res.Passages[0].Page)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.Files().ServeHTTP(w, httptest.NewRequest("GET", src.FileURL, nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "margin of error") || src.Path == filepath.Join(dir, "notes.md") {
		t.Errorf("the cited file %s: %d %q; want the carried copy served", src.Path, w.Code, w.Body.String())
	}
}

func TestACollectionsAnswerSettingsAreCheckedAndKept(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	ingestDir(t, h, rec, "reports", writeDocs(t, survey))
	a := h.App
	if err := a.SaveCollectionSettings("reports", CollectionSettings{TopK: 3}); err != nil {
		t.Fatal(err)
	}
	if s, err := a.CollectionSettings("reports"); err != nil || s != (CollectionSettings{TopK: 3}) {
		t.Fatalf("CollectionSettings = %+v, %v; want topK 3 and the global chat model", s, err)
	}
	if e := ToJSON(a.SaveCollectionSettings("reports", CollectionSettings{TopK: 51})); e.Code != CodeOutOfRange || e.Params["max"] != "50" {
		t.Fatalf("51 passages = %+v, want out_of_range up to 50", e)
	}
	if e := ToJSON(a.SaveCollectionSettings("nope", CollectionSettings{TopK: 2})); e.Code != CodeNotFound || e.Params["what"] != "collection" {
		t.Fatalf("settings of a missing collection = %+v, want not_found", e)
	}
	if e := ToJSON(a.SaveCollectionSettings("reports", CollectionSettings{ChatModel: "llama"})); e.Code != CodeUnreachable {
		t.Fatalf("a chat model with the runtime down = %+v, want unreachable", e)
	}
}

// One report reached through two paths (a copy in another folder) is one
// content: its passages carry the same hash, so the page lists its page
// once; another file's passages carry another.
func TestPassagesNameTheContentOfTheirFile(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	report := "The margin of error was three percent.\n\nThe survey had 1,234 respondents."
	ingestDir(t, h, rec, "default", writeDocs(t, map[string]string{"report.txt": report}))
	ingestDir(t, h, rec, "default", writeDocs(t, map[string]string{"copy.txt": report, "other.txt": "The margin of error of another survey."}))
	res, err := h.App.Search("default", "margin of error", 10)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, p := range res.Passages {
		byName[p.Name] = p.Hash
	}
	if byName["report.txt"] == "" || byName["report.txt"] != byName["copy.txt"] || byName["other.txt"] == byName["report.txt"] {
		t.Fatalf("hashes by file = %q; want report.txt and copy.txt the same, other.txt another", byName)
	}
}

func TestSettingsShowKurasVersionAndDataFolderAndSavingLeavesThemAlone(t *testing.T) {
	h, _ := newTestApp(t, closedURL(t))
	h.App.opts.Version = "9.8.7"
	h.App.opts.Runtime.Data = config.Locations{Data: "/media/stick/kura-data", Portable: true}
	s, _ := h.App.Settings()
	if s.Version != "9.8.7" || s.DataDir != "/media/stick/kura-data" || !s.Portable {
		t.Fatalf("Settings() = %+v, want the version, data folder and portable mode main.go gave", s)
	}
	s.Version = "0.0.1"
	if err := h.App.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.App.Settings(); got.Version != "9.8.7" {
		t.Fatalf("after saving, Settings().Version = %q", got.Version)
	}
}
