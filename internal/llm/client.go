// Package llm is Kura's only door to the model runtime. It wraps the Ollama
// API client with the contracts Kura relies on: embeddings are requested in
// batches and never silently truncated, chat streams are only complete when
// the server says so, and every failure is mapped to an error a caller can
// branch on (unreachable runtime, missing model, over-long input).
//
// The Client talks to exactly one base URL, the one the user configured; it
// opens no other connection.
package llm

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// DefaultURL is the address Ollama listens on when nobody configured one.
const DefaultURL = "http://127.0.0.1:11434"

// Client is a handle on one Ollama server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	api  *api.Client
}

// New returns a client for the Ollama server at rawURL (scheme optional,
// "127.0.0.1:11434" works). It performs no I/O.
func New(rawURL string) (*Client, error) {
	if strings.TrimSpace(rawURL) == "" {
		rawURL = DefaultURL
	}
	bare := !strings.Contains(rawURL, "://")
	if bare {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("ollama url %q: not a valid URL", rawURL)
	}
	if bare && u.Port() == "" {
		// Like OLLAMA_HOST: a bare host means Ollama's port.
		u.Host = net.JoinHostPort(u.Hostname(), "11434")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ollama url %q: scheme must be http or https", rawURL)
	}
	hc := &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // never route the local runtime through a proxy
		DialContext:           (&dialer).DialContext,
		ResponseHeaderTimeout: 10 * time.Minute, // model loads on slow laptops
		IdleConnTimeout:       90 * time.Second,
	}}
	return &Client{base: u, api: api.NewClient(u, hc)}, nil
}

// URL is the server's base URL as configured.
func (c *Client) URL() string { return c.base.String() }

var dialer = net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}
