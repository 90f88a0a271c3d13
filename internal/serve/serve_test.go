package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kura-app/kura/app"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/serve"
	"github.com/kura-app/kura/internal/testwait"
)

// newServer builds the same wiring as `kura serve` on a temp data folder,
// with no model runtime (everything but answers works), and serves it.
func newServer(t *testing.T, token string, opts ...func(*serve.Server)) (*httptest.Server, *serve.Server) {
	t.Helper()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	client, err := llm.New(dead.URL)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(context.Background(), t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	h := app.New(lib, app.Options{Log: log.New(io.Discard, "", 0)})
	assets := fstest.MapFS{
		"index.html":    {Data: []byte(`<!doctype html><title>Kura</title><script src="/assets/app.js"></script>`)},
		"assets/app.js": {Data: []byte(`console.log("kura")`)},
	}
	s := serve.New(h, assets, token)
	s.KeepAlive = 50 * time.Millisecond
	for _, o := range opts {
		o(s)
	}
	// The http.Server of `kura serve` itself (its time limits), on a
	// real loopback socket.
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = s.HTTPServer()
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
		defer cancel()
		h.Close(ctx)
		lib.Close()
	})
	return ts, s
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Params  map[string]string `json:"params"`
	} `json:"error"`
}

// call posts args to a method and decodes the reply.
func call(t *testing.T, ts *httptest.Server, method string, args ...any) (int, reply) {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	b, _ := json.Marshal(args)
	resp, err := http.Post(ts.URL+"/api/call/"+method, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: reply is not JSON: %v", method, err)
	}
	return resp.StatusCode, r
}

func TestMethodsAreCalledWithTheirArguments(t *testing.T) {
	ts, _ := newServer(t, "")
	code, r := call(t, ts, "CreateCollection", "社内文書")
	if code != 200 || r.Error != nil || !strings.Contains(string(r.Result), `"name":"社内文書"`) {
		t.Fatalf("CreateCollection = %d %s %+v", code, r.Result, r.Error)
	}
	_, r = call(t, ts, "NewConversation", "社内文書")
	var conv app.Conversation
	json.Unmarshal(r.Result, &conv)
	if conv.ID == 0 || conv.Collection != "社内文書" {
		t.Fatalf("NewConversation = %s", r.Result)
	}
	if _, r = call(t, ts, "RenameConversation", conv.ID, "予算"); r.Error != nil || string(r.Result) != "null" {
		t.Fatalf("RenameConversation = %s %+v, want a null result", r.Result, r.Error)
	}
	_, r = call(t, ts, "Conversations")
	if !strings.Contains(string(r.Result), `"title":"予算"`) {
		t.Fatalf("Conversations = %s, want the renamed conversation", r.Result)
	}
	// A method without results (Ready) answers null too.
	if code, r := call(t, ts, "Ready"); code != 200 || r.Error != nil {
		t.Fatalf("Ready = %d %+v", code, r.Error)
	}
}

func TestCallsReportErrorsWithACode(t *testing.T) {
	ts, _ := newServer(t, "")
	for _, tc := range []struct {
		name   string
		method string
		args   []any
		status int
		code   string
	}{
		{"an unknown method", "Shutdown", nil, 404, "not_found"},
		{"a missing collection", "Search", []any{"nope", "q", 0}, 200, "not_found"},
		{"invalid input", "CreateCollection", []any{"../etc"}, 200, "bad_name"},
		{"too few arguments", "Search", []any{"default"}, 200, "invalid"},
		{"an argument of the wrong type", "Messages", []any{"one"}, 200, "invalid"},
		{"the runtime down", "Models", nil, 200, "unreachable"},
		{"a dialog in the browser", "ChooseFiles", nil, 200, "no_dialogs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, r := call(t, ts, tc.method, tc.args...)
			if status != tc.status || r.Error == nil || r.Error.Code != tc.code || r.Error.Message == "" {
				t.Fatalf("%s = %d %+v, want %d with code %s and a message", tc.method, status, r.Error, tc.status, tc.code)
			}
			if tc.method == "Search" && tc.code == "not_found" && (r.Error.Params["what"] != "collection" || r.Error.Params["name"] != "nope") {
				t.Fatalf("%s = %+v, want the params of the missing collection", tc.method, r.Error)
			}
		})
	}
}

