package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/bits"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/testwait"
)

// TestDesktopWindowOpensAndThePageMounts is the desktop smoke test: it runs
// the real Wails binary on a virtual display (Xvfb), checks that a window
// named Kura maps and that the page calls Ready (through the Wails bindings,
// under the app's Content-Security-Policy), saves a screenshot to
// docs/screenshots/desktop.png and stops the app with SIGTERM.
//
// It builds the binary with the desktop tags unless $KURA_DESKTOP_BIN names
// one. It fails, never skips, when a tool is missing: Xvfb (xvfb),
// xwininfo (x11-utils), xwd (x11-apps).
func TestDesktopWindowOpensAndThePageMounts(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the desktop smoke test runs on Linux (Xvfb); this is %s", runtime.GOOS)
	}
	for tool, pkg := range map[string]string{"Xvfb": "xvfb", "xwininfo": "x11-utils", "xwd": "x11-apps"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install %s (or run make deps)", tool, pkg)
		}
	}
	start := time.Now()
	bin := os.Getenv("KURA_DESKTOP_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "kura")
		build := exec.Command("go", "build", "-tags", "desktop,production,webkit2_41", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build the desktop binary: %v\n%s", err, out)
		}
		t.Logf("built the desktop binary in %v", time.Since(start).Round(time.Millisecond))
	} else if _, err := os.Stat(bin); err != nil {
		t.Fatalf("KURA_DESKTOP_BIN: %v", err)
	}

	display := startXvfb(t)
	data := t.TempDir()
	ready := filepath.Join(data, "ready")
	var logs bytes.Buffer
	cmd := exec.Command(bin, "app", "--ollama", closedURL(t))
	cmd.Env = append(withoutEnv(os.Environ(), "WAYLAND_DISPLAY", "KURA_DATA", "KURA_READY_FILE", "DISPLAY"),
		"DISPLAY="+display, "KURA_DATA="+data, "KURA_READY_FILE="+ready)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	launched := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	})

	var mapped, readyAt time.Duration
	for deadline := testwait.Deadline(t); mapped == 0 || readyAt == 0; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("the app exited before it was ready: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: window mapped %v, page ready %v\napp output:\n%s", time.Since(launched).Round(time.Second), mapped != 0, readyAt != 0, logs.String())
		}
		if mapped == 0 && windowMapped(t, display, "Kura") {
			mapped = time.Since(launched)
		}
		if b, err := os.ReadFile(ready); readyAt == 0 && err == nil && strings.TrimSpace(string(b)) == "ready" {
			readyAt = time.Since(launched)
		}
	}
	t.Logf("window mapped after %v, page ready after %v", mapped.Round(time.Millisecond), readyAt.Round(time.Millisecond))

	shot := filepath.Join("docs", "screenshots", "desktop.png")
	settled, err := screenshot(display, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot saved to %s (screen settled: %v)", shot, settled)

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("the app ended with %v after SIGTERM, want exit status 0\n%s", err, logs.String())
		}
	case <-testwait.After(t):
		t.Fatalf("the app was still running when the test's deadline came, after SIGTERM\n%s", logs.String())
	}
}

// startXvfb starts a virtual display on a free number (Xvfb chooses it and
// writes it to -displayfd) and stops it when the test ends.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	var xlog bytes.Buffer
	x.Stderr = &xlog
	if err := x.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() {
		x.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { x.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			x.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatalf("Xvfb did not report its display\n%s", xlog.String())
		}
		return ":" + n
	case <-testwait.After(t):
		t.Fatalf("Xvfb did not report its display before the test's deadline\n%s", xlog.String())
	}
	return ""
}

// windowMapped reports whether a window titled name is on the display.
func windowMapped(t *testing.T, display, name string) bool {
	out, err := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
	if err != nil {
		return false
	}
	return bytes.Contains(out, []byte(`"`+name+`": (`))
}

// closedURL is a loopback address where nothing listens, so the app starts
// no model runtime.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// screenshot saves the whole display as PNG, through xwd, once the page
// has finished loading: when two dumps half a second apart are the same
// (at most 15 s; an animation never settles, and the last dump is kept).
func screenshot(display, path string) (settled bool, err error) {
	var prev []byte
	for deadline := time.Now().Add(15 * time.Second); ; {
		time.Sleep(500 * time.Millisecond)
		raw, err := exec.Command("xwd", "-display", display, "-root", "-silent").Output()
		if err != nil {
			return false, fmt.Errorf("xwd: %w", err)
		}
		settled = bytes.Equal(raw, prev)
		if settled || time.Now().After(deadline) {
			img, err := decodeXWD(raw)
			if err != nil {
				return false, err
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return false, err
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return false, err
			}
			return settled, os.WriteFile(path, buf.Bytes(), 0o644)
		}
		prev = raw
	}
}

// decodeXWD reads the true-color ZPixmap dumps xwd writes of a 24- or
// 32-bit screen (X11 XWD format version 7).
func decodeXWD(b []byte) (image.Image, error) {
	if len(b) < 100 {
		return nil, errors.New("xwd: short file")
	}
	var h [25]uint32
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[i*4:])
	}
	headerSize, version, format := h[0], h[1], h[2]
	width, height, byteOrder, bpp, bpl := int(h[4]), int(h[5]), h[7], int(h[11]), int(h[12])
	rm, gm, bm, ncolors := h[14], h[15], h[16], int(h[19])
	if version != 7 || format != 2 || (bpp != 24 && bpp != 32) || rm == 0 || gm == 0 || bm == 0 {
		return nil, fmt.Errorf("xwd: unsupported dump (version %d, format %d, %d bits per pixel)", version, format, bpp)
	}
	off := int(headerSize) + ncolors*12
	if len(b) < off+height*bpl {
		return nil, errors.New("xwd: truncated pixels")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	channel := func(p, mask uint32) uint8 { return uint8((p & mask) >> bits.TrailingZeros32(mask)) }
	for y := range height {
		row := b[off+y*bpl:]
		for x := range width {
			px := row[x*bpp/8 : x*bpp/8+bpp/8]
			var p uint32
			for i := range px {
				if byteOrder == 0 { // LSBFirst
					p |= uint32(px[i]) << (8 * i)
				} else {
					p = p<<8 | uint32(px[i])
				}
			}
			img.SetRGBA(x, y, color.RGBA{channel(p, rm), channel(p, gm), channel(p, bm), 255})
		}
	}
	return img, nil
}
