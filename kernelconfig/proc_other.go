//go:build !unix

package main

import (
	"os/exec"
	"time"
)

// killGroup lets the context kill cmd; other processes of the run may
// outlive it on this platform.
func killGroup(cmd *exec.Cmd) {
	cmd.WaitDelay = 15 * time.Second
}
