package main

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the real host die with the shim.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
