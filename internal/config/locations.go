package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// PortableDirName is the folder that makes Kura portable: when the folder
// holding Kura's executable has a folder of this name, Kura keeps
// everything it writes there (see Locate).
const PortableDirName = "kura-data"

// Locations is where one Kura process keeps what it writes, resolved once
// by Locate when a command opens its data folder and passed down from
// main.go. Every path is absolute.
type Locations struct {
	// Data holds the library (SQLite: documents, passages, vectors,
	// conversations), the settings (config.json) and everything below.
	Data string `json:"data"`
	// Models is the bundled runtime's model store (its OLLAMA_MODELS).
	Models string `json:"models"`
	// Logs holds the bundled runtime's log.
	Logs string `json:"logs"`
	// Temp is where Kura and the programs it starts (the runtime,
	// Tesseract, pdftoppm) put temporary files: Data/tmp when portable,
	// "" for the system's temporary folder otherwise.
	Temp string `json:"temp,omitempty"`
	// RuntimeHome is the home folder the bundled runtime is given when
	// portable (it writes its key and server settings to ~/.ollama); ""
	// leaves it the user's.
	RuntimeHome string `json:"runtimeHome,omitempty"`
	// Portable is true when Data is the kura-data folder beside the
	// executable: then nothing is written outside it.
	Portable bool `json:"portable"`
	// From says what chose Data: "--data", "KURA_DATA", "portable" or
	// "per-user".
	From string `json:"from"`
}

// Locate resolves where Kura keeps its data, in this order: dataFlag (the
// --data flag) when not empty; $KURA_DATA; the kura-data folder beside the
// executable (portable mode); the per-user data folder (DataDir). It
// creates nothing. It fails only when no folder can be named at all (no
// home folder and none of the others).
func Locate(dataFlag string) (Locations, error) {
	exeDir := ""
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		exeDir = filepath.Dir(exe)
	}
	return locate(dataFlag, exeDir, os.Getenv)
}

func locate(dataFlag, exeDir string, getenv func(string) string) (Locations, error) {
	var l Locations
	switch {
	case dataFlag != "":
		l.Data, l.From = dataFlag, "--data"
	case getenv("KURA_DATA") != "":
		l.Data, l.From = getenv("KURA_DATA"), "KURA_DATA"
	case exeDir != "" && isDir(filepath.Join(exeDir, PortableDirName)):
		l.Data, l.From, l.Portable = filepath.Join(exeDir, PortableDirName), "portable", true
	default:
		d, err := dataDir(getenv)
		if err != nil {
			return Locations{}, fmt.Errorf("find the data folder: %w (set --data or KURA_DATA)", err)
		}
		l.Data, l.From = d, "per-user"
	}
	d, err := filepath.Abs(l.Data)
	if err != nil {
		return Locations{}, err
	}
	l.Data = d
	l.Models = filepath.Join(d, "models")
	l.Logs = filepath.Join(d, "logs")
	if l.Portable {
		l.Temp = filepath.Join(d, "tmp")
		l.RuntimeHome = filepath.Join(d, "runtime")
	}
	return l, nil
}

// Env is what the Kura process sets in its own environment when portable,
// as KEY=VALUE pairs, so that it and every program it starts keep their
// temporary files, caches and settings (WebKitGTK's, fontconfig's) in the
// data folder: TMPDIR, TMP and TEMP, and the XDG base folders. Empty when
// not portable.
func (l Locations) Env() []string {
	if !l.Portable {
		return nil
	}
	host := filepath.Join(l.Data, "host")
	return []string{
		"TMPDIR=" + l.Temp, "TMP=" + l.Temp, "TEMP=" + l.Temp,
		"XDG_CACHE_HOME=" + filepath.Join(host, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(host, "config"),
		"XDG_DATA_HOME=" + filepath.Join(host, "data"),
		"XDG_STATE_HOME=" + filepath.Join(host, "state"),
	}
}

// RuntimeEnv is what the bundled runtime is given on top of Kura's own
// environment when portable: its home folder (HOME, and USERPROFILE on
// Windows). Empty when not portable.
func (l Locations) RuntimeEnv() []string {
	if l.RuntimeHome == "" {
		return nil
	}
	env := []string{"HOME=" + l.RuntimeHome}
	if runtime.GOOS == "windows" {
		env = append(env, "USERPROFILE="+l.RuntimeHome)
	}
	return env
}

// Prepare makes the process use l when portable: it creates the folders
// Env and RuntimeEnv name and sets Env in the process environment, which
// the programs Kura starts inherit. Call it once, before anything writes a
// temporary file. Not portable, it does nothing.
func (l Locations) Prepare() error {
	if !l.Portable {
		return nil
	}
	dirs := []string{l.Temp, l.RuntimeHome, l.Logs}
	for _, kv := range l.Env() {
		k, v, _ := strings.Cut(kv, "=")
		dirs = append(dirs, v)
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("portable data folder: %w", err)
		}
	}
	return nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
