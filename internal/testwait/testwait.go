// Package testwait is how a test waits for a state: it waits until the
// state holds and gives up only when the test binary is about to be stopped
// by its own -timeout, so a busy machine or a -race build makes a test
// slower, never red (STYLE practice 19). A test never waits a fixed few
// seconds for something to happen; it names what it waits for, and a hung
// run fails with that name instead of a goroutine dump.
//
// Only tests import this package.
package testwait

import (
	"context"
	"testing"
	"time"
)

// grace is what Deadline leaves before the binary's -timeout, for the
// failing test to report and run its cleanups (stop a runtime, remove a
// temporary directory).
const grace = 30 * time.Second

// NoTimeout is the deadline given to a wait when the test binary has none
// (`go test -timeout 0`): long enough for any wait on a busy machine, short
// enough that a hang still ends.
const NoTimeout = 10 * time.Minute

// Deadline is when a wait in t gives up: 30 s before the test binary's
// -timeout (at least a second from now), or NoTimeout from now without one.
// It is the same for every wait in the run, so the deadline stops a hung run
// and never a slow one.
func Deadline(t testing.TB) time.Time {
	now := time.Now()
	d, ok := deadline(t)
	if !ok {
		return now.Add(NoTimeout)
	}
	if d = d.Add(-grace); d.Before(now.Add(time.Second)) {
		d = now.Add(time.Second)
	}
	return d
}

func deadline(t testing.TB) (time.Time, bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

// Context returns a context that ends at Deadline(t) and is canceled when
// the test ends: for a call that takes a context and should only be stopped
// if it hangs.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), Deadline(t))
	t.Cleanup(cancel)
	return ctx
}

// After returns a channel that receives at Deadline(t): the deadline case of
// a select that waits on events. It is cheap to call per wait (an unused
// timer is collected).
func After(t testing.TB) <-chan time.Time {
	return time.After(time.Until(Deadline(t)))
}

// Until calls ok, every 10 ms at first and every 250 ms at most, until it
// returns true; at Deadline(t) it fails t, saying it waited for what.
func Until(t testing.TB, what string, ok func() bool) {
	t.Helper()
	start := time.Now()
	if !Poll(t, ok) {
		t.Fatalf("waited %v for %s", time.Since(start).Round(time.Second), what)
	}
}

// Poll is Until for a test that reports the failure itself (with a
// goroutine dump, say): it reports whether ok held by Deadline(t).
func Poll(t testing.TB, ok func() bool) bool {
	end := Deadline(t)
	for pause := 10 * time.Millisecond; !ok(); pause = min(2*pause, 250*time.Millisecond) {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(pause)
	}
	return true
}

// Recv returns the next value from c; at Deadline(t) it fails t, saying it
// waited for what. A closed channel gives its zero value, as a receive does.
func Recv[T any](t testing.TB, what string, c <-chan T) T {
	t.Helper()
	start := time.Now()
	timer := time.NewTimer(time.Until(Deadline(t)))
	defer timer.Stop()
	select {
	case v := <-c:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s", time.Since(start).Round(time.Second), what)
		panic("unreachable")
	}
}
