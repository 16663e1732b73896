//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// killGroup makes cmd the leader of a new process group and, when its
// context ends, sends SIGTERM to the whole group (nbconvert, the kernel and
// the kernel's programs), then SIGKILL to cmd after a grace period.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = 15 * time.Second
}
