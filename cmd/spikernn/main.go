// Command spikernn builds functional spiking networks from trained rate
// networks (Kim, Li & Sejnowski, PNAS 2019) from the command line.
//
//	spikernn init --task go-nogo --N 200 --seed 1 --output_dir out
//	spikernn inspect MODEL.mat
//	spikernn --mode train --N 200 --task go-nogo ...   (the reference's own flags)
//	spikernn lambda-search MODEL.mat
//	spikernn lif MODEL.mat --scale 25
//
// Run "spikernn help" for the list of subcommands and "spikernn CMD --help"
// for a subcommand's flags.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. Each lives in its own file and registers itself
// in an init function.
type command struct {
	name    string
	usage   string // e.g. "inspect FILE.mat"
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

// runMain dispatches a command line and returns the exit status.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		mainUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	rest := args[1:]
	if strings.HasPrefix(name, "-") {
		// The reference invocation: flags only (--mode train|eval ...).
		name, rest = "train", args
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "spikernn: unknown command %q\n\n", name)
		mainUsage(stderr)
		return 2
	}
	if err := c.run(rest, stdout, stderr); err != nil {
		if errors.Is(err, errHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "spikernn:", err)
		var ex *exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		return 1
	}
	return 0
}

// exitError carries a specific exit status (e.g. training that failed to
// meet its stopping rule still wrote its model, but exits 3).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

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
