// Package nb shows spikernn figures, tables and live progress inline in
// Jupyter notebooks run by the GoNB kernel, and records each notebook's
// comparisons with the paper for the replication scorecard.
//
//	m := nb.Must(examples.Load(ctx, examples.GoNoGo, nb.NewReporter())) // live training curve if it trains
//	ev := nb.Must(pipeline.EvaluateSpiking(ctx, m.Net, pipeline.EvalSpec{Keep: true}, nb.NewReporter()))
//	nb.ShowErr(plot.Raster(ev.Results[0].Spikes, m.Net.Inh, plot.RasterOptions{SortEI: true}))
//	nb.Check(nb.Record("01_gonogo.ipynb", "Fig 2", nb.Result{Panel: "Fig 2B", ...}))
//
// Must and Check stop a cell on an error (a failed cell in GoNB), so that
// notebooks need no error helpers of their own. Outside a notebook (tests,
// programs) the display functions print a short text line to standard
// output instead, so the same code runs anywhere.
package nb

import (
	"fmt"
	"html"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/spikernn/spikernn/plot"
)

// InNotebook reports whether the program runs inside a GoNB notebook cell.
func InNotebook() bool { return gonbui.IsNotebook }

// Show renders a figure as PNG inline in the notebook. Outside a notebook it
// prints a line naming the figure.
func Show(fig *plot.Figure) error {
	if fig == nil {
		return fmt.Errorf("nb.Show: nil figure")
	}
	png, err := fig.PNG()
	if err != nil {
		return fmt.Errorf("nb.Show: %w", err)
	}
	if !InNotebook() {
		fmt.Printf("[figure %q: %d bytes of PNG]\n", fig.Title, len(png))
		return nil
	}
	gonbui.DisplayPNG(png)
	gonbui.Sync()
	return nil
}

// Sync waits until everything displayed so far has reached the notebook.
// GoNB runs each cell as its own program, and display data still in transit
// when that program exits can be lost; the display functions of this package
// sync by themselves, a cell that calls gonbui directly can defer nb.Sync().
func Sync() {
	if InNotebook() {
		gonbui.Sync()
	}
}

// ShowErr is Show for the (figure, error) pair every plot function returns,
// so a cell can write nb.ShowErr(plot.Raster(...)).
func ShowErr(fig *plot.Figure, err error) error {
	if err != nil {
		Markdownf("**figure error:** %s", err)
		return err
	}
	return Show(fig)
}

// Markdownf displays formatted Markdown (plain text outside a notebook).
func Markdownf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !InNotebook() {
		fmt.Println(s)
		return
	}
	gonbui.DisplayMarkdown(s)
	gonbui.Sync()
}

// Comparison is one reported quantity: the paper's value next to the one a
// notebook computed.
type Comparison struct {
	Quantity string
	Paper    string
	Here     string
}

// Compare displays a table of the paper's numbers next to the computed ones.
func Compare(title string, rows ...Comparison) {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "**%s**\n\n", title)
	}
	b.WriteString("| quantity | paper | this run |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(r.Quantity), mdCell(r.Paper), mdCell(r.Here))
	}
	Markdownf("%s", b.String())
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Progress is a live progress bar: in a notebook an HTML block that updates
// in place, elsewhere a line on standard error at most every few seconds.
// It is safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	id      string
	label   string
	total   int
	done    int
	msg     string
	start   time.Time
	last    time.Time
	every   time.Duration
	closed  bool
	visible bool
}

// NewProgress starts a progress display for total steps.
func NewProgress(label string, total int) *Progress {
	p := &Progress{label: label, total: max(total, 1), start: time.Now(), every: 200 * time.Millisecond}
	if InNotebook() {
		p.id = "spikernn-progress-" + gonbui.UniqueID()
	} else {
		p.every = 5 * time.Second
	}
	return p
}

// Set records that done steps are complete, with a short status message
// (e.g. the current loss), and refreshes the display if enough time passed.
func (p *Progress) Set(done int, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.done, p.msg = done, msg
	if now := time.Now(); now.Sub(p.last) >= p.every || done >= p.total {
		p.last = now
		p.render(false)
	}
}

// Add advances by n steps.
func (p *Progress) Add(n int, msg string) {
	p.mu.Lock()
	done := p.done + n
	p.mu.Unlock()
	p.Set(done, msg)
}

// Done closes the display with a final message that stays in the notebook.
func (p *Progress) Done(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.msg = msg
	p.closed = true
	p.render(true)
}

func (p *Progress) render(final bool) {
	el := time.Since(p.start).Round(100 * time.Millisecond)
	frac := math.Min(float64(p.done)/float64(p.total), 1)
	eta := ""
	if p.done > 0 && !final && frac < 1 {
		rem := time.Duration(float64(time.Since(p.start)) * (1 - frac) / frac).Round(time.Second)
		eta = fmt.Sprintf(", about %s left", rem)
	}
	if !InNotebook() {
		fmt.Fprintf(os.Stderr, "%s: %d/%d (%.0f%%) %s [%s%s]\n", p.label, p.done, p.total, 100*frac, p.msg, el, eta)
		return
	}
	body := fmt.Sprintf(`<div style="font-family:monospace">%s <progress value="%d" max="%d" style="width:40%%"></progress> %d/%d %s <span style="color:#666">[%s%s]</span></div>`,
		html.EscapeString(p.label), p.done, p.total, p.done, p.total, html.EscapeString(p.msg), el, eta)
	if final {
		gonbui.UpdateHTML(p.id, "")
		gonbui.DisplayHTML(body)
		gonbui.Sync()
		return
	}
	gonbui.UpdateHTML(p.id, body)
}

// LiveFigure redraws a figure in place as data arrives, e.g. a training loss
// curve: call Update with a function that builds the current figure; it is
// redrawn at most every Interval (default 2 s). Finish draws the final figure
// as a permanent output.
type LiveFigure struct {
	Interval time.Duration
	id       string
	last     time.Time
}

// NewLiveFigure returns a live figure slot.
func NewLiveFigure() *LiveFigure {
	lf := &LiveFigure{Interval: 2 * time.Second}
	if InNotebook() {
		lf.id = "spikernn-live-" + gonbui.UniqueID()
	}
	return lf
}

// Update redraws the slot with build()'s figure if Interval has passed since
// the last redraw. Nothing happens outside a notebook.
func (lf *LiveFigure) Update(build func() (*plot.Figure, error)) {
	if !InNotebook() || time.Since(lf.last) < lf.Interval {
		return
	}
	lf.last = time.Now()
	fig, err := build()
	if err != nil {
		return
	}
	if h, err := fig.HTML(); err == nil {
		gonbui.UpdateHTML(lf.id, h)
	}
}

// Finish clears the live slot and shows the final figure permanently.
func (lf *LiveFigure) Finish(fig *plot.Figure, err error) error {
	lf.Clear()
	return ShowErr(fig, err)
}

// Clear removes the live slot without showing a final figure.
func (lf *LiveFigure) Clear() {
	if InNotebook() {
		gonbui.UpdateHTML(lf.id, "")
		gonbui.Sync()
	}
}
