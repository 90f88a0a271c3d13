package testwait

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDeadlineLeavesTheGraceBeforeTheBinaryTimeout(t *testing.T) {
	d := Deadline(t)
	if bin, ok := t.Deadline(); ok {
		if want := bin.Add(-grace); !d.Equal(want) && !(want.Before(time.Now()) && d.After(time.Now())) {
			t.Fatalf("Deadline = %v, want %v (the -timeout less %v)", d, want, grace)
		}
	} else if until := time.Until(d); until < NoTimeout-time.Minute || until > NoTimeout {
		t.Fatalf("Deadline is %v away without -timeout, want %v", until, NoTimeout)
	}
}

func TestUntilReturnsOnceTheStateHolds(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 5 {
			time.Sleep(5 * time.Millisecond)
			n.Add(1)
		}
	}()
	Until(t, "five steps", func() bool { return n.Load() == 5 })
}

func TestRecvReturnsTheValueSent(t *testing.T) {
	c := make(chan int, 1)
	go func() { c <- 7 }()
	if v := Recv(t, "a seven", c); v != 7 {
		t.Fatalf("Recv = %d, want 7", v)
	}
}

func TestContextEndsWithTheTest(t *testing.T) {
	var ctx interface{ Err() error }
	t.Run("inner", func(t *testing.T) { ctx = Context(t) })
	if ctx.Err() == nil {
		t.Fatal("the context outlived its test")
	}
}

// binary is a test whose binary's -timeout is at deadline; it records the
// failure instead of failing.
type binary struct {
	testing.TB
	deadline time.Time
	failed   string
}

func (b *binary) Deadline() (time.Time, bool) { return b.deadline, true }
func (b *binary) Helper()                     {}
func (b *binary) Fatalf(format string, args ...any) {
	b.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestAWaitThatNeverHoldsFailsAtTheDeadlineNamingWhatItWaitedFor(t *testing.T) {
	b := &binary{TB: t, deadline: time.Now().Add(grace)} // Deadline: a second from now
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Until(b, "the kettle to boil", func() bool { return false })
	}()
	<-done
	if took := time.Since(start); took < time.Second || took > grace {
		t.Errorf("gave up after %v, want at the deadline, a second from the start", took)
	}
	if !strings.Contains(b.failed, "for the kettle to boil") {
		t.Errorf("failure %q does not say what it waited for", b.failed)
	}
}
