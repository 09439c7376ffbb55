//go:build unix && !linux

package main

import "syscall"

// setPdeathsig does nothing: only Linux can tie a child's life to its parent.
func setPdeathsig(*syscall.SysProcAttr) {}
