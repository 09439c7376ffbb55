//go:build unix

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// setSysProcAttr puts Java in a process group of its own, so that a Ctrl-C
// at the terminal reaches the command but not Java, which ddblocal stops
// once the command is done; on Linux Java also dies with ddblocal.
func setSysProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setPdeathsig(cmd.SysProcAttr)
}

// terminate asks p's process group to stop.
func terminate(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGTERM)
}

// kill stops p's process group at once.
func kill(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// signaled reports the signal that ended a process, if one did.
func signaled(ps *os.ProcessState) (int, bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return int(ws.Signal()), true
}
