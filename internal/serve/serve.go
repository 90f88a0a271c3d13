// Package serve is `kura serve`: the desktop app's page and API for a web
// browser, used by the end-to-end tests and by people who want Kura on
// another screen. It serves the same built frontend as the window, calls
// the same app.App (POST /api/call/<Method>, found by reflection over
// App's exported methods, so the browser API cannot drift from the desktop
// bindings), streams the same events over SSE (GET /api/events) and the
// original files of documents (/files). See docs/API.md.
//
// Security, after the model of notebook servers: the API reads every
// indexed document and indexes any file its user can read, so by default
// `kura serve` makes a random token at each start (Token) and prints the
// address with it; every request must carry it: `Authorization: Bearer T`
// (the scheme in any case, RFC 7235), `?token=T` on the API and /files, or
// the cookie (HttpOnly, SameSite=Strict) a page gets when it is opened with
// ?token=T or with a one-time ?code= (OpenURL). A page opened so is
// redirected at once to the same address without the secret, so neither
// the browser's history nor a bookmark keeps it; the browser is started
// with a one-time code, never the token, because every local user can read
// a command line (ps). A page without the token gets a page, in the
// browser's language, saying how to get in. --token-file or $KURA_TOKEN fix
// a token (--token T too, but ps shows it); --no-token turns it off, which
// only loopback addresses allow, and then any local process or user can
// call the API. Either way it refuses API calls from other origins and
// requests whose Host is a name that is not a loopback name or one the
// server was told about (DNS rebinding).
//
// Bounds: a request's headers must arrive within 10 s and a request with a
// body whole within ReadTimeout; call arguments are at most 8 MiB; at most
// MaxEventClients event streams are open at once, and one more is refused
// with 503 and words.
package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/app"
	"github.com/kura-app/kura/internal/extract"
)

// DefaultAddr is where `kura serve` listens without --addr.
const DefaultAddr = "127.0.0.1:8765"

// tokenCookie carries the token for the page's own requests once it was
// opened with ?token=.
const tokenCookie = "kura_token"

// maxBody bounds the JSON arguments of one call.
const maxBody = 8 << 20

// codeLife is how long a one-time code of OpenURL stays good: long enough
// for a browser to start, short enough that a code read from ps is stale.
const codeLife = 2 * time.Minute

// Server is the HTTP side of one app.App. Create it with New; set the
// exported fields before serving.
type Server struct {
	host    *app.Host
	assets  fs.FS
	token   string
	methods map[string]reflect.Value
	hub     *hub
	log     *log.Logger
	handler http.Handler

	mu    sync.Mutex
	codes map[string]time.Time // one-time codes of OpenURL and when they expire

	// KeepAlive is the interval of SSE comment lines that keep proxies and
	// browsers from closing an idle event stream (default 15 s).
	KeepAlive time.Duration
	// ReadTimeout bounds the reading of a whole request that has a body,
	// headers and body (default 1 min: 8 MiB of arguments arrive in well
	// under a second on any network this is for); a body slower than that
	// gets 408 and the connection is closed. Requests without a body are not
	// bounded after their headers, so event streams and file downloads last.
	ReadTimeout time.Duration
	// MaxEventClients caps the event streams open at once (default 64: a
	// page opens one); beyond it /api/events answers 503.
	MaxEventClients int
	// Hosts are host names, besides loopback names and IP addresses, that
	// requests may be addressed to when a token is required (such as the
	// machine's name for other screens). A request for any other name is
	// refused: it is how DNS rebinding reaches a local server.
	Hosts []string
}

// New returns the server for h, serving the built frontend from assets.
// With a non-empty token every request must carry it. It makes h's events
// go to the server's SSE clients.
func New(h *app.Host, assets fs.FS, token string) *Server {
	s := &Server{host: h, assets: assets, token: token, methods: methods(h.App), hub: newHub(), log: log.Default(),
		codes: map[string]time.Time{}, KeepAlive: 15 * time.Second, ReadTimeout: time.Minute, MaxEventClients: 64}
	h.SetEmitter(s.Broadcast)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/call/{method}", s.call)
	mux.HandleFunc("GET /api/events", s.events)
	mux.Handle(app.FilesPath, h.Files())
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody(app.CodeNotFound, "No such API endpoint."))
	})
	mux.HandleFunc("/", s.static)
	s.handler = app.SecurityHeaders(mux)
	return s
}

