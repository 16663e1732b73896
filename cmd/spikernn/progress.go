package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spikernn/spikernn/gomlxmodels"
	"golang.org/x/term"
)

// reporter shows the progress of a long run on w: a progress bar when w is a
// terminal; otherwise plain lines (every lineEvery steps, 0: none, plus
// whatever the caller prints with println).
type reporter struct {
	w         io.Writer
	bar       *progressbar.ProgressBar
	lineEvery int
	start     time.Time
}

func newReporter(w io.Writer, total int, what string, lineEvery int) *reporter {
	r := &reporter{w: w, lineEvery: lineEvery, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("trials"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30))
	}
	return r
}

// progress records done of total steps (the lifsim Progress callback).
func (r *reporter) progress(done, total int) {
	if r.bar != nil {
		_ = r.bar.Set(done)
		return
	}
	if r.lineEvery > 0 && done%r.lineEvery == 0 {
		fmt.Fprintf(r.w, "%d/%d trials, %.1f s\n", done, total, time.Since(r.start).Seconds())
	}
}

// println prints a line that stays, above the bar on a terminal.
func (r *reporter) println(line string) {
	if r.bar != nil {
		_ = r.bar.Clear()
	}
	fmt.Fprintln(r.w, line)
}

// training is the gomlxmodels Progress callback: the bar shows the loss and
// the last evaluation; each evaluation also prints a line, as the reference
// does.
func (r *reporter) training(pr gomlxmodels.Progress) {
	if pr.Evaluated {
		r.println(fmt.Sprintf("trial %d/%d  loss %.3f  eval loss %.3f  accuracy %.2f  %.1fs",
			pr.Trial, pr.Trials, pr.Loss, pr.EvalLoss, pr.EvalPerf, pr.Elapsed.Seconds()))
	}
	if r.bar != nil {
		desc := fmt.Sprintf("loss %7.3f", pr.Loss)
		if pr.EvalPerf == pr.EvalPerf { // not NaN: an evaluation ran
			desc += fmt.Sprintf(" | eval loss %6.3f acc %.2f", pr.EvalLoss, pr.EvalPerf)
		}
		r.bar.Describe(desc)
		_ = r.bar.Set(pr.Trial + 1)
	}
}

func (r *reporter) finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
}
