package nb

import (
	"fmt"
	"os"

	"github.com/janpfeifer/gonb/gonbui"
)

// exit ends the program; tests replace it.
var exit = os.Exit

// Check stops the cell when err is not nil: it shows the error (as
// Markdown in a notebook, on standard error elsewhere) and exits with
// status 1, which GoNB reports as a failed cell, so a headless run of the
// notebook fails too. A notebook cell writes
//
//	nb.Check(pipeline.SaveNew(m, dir, opt))
//
// instead of declaring an error helper of its own.
func Check(err error) {
	if err == nil {
		return
	}
	if InNotebook() {
		gonbui.DisplayMarkdown(fmt.Sprintf("**error:** %s", err))
		gonbui.Sync()
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	exit(1)
}

// Must returns v, or stops the cell with err as Check does:
//
//	m := nb.Must(examples.Load(ctx, examples.GoNoGo, nb.NewReporter()))
func Must[T any](v T, err error) T {
	Check(err)
	return v
}
