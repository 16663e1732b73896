// Command spikernn builds functional spiking networks from trained rate
// networks (Kim, Li & Sejnowski, PNAS 2019) from the command line.
//
//	spikernn quickstart --output_dir out                 (the main job end to end)
//	spikernn --mode train --N 200 --task go-nogo ...     (the reference's own flags)
//	spikernn init --task go-nogo --N 200 --seed 1 --output_dir out
//	spikernn inspect MODEL.mat
//	spikernn lambda-search MODEL.mat
//	spikernn lif MODEL.mat --scale 25
//
// Run "spikernn help" for the list of commands and "spikernn CMD --help"
// for a command's flags. Each command lives in its own file (cmd_*.go):
// it declares its flags with their defaults in one place, parses the whole
// command line before doing any work, and calls package pipeline for the
// work itself.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain dispatches a command line and returns the exit status. No input
// makes it panic: an unexpected internal panic (a bug) is reported as one
// line, with exit status 2; SPIKERNN_DEBUG=1 adds the stack.
func runMain(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "spikernn: internal error: %v (please report it with the command line)\n", r)
			if os.Getenv("SPIKERNN_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitUsage
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		mainUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	name, rest := args[0], args[1:]
	if strings.HasPrefix(name, "-") {
		// The reference invocation: flags only (--mode train|eval ...).
		name, rest = "train", args
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "spikernn: unknown command %q\n\n", name)
		mainUsage(stderr)
		return exitUsage
	}
	err := c.run(rest, stdout, stderr)
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "spikernn:", err)
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	return 1
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, "spikernn: functional spiking networks from trained rate networks (Kim, Li & Sejnowski, PNAS 2019)")
	fmt.Fprintln(w, "\nusage: spikernn COMMAND [flags]   (spikernn COMMAND --help for its flags)")
	fmt.Fprintln(w, "       spikernn --mode train|eval [reference flags]   (the reference's own command line)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
}