func TestCallsFromOtherSitesAreRefused(t *testing.T) {
	ts, _ := newServer(t, "")
	post := func(ct, origin, host string) int {
		req, _ := http.NewRequest("POST", ts.URL+"/api/call/Collections", strings.NewReader("[]"))
		req.Header.Set("Content-Type", ct)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("text/plain", "", ""); s != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain call (no preflight) = %d, want 415", s)
	}
	if s := post("application/json", "http://evil.example", ""); s != http.StatusForbidden {
		t.Errorf("a call from another origin = %d, want 403", s)
	}
	if s := post("application/json", "", "evil.example"); s != http.StatusForbidden {
		t.Errorf("a call for another host name (DNS rebinding) = %d, want 403", s)
	}
	if s := post("application/json", ts.URL, ""); s != 200 {
		t.Errorf("a call from the page itself = %d, want 200", s)
	}
}

func TestATokenIsRequiredOnceSet(t *testing.T) {
	const token = "s3cret-token"
	ts, _ := newServer(t, token)
	get := func(path string, header string, jar *http.Cookie) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		if jar != nil {
			req.AddCookie(jar)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/", "", nil); r.StatusCode != 401 {
		t.Errorf("no token = %d, want 401", r.StatusCode)
	}
	if r := get("/", "Bearer wrong", nil); r.StatusCode != 401 {
		t.Errorf("a wrong token = %d, want 401", r.StatusCode)
	}
	if r := get("/", "Bearer "+token, nil); r.StatusCode != 200 {
		t.Errorf("the token in the header = %d, want 200", r.StatusCode)
	}
	for _, h := range []string{"bearer " + token, "BEARER " + token, "Bearer  " + token} {
		if r := get("/", h, nil); r.StatusCode != 200 {
			t.Errorf("Authorization %q = %d, want 200: the scheme is case-insensitive (RFC 7235)", h, r.StatusCode)
		}
	}
	if r := get("/", "Basic "+token, nil); r.StatusCode != 401 {
		t.Errorf("another scheme = %d, want 401", r.StatusCode)
	}
	r := get("/?token="+token, "", nil)
	if r.StatusCode != 401 {
		t.Fatalf("the token in the query, redirected to the address without it and no cookie kept = %d, want 401", r.StatusCode)
	}
	r = noRedirect(t, ts, "/?token="+token, "")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("the token in the query = %d to %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		cookie = c
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("opening the page with ?token= set cookie %+v, want an HttpOnly, SameSite=Strict one", cookie)
	}
	if r := get("/assets/app.js", "", cookie); r.StatusCode != 200 {
		t.Errorf("the page's script with the cookie = %d, want 200", r.StatusCode)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/call/Collections", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := http.DefaultClient.Do(req)
	if resp.StatusCode != 401 {
		t.Errorf("a call without the token = %d, want 401", resp.StatusCode)
	}
	resp.Body.Close()
	req.Header.Set("Authorization", "Bearer "+token)
	req.Body = io.NopCloser(strings.NewReader("[]"))
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != 200 {
		t.Errorf("a call with the token = %d, want 200", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestEachStartHasARandomTokenUnlessOneIsGivenOrRefused(t *testing.T) {
	a, err := serve.Token("", false)
	b, _ := serve.Token("", false)
	if err != nil || len(a) < 20 || a == b {
		t.Fatalf("Token() = %q and %q (%v), want two different random tokens", a, b, err)
	}
	if tok, err := serve.Token("fixed", false); tok != "fixed" || err != nil {
		t.Errorf("Token(fixed) = %q, %v", tok, err)
	}
	if tok, err := serve.Token("", true); tok != "" || err != nil {
		t.Errorf("Token with --no-token = %q, %v; want none", tok, err)
	}
	if _, err := serve.Token("fixed", true); err == nil {
		t.Error("--token with --no-token: want an error")
	}
}

func TestListeningBeyondLoopbackNeedsAToken(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8765", "", true},
		{"localhost:0", "", true},
		{"[::1]:8765", "", true},
		{"0.0.0.0:8765", "", false},
		{":8765", "", false},
		{"192.168.1.10:8765", "", false},
		{"0.0.0.0:8765", "t", true},
		{"no-port", "", false},
	} {
		if err := serve.CheckAddr(tc.addr, tc.token); (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q, %q) = %v, want ok %v", tc.addr, tc.token, err, tc.ok)
		}
	}
}

func TestPagesCarryTheContentSecurityPolicy(t *testing.T) {
	ts, _ := newServer(t, "")
	for path, want := range map[string]int{"/": 200, "/chat/12": 200, "/assets/app.js": 200, "/assets/missing.js": 404} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && path != "/assets/app.js" && !strings.Contains(string(body), "<title>Kura</title>") {
			t.Errorf("GET %s did not serve index.html", path)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != app.ContentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
	}
	if !strings.Contains(app.ContentSecurityPolicy, "script-src 'self';") || !strings.Contains(app.ContentSecurityPolicy, "frame-ancestors 'none'") {
		t.Fatalf("CSP = %q", app.ContentSecurityPolicy)
	}
}

func TestFilesServesIndexedDocumentsOnly(t *testing.T) {
	ts, _ := newServer(t, "")
	dir := t.TempDir()
	doc := filepath.Join(dir, "report.txt")
	os.WriteFile(doc, []byte("quarterly report"), 0o644)
	os.WriteFile(filepath.Join(dir, "private.key"), []byte("secret"), 0o600)
	events := subscribe(t, ts)
	_, r := call(t, ts, "StartIngest", "default", []string{dir})
	if r.Error != nil {
		t.Fatal(r.Error.Message)
	}
	events.until(t, "job:done")

	_, r = call(t, ts, "Source", "default", doc, 0)
	var src app.Source
	json.Unmarshal(r.Result, &src)
	if src.FileURL == "" {
		t.Fatalf("Source = %s %+v", r.Result, r.Error)
	}
	resp, _ := http.Get(ts.URL + src.FileURL)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "quarterly report" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET %s = %d %q %q", src.FileURL, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, p := range []string{filepath.Join(dir, "private.key"), "/etc/passwd", dir} {
		resp, _ := http.Get(ts.URL + "/files?collection=default&path=" + p)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET /files for %s = %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestEventsStreamWhatTheAppEmits(t *testing.T) {
	ts, s := newServer(t, "")
	events := subscribe(t, ts)
	s.Broadcast("answer:token", app.AnswerToken{RequestID: "ask-1", ConversationID: 3, Text: "一"})
	name, data := events.until(t, "answer:token")
	var tok app.AnswerToken
	if err := json.Unmarshal([]byte(data), &tok); err != nil || tok.Text != "一" || tok.ConversationID != 3 {
		t.Fatalf("%s %s: %v", name, data, err)
	}
	if !events.sawKeepAlive(t) {
		t.Fatal("no keep-alive comment on an idle stream")
	}
}

// stream reads an SSE response.
type stream struct {
	lines chan string
}

func subscribe(t *testing.T, ts *httptest.Server) *stream {
	t.Helper()
	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type = %q", ct)
	}
	s := &stream{lines: make(chan string, 1024)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	if l := s.next(t); l != ": connected" {
		t.Fatalf("first line %q, want the connected comment", l)
	}
	return s
}

func (s *stream) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			t.Fatal("event stream closed")
		}
		return l
	case <-testwait.After(t):
		t.Fatal("no event line before the test's deadline")
	}
	return ""
}

// until reads events until one called name, and returns its data.
func (s *stream) until(t *testing.T, name string) (string, string) {
	t.Helper()
	for {
		if l := s.next(t); l == "event: "+name {
			data := s.next(t)
			return name, strings.TrimPrefix(data, "data: ")
		}
	}
}

func (s *stream) sawKeepAlive(t *testing.T) bool {
	for range 100 {
		if s.next(t) == ": keep-alive" {
			return true
		}
	}
	return false
}
