package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/cli"
)

func TestTheServeTokenComesFromOneSourceAndTheCommandLineOneIsFlagged(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, flag, file, env string
		want, note            string
		fails                 bool
	}{
		{name: "none: a random one is made later", want: ""},
		{name: "the file", file: file, want: "from-file"},
		{name: "the environment", env: "from-env", want: "from-env"},
		{name: "the flag, with a note that ps shows it", flag: "from-flag", want: "from-flag", note: "visible to every user of this machine (ps)"},
		{name: "two of them", file: file, env: "from-env", fails: true},
		{name: "a missing file", file: file + ".missing", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KURA_TOKEN", tc.env)
			var errb bytes.Buffer
			got, err := givenToken(&cli.App{Stderr: &errb}, tc.flag, tc.file)
			if (err != nil) != tc.fails || got != tc.want || !strings.Contains(errb.String(), tc.note) {
				t.Fatalf("givenToken = %q, %v, stderr %q; want %q (fails %v) and the note %q", got, err, errb.String(), tc.want, tc.fails, tc.note)
			}
		})
	}
}

func TestServeAnswersForTheNamesItListensOnAndTheMachines(t *testing.T) {
	name, _ := os.Hostname()
	hosts := serveHosts("kura.lan:8765")
	if len(hosts) == 0 || hosts[0] != "kura.lan" || (name != "" && !strings.Contains(strings.Join(hosts, " "), name)) {
		t.Fatalf("serveHosts = %v, want kura.lan and %q", hosts, name)
	}
	for _, h := range serveHosts("0.0.0.0:8765") {
		if h == "0.0.0.0" {
			t.Fatalf("serveHosts lists an address, not a name: %v", hosts)
		}
	}
}
