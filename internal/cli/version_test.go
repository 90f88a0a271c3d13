package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestVersionAndDashDashVersionPrintTheVersionMainGave(t *testing.T) {
	for _, args := range [][]string{{"version", "--data", t.TempDir()}, {"--version"}} {
		var out, errb bytes.Buffer
		a := &App{Open: testOpener, Version: "1.2.3", Stdout: &out, Stderr: &errb}
		if code := a.Run(context.Background(), args); code != ExitOK {
			t.Fatalf("kura %v: exit %d: %s", args, code, errb.String())
		}
		first, rest, _ := strings.Cut(out.String(), "\n")
		if first != "kura 1.2.3" {
			t.Fatalf("kura %v printed %q, want the first line %q", args, out.String(), "kura 1.2.3")
		}
		if wantData := args[0] == "version"; strings.HasPrefix(rest, "data: "+args[len(args)-1]+" (set by --data)") != wantData {
			t.Fatalf("kura %v printed %q; want the data folder line only from kura version", args, out.String())
		}
	}
	var out bytes.Buffer
	a := &App{Open: testOpener, Version: "1.2.3", Stdout: &out, Stderr: &out}
	if code := a.Run(context.Background(), []string{"version", "--json"}); code != ExitOK {
		t.Fatalf("kura version --json: exit %d: %s", code, out.String())
	}
	var v VersionJSON
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version != "1.2.3" {
		t.Fatalf("kura version --json = %q (%v)", out.String(), err)
	}
}
