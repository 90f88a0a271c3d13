package cli

import (
	"testing"
	"time"

	"github.com/kura-app/kura/internal/answer"
)

// Issue 20: "within about 20s" was printed whatever the wait; a wait past
// the target says how long and why.
func TestTheAnnouncedWaitNamesWhyItPassesTheTarget(t *testing.T) {
	target := 20 * time.Second
	for _, tc := range []struct {
		name string
		wait answer.Wait
		want string
	}{
		{"a wait within the target is its length", answer.Wait{Read: 14 * time.Second, Target: target}, "14s"},
		{"a loading model is named with its load", answer.Wait{Load: 30 * time.Second, Read: 15 * time.Second, Target: target},
			"45s: the model is loading (30s), then reads the quotes"},
		{"a busy machine is named with the target", answer.Wait{Read: 34 * time.Second, Target: target}, "34s: the machine is busy, past the 20s target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := waitText(tc.wait); got != tc.want {
				t.Errorf("waitText = %q, want %q", got, tc.want)
			}
		})
	}
}
