package app

import "testing"

// The app's Runtime reads library.RuntimeStatus, the one assembly of the
// runtime's status (kura runtime reads it too): nothing answering is a
// status, not an error, and a runtime that answers but cannot list what it
// runs is reachable with the reason said.
func TestRuntimeSaysWhetherTheRuntimeAnswersAndWhy(t *testing.T) {
	t.Run("nothing answers", func(t *testing.T) {
		url := closedURL(t)
		h, _ := newTestApp(t, url)
		rt, err := h.App.Runtime()
		if err != nil {
			t.Fatal(err)
		}
		if rt.Reachable || rt.Error == "" || rt.Running == nil || len(rt.Running) != 0 || rt.URL == "" {
			t.Errorf("got %+v, want unreachable with a reason and no running models", rt)
		}
	})
	t.Run("it answers but cannot list its models", func(t *testing.T) {
		h, _ := newTestApp(t, fakeOllama(t, nil)) // the fake has no /api/ps
		rt, err := h.App.Runtime()
		if err != nil {
			t.Fatal(err)
		}
		if !rt.Reachable || rt.Version != "0.17.4" || rt.Error == "" {
			t.Errorf("got %+v, want reachable, version 0.17.4, and the listing's failure said", rt)
		}
	})
}