// methods are the exported methods of a, by name.
func methods(a *app.App) map[string]reflect.Value {
	v := reflect.ValueOf(a)
	t := v.Type()
	m := make(map[string]reflect.Value, t.NumMethod())
	for i := range t.NumMethod() {
		m[t.Method(i).Name] = v.Method(i)
	}
	return m
}

// Token decides the token of a start: the one given (--token-file,
// $KURA_TOKEN or --token), none when disabled (--no-token, which CheckAddr
// allows on loopback only), else a new random one (128 bits).
func Token(given string, disabled bool) (string, error) {
	switch {
	case disabled && given != "":
		return "", errors.New("--no-token and a token (--token, --token-file or KURA_TOKEN) contradict each other: choose one")
	case disabled:
		return "", nil
	case given != "":
		return given, nil
	}
	return random()
}

// random is 128 random bits as URL-safe text.
func random() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// maxTokenFile bounds what ReadTokenFile reads: a token is a line.
const maxTokenFile = 4 << 10

// ReadTokenFile reads a token from the first line of a file (--token-file),
// so that it is not on the command line, where ps shows it to every user of
// the machine. The file must be a regular file of at most 4 KiB holding a
// non-empty first line. warn is non-empty when other users may read it.
func ReadTokenFile(name string) (token, warn string, err error) {
	f, st, err := extract.OpenFile(name) // never waits on a FIFO
	if err != nil {
		return "", "", fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", "", fmt.Errorf("token file %s: %w", name, err)
	}
	if len(b) > maxTokenFile {
		return "", "", fmt.Errorf("token file %s: longer than %d bytes; it should hold the token on one line", name, maxTokenFile)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	token = strings.TrimSpace(line)
	if token == "" {
		return "", "", fmt.Errorf("token file %s: its first line is empty", name)
	}
	if st.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("token file %s can be read by other users (mode %v): chmod 600 it", name, st.Mode().Perm())
	}
	return token, warn, nil
}

// CheckAddr refuses to listen beyond this machine without a token: the API
// reads every indexed document.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w (use host:port, such as %s)", addr, err, DefaultAddr)
	}
	if token == "" && !loopbackHost(host) {
		return fmt.Errorf("listening on %s without a token would open your documents to the network: drop --no-token, or listen on 127.0.0.1", addr)
	}
	return nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// ServeHTTP checks the host the request is for (DNS rebinding) and the
// token, trades a secret in a page's address for a cookie, and serves the
// request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body == http.NoBody {
		// Nothing more to read: an event stream or a file download may
		// outlast ReadTimeout.
		http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if !s.hostAllowed(host) {
		http.Error(w, "kura serve does not answer for the host name "+strconv.Quote(host)+": open the address it printed", http.StatusForbidden)
		return
	}
	if s.token == "" {
		s.handler.ServeHTTP(w, r)
		return
	}
	if page(r) {
		q := r.URL.Query()
		if q.Has("code") || q.Has("token") {
			if s.takeCode(q.Get("code")) || s.same(q.Get("token")) {
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
				q.Del("code")
				q.Del("token")
				clean := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("Referrer-Policy", "no-referrer")
				http.Redirect(w, r, clean.String(), http.StatusSeeOther)
				return
			}
		}
	}
	if !s.authorized(r) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			writeJSON(w, http.StatusUnauthorized, errorBody("unauthorized", "A token is required: open the address kura serve printed."))
		case page(r):
			writeLocked(w, r)
		default:
			http.Error(w, "a token is required: open the address `kura serve` printed", http.StatusUnauthorized)
		}
		return
	}
	s.handler.ServeHTTP(w, r)
}

// page reports whether r asks for one of the app's pages (not the API, not
// a file): where a secret in the address is traded for the cookie.
func page(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		!strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != app.FilesPath
}

