package plot

import (
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/plot/vg"
)

// VoltageTrace is one unit's membrane voltage over one trial.
type VoltageTrace struct {
	Label  string    // the row's label, e.g. "mod1 +" (the first column's labels name the rows)
	T, V   []float64 // sample times (s) and voltages (mV), e.g. lifsim.Result.Times() and a row of Result.V
	Spikes []float64 // the unit's spike times (s), drawn as lines up to VoltageOptions.Peak
	Color  color.Color
}

// VoltageOptions controls Voltage.
type VoltageOptions struct {
	Title   string
	Titles  []string // one per column (e.g. "Exc unit 12"); optional
	Peak    float64  // spike height in mV (0: 30, as the paper draws them)
	Windows []Window // shaded time windows (e.g. the stimulus)
}

// Voltage draws membrane voltage traces in a grid, cols[c][r] in column c
// and row r (SI Fig S5A: one column per unit, one row per condition),
// each spike drawn as a vertical line to opt.Peak, the rows' labels on the
// left and a shared voltage range.
func Voltage(cols [][]VoltageTrace, opt VoltageOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(cols) == 0 || len(cols[0]) == 0 {
		return nil, badInput("Voltage: no traces")
	}
	if opt.Titles != nil && len(opt.Titles) != len(cols) {
		return nil, badInput("Voltage: %d titles for %d columns", len(opt.Titles), len(cols))
	}
	if err := checkWindows(opt.Windows); err != nil {
		return nil, err
	}
	peak := opt.Peak
	if peak == 0 {
		peak = 30
	}
	if isBad(peak) {
		return nil, badInput("Voltage: peak %v", peak)
	}
	rows := len(cols[0])
	fig := NewFigure(rows, len(cols))
	for c, col := range cols {
		if len(col) != rows {
			return nil, badInput("Voltage: column %d has %d traces, column 0 %d", c, len(col), rows)
		}
		for r, tr := range col {
			name := fmt.Sprintf("trace %d,%d", c, r)
			if err := checkXY(name+" T", tr.T, name+" V", tr.V); err != nil {
				return nil, err
			}
			if err := checkFinite(name+" spikes", tr.Spikes); err != nil {
				return nil, err
			}
			x, y := withSpikes(tr.T, tr.V, tr.Spikes, peak)
			ylabel := ""
			if c == 0 {
				ylabel = tr.Label
			}
			p := newPanel("", "", ylabel)
			if r == 0 && opt.Titles != nil {
				p.Title.Text = opt.Titles[c]
			}
			ws := opt.Windows
			if r != 0 || c != len(cols)-1 { // one legend entry for the whole figure
				ws = unlabelled(ws)
			}
			addWindows(p, ws, 1)
			col := tr.Color
			if col == nil {
				col = black
			}
			p.Add(newLine(x, y, lineStyle(col, 0.6)))
			p.Y.Min, p.Y.Max = -75, peak+5
			p.X.Min, p.X.Max = tr.T[0], tr.T[len(tr.T)-1]
			if r == rows-1 {
				p.X.Label.Text = "Time (s)"
			} else {
				p.X.Tick.Label.Color = color.Transparent
			}
			fig.SetPanel(r, c, p)
		}
	}
	fig.Title = opt.Title
	return fig.WithSize(vg.Length(5.5*float64(len(cols)))*vg.Inch, vg.Length(0.95*float64(rows)+0.6)*vg.Inch), nil
}

// withSpikes returns the trace with a vertical line from the voltage to
// peak and back at every spike time.
func withSpikes(t, v, spikes []float64, peak float64) (x, y []float64) {
	s := append([]float64(nil), spikes...)
	sort.Float64s(s)
	x, y = make([]float64, 0, len(t)+3*len(s)), make([]float64, 0, len(v)+3*len(s))
	j := 0
	for i := range t {
		for j < len(s) && s[j] <= t[i] {
			prev := v[i]
			if i > 0 {
				prev = v[i-1]
			}
			x, y = append(x, s[j], s[j], s[j]), append(y, prev, peak, v[i])
			j++
		}
		x, y = append(x, t[i]), append(y, v[i])
	}
	return x, y
}

// unlabelled returns the windows without their legend labels.
func unlabelled(ws []Window) []Window {
	out := make([]Window, len(ws))
	for i, w := range ws {
		out[i] = Window{Start: w.Start, Stop: w.Stop}
	}
	return out
}
