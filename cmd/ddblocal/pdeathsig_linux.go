package main

import "syscall"

// setPdeathsig has the kernel kill Java when ddblocal dies, even by SIGKILL.
func setPdeathsig(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
