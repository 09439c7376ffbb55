//go:build !unix

package main

import (
	"os"
	"os/exec"
)

func setSysProcAttr(*exec.Cmd) {}

func terminate(p *os.Process) error { return p.Kill() }

func kill(p *os.Process) error { return p.Kill() }

func signaled(*os.ProcessState) (int, bool) { return 0, false }
