package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheDataFolderIsChosenByFlagThenKuraDataThenPortableThenPerUser(t *testing.T) {
	exe := t.TempDir()
	withKuraData := t.TempDir()
	os.Mkdir(filepath.Join(withKuraData, PortableDirName), 0o755)
	withAFile := t.TempDir()
	os.WriteFile(filepath.Join(withAFile, PortableDirName), nil, 0o644)
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	xdg := t.TempDir()
	for _, c := range []struct {
		name, flag, exeDir string
		env                map[string]string
		want, from         string
		portable           bool
	}{
		{"--data wins over everything", "/d/flag", withKuraData, map[string]string{"KURA_DATA": "/d/env"}, "/d/flag", "--data", false},
		{"KURA_DATA wins over a kura-data folder", "", withKuraData, map[string]string{"KURA_DATA": "/d/env"}, "/d/env", "KURA_DATA", false},
		{"a kura-data folder beside the executable makes Kura portable", "", withKuraData, nil,
			filepath.Join(withKuraData, PortableDirName), "portable", true},
		{"a file named kura-data does not", "", withAFile, map[string]string{"XDG_DATA_HOME": xdg}, filepath.Join(xdg, "kura"), "per-user", false},
		{"without any, the per-user folder", "", exe, map[string]string{"XDG_DATA_HOME": xdg}, filepath.Join(xdg, "kura"), "per-user", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := locate(c.flag, c.exeDir, env(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if l.Data != c.want || l.From != c.from || l.Portable != c.portable {
				t.Fatalf("locate = %+v, want data %s from %s, portable %v", l, c.want, c.from, c.portable)
			}
			if l.Models != filepath.Join(l.Data, "models") || l.Logs != filepath.Join(l.Data, "logs") {
				t.Errorf("models %s, logs %s: want them in %s", l.Models, l.Logs, l.Data)
			}
			if !c.portable && (l.Temp != "" || len(l.Env()) != 0 || len(l.RuntimeEnv()) != 0) {
				t.Errorf("not portable, yet temp %q, env %v, runtime env %v", l.Temp, l.Env(), l.RuntimeEnv())
			}
		})
	}
}

func TestPortableKeepsTemporaryFilesCachesAndTheRuntimesHomeInsideKuraData(t *testing.T) {
	exe := t.TempDir()
	os.Mkdir(filepath.Join(exe, PortableDirName), 0o755)
	l, err := locate("", exe, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	env := append(l.Env(), l.RuntimeEnv()...)
	want := map[string]bool{"TMPDIR": false, "TMP": false, "TEMP": false, "XDG_CACHE_HOME": false, "XDG_CONFIG_HOME": false,
		"XDG_DATA_HOME": false, "XDG_STATE_HOME": false, "HOME": false}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := want[k]; ok {
			want[k] = true
		}
		if !strings.HasPrefix(v, l.Data+string(filepath.Separator)) {
			t.Errorf("%s is outside the data folder %s", kv, l.Data)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("portable mode does not set %s", k)
		}
	}
	for _, k := range []string{"TMPDIR", "TMP", "TEMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"} {
		t.Setenv(k, "") // restored after the test
	}
	if err := l.Prepare(); err != nil {
		t.Fatal(err)
	}
	if os.TempDir() != l.Temp {
		t.Errorf("after Prepare, os.TempDir() = %s, want %s", os.TempDir(), l.Temp)
	}
	for _, d := range []string{l.Temp, l.RuntimeHome, l.Logs} {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Errorf("Prepare did not create %s: %v", d, err)
		}
	}
}
