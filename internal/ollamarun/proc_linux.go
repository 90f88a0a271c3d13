package ollamarun

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts the server in its own process group, so Stop can signal
// it together with the runners it spawns, and asks the kernel to SIGKILL it
// when Kura dies. Pdeathsig fires when the OS thread that started the child
// exits; Go keeps its threads for the life of the process unless a goroutine
// exits while locked to one, which Start never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func terminateGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGTERM) }

func killGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }

// reapStale kills what a bundled server left behind when Kura died without
// Stop. The kernel kills the server itself (Pdeathsig), but not the runner
// processes it had started for loaded models: they stay in its process
// group, orphaned, holding the model's memory. Each server Start launches
// leaves a note runDir/<pid> naming its binary; a note whose server is gone
// marks a group to clear. Only processes of that group running that binary
// are killed, so a reused pid or another Kura's live server is never hit.
func reapStale(runDir, bin string) {
	notes, err := os.ReadDir(runDir)
	if err != nil {
		return
	}
	wantExe := resolve(bin)
	for _, n := range notes {
		pgid, err := strconv.Atoi(n.Name())
		if err != nil {
			continue
		}
		note := filepath.Join(runDir, n.Name())
		if processExe(pgid) == wantExe {
			continue // the server is alive: another Kura owns it
		}
		for _, pid := range groupMembers(pgid) {
			if processExe(pid) == wantExe {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = os.Remove(note)
	}
}

// groupMembers lists the processes whose process group is pgid.
func groupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and
		// parentheses, so fields are counted after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:])
		if len(f) >= 3 {
			if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// processExe is the resolved executable of pid, "" if it is gone or not
// ours to inspect. A binary replaced since (`make ollama` again) still
// counts as itself.
func processExe(pid int) string {
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(exe, " (deleted)")
}

func resolve(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p
}
