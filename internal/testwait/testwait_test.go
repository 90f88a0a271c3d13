package testwait

import (
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
