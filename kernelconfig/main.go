package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// errUsage reports bad command-line arguments (exit status 2); the usage
// text has already been printed.
var errUsage = errors.New("usage")

// errHelp is returned when -h was asked for (exit status 0).
var errHelp = errors.New("help")

// errSilent is a failure whose explanation has already been printed
// (exit status 1).
var errSilent = errors.New("failed")

const usage = `usage: go run ./kernelconfig COMMAND [flags]

commands:
  install   install Jupyter (apt), GoNB, goimports, gopls and the GoNB kernelspec (idempotent)
  check     report what is missing for the notebooks and how to fix it
  test      execute notebooks headless and fail on errors in any cell
  help      print this text

Run "go run ./kernelconfig COMMAND -h" for the flags of a command.
Every notebook must start with this cell:

  ` + firstCell + `
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a command and maps its error to an exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "install":
		err = cmdInstall(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdout, stderr)
	case "test":
		err = cmdTest(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kernelconfig: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errSilent):
		return 1
	default:
		fmt.Fprintf(stderr, "kernelconfig %s: %v\n", args[0], err)
		return 1
	}
}