// hostAllowed reports whether a request for host may be served: loopback
// names always; with a token also IP addresses (DNS rebinding needs a name)
// and the names in Hosts.
func (s *Server) hostAllowed(host string) bool {
	if loopbackHost(host) {
		return true
	}
	if s.token == "" {
		return false
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return true
	}
	for _, h := range s.Hosts {
		if strings.EqualFold(strings.TrimSuffix(host, "."), strings.TrimSuffix(h, ".")) {
			return true
		}
	}
	return false
}

// authorized reports whether r carries the token: in the Authorization
// header, as ?token= (EventSource and file URLs cannot set headers), or in
// the cookie.
func (s *Server) authorized(r *http.Request) bool {
	if scheme, t, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok &&
		strings.EqualFold(scheme, "Bearer") && s.same(strings.TrimSpace(t)) {
		return true
	}
	if s.same(r.URL.Query().Get("token")) {
		return true
	}
	if c, err := r.Cookie(tokenCookie); err == nil && s.same(c.Value) {
		return true
	}
	return false
}

func (s *Server) same(t string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

// OpenURL is the address to start a browser with for a server listening on
// ln: with a token, it carries a one-time code that is good for one page
// load within 2 minutes and gets that browser the cookie, so the token is
// never on a command line (ps shows those to every user).
func (s *Server) OpenURL(ln net.Listener) (string, error) {
	u := url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}
	if s.token == "" {
		return u.String(), nil
	}
	c, err := random()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	now := time.Now()
	for k, exp := range s.codes {
		if now.After(exp) {
			delete(s.codes, k)
		}
	}
	s.codes[c] = now.Add(codeLife)
	s.mu.Unlock()
	u.RawQuery = url.Values{"code": {c}}.Encode()
	return u.String(), nil
}

// takeCode reports whether c is a live one-time code, and spends it.
func (s *Server) takeCode(c string) bool {
	if c == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.codes[c]
	delete(s.codes, c)
	return ok && time.Now().Before(exp)
}

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func errorBody(code, msg string) map[string]errorJSON {
	return map[string]errorJSON{"error": {Code: code, Message: msg}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// call runs one method: the body is a JSON array of its arguments; the
// answer is {"result": ...} or {"error": {"code", "message", "params"}}, with status
// 200 either way (404 for a method that does not exist).
func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	m, ok := s.methods[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody(app.CodeNotFound, fmt.Sprintf("There is no method %q.", name)))
		return
	}
	// A page of another site cannot send JSON here without a CORS
	// preflight, which this server never grants.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody(app.CodeInvalid, "Send the arguments as application/json."))
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			writeJSON(w, http.StatusForbidden, errorBody(app.CodeInvalid, "Calls from other sites are refused."))
			return
		}
	}
	var raw []json.RawMessage
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		// The body is in: the call itself may take longer than ReadTimeout.
		http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
	var tooLarge *http.MaxBytesError
	var slow net.Error
	switch {
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody(app.CodeInvalid, fmt.Sprintf("The arguments are larger than %d MiB.", maxBody>>20)))
		return
	case errors.As(err, &slow) && slow.Timeout():
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestTimeout, errorBody(app.CodeInvalid, fmt.Sprintf("The arguments did not arrive within %v.", s.ReadTimeout)))
		return
	}
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = json.Unmarshal(body, &raw)
	}
	if err != nil {
		writeJSON(w, http.StatusOK, errorBody(app.CodeInvalid, "The arguments must be a JSON array."))
		return
	}
	t := m.Type()
	if len(raw) != t.NumIn() {
		writeJSON(w, http.StatusOK, errorBody(app.CodeInvalid, fmt.Sprintf("%s takes %d arguments, not %d.", name, t.NumIn(), len(raw))))
		return
	}
	args := make([]reflect.Value, t.NumIn())
	for i := range args {
		p := reflect.New(t.In(i))
		if err := json.Unmarshal(raw[i], p.Interface()); err != nil {
			writeJSON(w, http.StatusOK, errorBody(app.CodeInvalid, fmt.Sprintf("Argument %d of %s: %v.", i+1, name, err)))
			return
		}
		args[i] = p.Elem()
	}
	out, err := s.invoke(m, args)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]app.ErrorJSON{"error": app.ToJSON(err)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": out})
}

