//go:build !linux

package ollamarun

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to set outside Linux: there is no parent-death
// signal, so a Kura killed without Stop leaves the server running; the
// desktop app stops it on every orderly exit.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminateGroup asks the server to exit; where signals other than kill are
// not supported (Windows), it kills it.
func terminateGroup(p *os.Process) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		_ = p.Kill()
	}
}

func killGroup(p *os.Process) { _ = p.Kill() }

// reapStale has no way to find orphaned runners outside Linux.
func reapStale(runDir, bin string) {}
