package serve_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/serve"
)

// noRedirect GETs path without following a redirect, with an
// Accept-Language when lang is set.
func noRedirect(t *testing.T, ts *httptest.Server, path, lang string) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// browser is a client with a cookie jar that follows redirects, as a
// browser does.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func TestASecretInAPageAddressIsTradedForACookieAndDropped(t *testing.T) {
	const token = "s3cret-token"
	ts, _ := newServer(t, token)
	r := noRedirect(t, ts, "/chat/3?lang=ja&token="+token, "")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/chat/3?lang=ja" {
		t.Fatalf("a page with ?token= = %d to %q, want 303 to the same page without the token", r.StatusCode, r.Header.Get("Location"))
	}
	b := browser(t)
	resp, err := b.Get(ts.URL + "/?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(resp.Request.URL.String(), token) {
		t.Fatalf("a browser opening the printed address ended at %s with %d, want 200 at an address without the token", resp.Request.URL, resp.StatusCode)
	}
	// The page's own calls, events and files go with the cookie alone.
	req, _ := http.NewRequest("POST", ts.URL+"/api/call/Collections", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	resp, err = b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("a call with the cookie = %d, want 200", resp.StatusCode)
	}
	// The API and /files still take ?token= as it is (EventSource and
	// scripts), without a redirect.
	if r := noRedirect(t, ts, "/api/events?token="+token, ""); r.StatusCode != 200 {
		t.Fatalf("events with ?token= = %d, want 200", r.StatusCode)
	}
}

func TestTheBrowserIsStartedWithAOneTimeCodeNotTheToken(t *testing.T) {
	const token = "s3cret-token"
	ts, s := newServer(t, token)
	ln := ts.Listener
	open, err := s.OpenURL(ln)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(open)
	if strings.Contains(open, token) || u.Query().Get("code") == "" {
		t.Fatalf("OpenURL = %s, want a one-time code and not the token (a command line is visible in ps)", open)
	}
	b := browser(t)
	resp, err := b.Get(open)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<title>Kura</title>") || resp.Request.URL.RawQuery != "" {
		t.Fatalf("the browser opening %s ended at %s with %d, want the page at an address without the code", open, resp.Request.URL, resp.StatusCode)
	}
	if r := noRedirect(t, ts, u.RequestURI(), ""); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the same code a second time (read from ps by someone else) = %d, want 401", r.StatusCode)
	}
	if r := noRedirect(t, ts, "/?code=made-up", ""); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a made-up code = %d, want 401", r.StatusCode)
	}
	_, plain := newServer(t, "")
	if open, _ := plain.OpenURL(ln); strings.Contains(open, "?") {
		t.Fatalf("OpenURL without a token = %s, want no query", open)
	}
}

func TestWithATokenRequestsForOtherHostNamesAreRefused(t *testing.T) {
	const token = "s3cret-token"
	ts, _ := newServer(t, token, func(s *serve.Server) { s.Hosts = []string{"kura-laptop"} })
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	for host, want := range map[string]int{
		"evil.example:" + port:  http.StatusForbidden, // DNS rebinding: a name that points here
		"127.0.0.1:" + port:     200,
		"localhost:" + port:     200,
		"192.168.1.10:" + port:  200, // another screen reaching this machine by address
		"kura-laptop:" + port:   200, // by a name the server was given
		"KURA-LAPTOP.:" + port:  200,
		"kura-laptop.evil.test": http.StatusForbidden,
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s with the token = %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestAPageWithoutTheTokenSaysHowToGetInInTheBrowsersLanguage(t *testing.T) {
	ts, _ := newServer(t, "s3cret-token")
	for _, tc := range []struct{ lang, want string }{
		{"", "Run kura serve again"},
		{"fr-FR,fr;q=0.9", "Run kura serve again"},
		{"ja,en-US;q=0.8", "kura serve をもう一度実行"},
		{"ko-KR", "kura serve를 다시 실행"},
		{"de;q=0.9,ko;q=0.5,ja;q=0.7", "kura serve をもう一度実行"},
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/chat/2", nil)
		if tc.lang != "" {
			req.Header.Set("Accept-Language", tc.lang)
		}
		req.AddCookie(&http.Cookie{Name: "kura_token", Value: "from-an-earlier-start"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), tc.want) || !strings.Contains(string(body), "--token-file") {
			t.Errorf("a bookmarked page, Accept-Language %q = %d %s:\n%s\nwant 401 and an HTML page saying %q", tc.lang, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.want)
		}
	}
	// The API keeps answering JSON.
	req, _ := http.NewRequest("POST", ts.URL+"/api/call/Collections", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("a call without the token = %d %s, want 401 JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestATokenIsReadFromTheFirstLineOfARegularFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	tok, warn, err := serve.ReadTokenFile(write("private", "  abc-123 \nsecond line\n", 0o600))
	if tok != "abc-123" || warn != "" || err != nil {
		t.Errorf("a private token file = %q %q %v, want abc-123 without a warning", tok, warn, err)
	}
	if tok, warn, err := serve.ReadTokenFile(write("shared", "abc\n", 0o644)); tok != "abc" || !strings.Contains(warn, "other users") || err != nil {
		t.Errorf("a token file others can read = %q %q %v, want the token and a warning", tok, warn, err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"an empty file":  write("empty", "\n", 0o600),
		"a long file":    write("long", strings.Repeat("x", 5000), 0o600),
		"a FIFO":         fifo,
		"a folder":       dir,
		"a missing file": filepath.Join(dir, "missing"),
	} {
		if tok, _, err := serve.ReadTokenFile(path); err == nil {
			t.Errorf("%s: token %q, want an error", name, tok)
		}
	}
}

func TestASlowRequestBodyTimesOut(t *testing.T) {
	ts, _ := newServer(t, "", func(s *serve.Server) { s.ReadTimeout = 500 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers promise 100 bytes; one arrives, then nothing (slowloris).
	fmt.Fprintf(conn, "POST /api/call/Collections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute)) // only stops a hung run
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("a slow body got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("a slow body = %d, want 408", resp.StatusCode)
	}
	// An event stream (no body) outlives ReadTimeout.
	events := subscribe(t, ts)
	for range 3 {
		if !events.sawKeepAlive(t) {
			t.Fatal("no keep-alive")
		}
	}
	start := time.Now()
	for time.Since(start) < 1500*time.Millisecond {
		if !events.sawKeepAlive(t) {
			t.Fatal("the event stream ended")
		}
	}
}

func TestArgumentsBeyondTheLimitAreRefused(t *testing.T) {
	ts, _ := newServer(t, "")
	big := "[\"" + strings.Repeat("a", 9<<20) + "\"]"
	resp, err := http.Post(ts.URL+"/api/call/CreateCollection", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("9 MiB of arguments = %d, want 413", resp.StatusCode)
	}
}

func TestEventStreamsAreCapped(t *testing.T) {
	const max = 3
	ts, _ := newServer(t, "", func(s *serve.Server) { s.MaxEventClients = max })
	var open []*http.Response
	for range max {
		resp, err := http.Get(ts.URL + "/api/events")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("event stream within the cap: %v %v", resp, err)
		}
		open = append(open, resp)
	}
	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Too many event streams") {
		t.Fatalf("event stream %d = %d %s, want 503 with words", max+1, resp.StatusCode, body)
	}
	// Once one closes, another gets in (the server sees the close when it
	// next writes: a keep-alive).
	open[0].Body.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(ts.URL + "/api/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed stream never made room for another")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, r := range open[1:] {
		r.Body.Close()
	}
}