var errorType = reflect.TypeFor[error]()

// invoke calls m and splits its results into a value (nil for none) and an
// error (the last result when it is an error). A panic is an internal
// error, not a dead server.
func (s *Server) invoke(m reflect.Value, args []reflect.Value) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Printf("kura serve: panic in a call: %v", p)
			result, err = nil, &app.Error{Code: app.CodeInternal, Message: "Kura hit an internal error; see its log."}
		}
	}()
	res := m.Call(args)
	if n := len(res); n > 0 && res[n-1].Type() == errorType {
		if e := res[n-1]; !e.IsNil() {
			return nil, e.Interface().(error)
		}
		res = res[:n-1]
	}
	if len(res) == 0 {
		return nil, nil
	}
	return res[0].Interface(), nil
}

// static serves the built frontend; paths that are not files get
// index.html, so a reload on a client-side route works.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if p == "" {
		p = "index.html"
	}
	if st, err := fs.Stat(s.assets, p); err != nil || st.IsDir() {
		if path.Ext(p) != "" && p != "index.html" {
			http.NotFound(w, r)
			return
		}
		p = "index.html"
	}
	if p == "index.html" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, s.assets, p)
}

// Broadcast sends an event to every connected SSE client. It is the App's
// Emitter in `kura serve`.
func (s *Server) Broadcast(name string, payload any) {
	b, err := json.Marshal(payload)
	if err != nil {
		s.log.Printf("kura serve: event %s: %v", name, err)
		return
	}
	s.hub.send(fmt.Appendf(nil, "event: %s\ndata: %s\n\n", name, b))
}

// events streams events to one client until it goes away or the server
// shuts down.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c := s.hub.subscribe(s.MaxEventClients)
	if c == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody("busy", fmt.Sprintf("Too many event streams are open (%d): close other Kura tabs or programs reading /api/events.", s.MaxEventClients)))
		return
	}
	defer s.hub.unsubscribe(c)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ": connected\n\n")
	fl.Flush()
	tick := time.NewTicker(s.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case msg, ok := <-c.ch:
			if !ok {
				return // dropped as too slow, or shutting down
			}
			if _, err := w.Write(msg); err != nil {
				return
			}
			fl.Flush()
		case <-tick.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

// hub fans events out to SSE clients. A client that falls more than its
// buffer behind is disconnected (EventSource reconnects, and the page
// reloads its state) rather than slowing everyone down.
type hub struct {
	mu      sync.Mutex
	clients map[*client]bool
	closed  bool
}

type client struct{ ch chan []byte }

func newHub() *hub { return &hub{clients: map[*client]bool{}} }

// subscribe adds a client, or returns nil when max (> 0) are connected.
func (h *hub) subscribe(max int) *client {
	c := &client{ch: make(chan []byte, 1024)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if max > 0 && len(h.clients) >= max {
		return nil
	}
	if h.closed {
		close(c.ch)
	} else {
		h.clients[c] = true
	}
	return c
}

func (h *hub) unsubscribe(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[c] {
		delete(h.clients, c)
		close(c.ch)
	}
}

func (h *hub) send(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.ch <- msg:
		default:
			delete(h.clients, c)
			close(c.ch)
		}
	}
}

// close ends every stream, so that the server can shut down.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		close(c.ch)
	}
}

// Run serves on ln until ctx ends, then shuts down: event streams are
// closed and calls in flight get 5 seconds to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := s.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// HTTPServer is the http.Server that Run serves with: s as its handler,
// its time limits (headers within 10 s, a request with a body within
// ReadTimeout, an idle connection closed after 2 minutes, headers of at
// most 64 KiB), and event streams ended at Shutdown.
func (s *Server) HTTPServer() *http.Server {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: s.ReadTimeout,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	srv.RegisterOnShutdown(s.hub.close)
	return srv
}

// URL is the address to open for a server listening on ln, with the token
// when one is required.
func URL(ln net.Listener, token string) string {
	u := url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}
