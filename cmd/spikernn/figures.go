package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/plot"
	"github.com/spikernn/spikernn/spikernn"
)

// figureWriter saves figures into one folder in one format.
type figureWriter struct {
	dir    string
	format plot.Format
	files  []string
}

func newFigureWriter(dir, format string) (*figureWriter, error) {
	f, err := plot.ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return &figureWriter{dir: dir, format: f}, nil
}

// save returns a function that writes the figure DIR/NAME.FORMAT, taking
// the plot functions' results: fw.save("raster")(plot.Raster(...)).
func (fw *figureWriter) save(name string) func(*plot.Figure, error) error {
	return func(fig *plot.Figure, err error) error { return fw.write(name, fig, err) }
}

func (fw *figureWriter) write(name string, fig *plot.Figure, err error) error {
	if err != nil {
		return fmt.Errorf("figure %s: %w", name, err)
	}
	if err := os.MkdirAll(fw.dir, 0o755); err != nil {
		return fmt.Errorf("creating the figure folder: %w", err)
	}
	path := filepath.Join(fw.dir, name+"."+string(fw.format))
	if err := fig.Save(path); err != nil {
		return fmt.Errorf("figure %s: %w", name, err)
	}
	fw.files = append(fw.files, path)
	return nil
}

// lifFigures draws the output traces of all trials by condition and a
// raster of the first trial of each condition.
func (fw *figureWriter) lifFigures(task spikernn.Task, rate *spikernn.Network, ev *lifsim.Evaluation) error {
	if len(ev.Results) == 0 {
		return errors.New("no trials to draw")
	}
	windows, thresholds := taskMarks(task)
	dt := ev.Dt
	err := fw.save("lif_outputs")(plot.Traces(dt, ev.Outputs, ev.Conds, plot.TraceOptions{
		Start: dt, Separate: true, ShowTrials: 5, Thresholds: thresholds, Windows: windows,
		Title: fmt.Sprintf("LIF network output, %s (perf %.2f)", task.Name(), ev.Perf),
	}))
	if err != nil {
		return err
	}
	for _, c := range ev.CondNames() {
		i := 0
		for ev.Conds[i] != c {
			i++
		}
		res := ev.Results[i]
		err := fw.save("lif_raster_" + fileSafe(c))(plot.Raster(res.Spikes, rate.Inh, plot.RasterOptions{
			SortEI: true, Duration: res.TSec, Windows: windows,
			Title: fmt.Sprintf("%s trial %d (%s), E %.1f Hz, I %.1f Hz", c, i, correctWord(ev.Correct[i]), res.ExcRate, res.InhRate),
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

// taskMarks returns the stimulus windows and decision thresholds of the
// reference tasks (none for other tasks).
func taskMarks(task spikernn.Task) ([]plot.Window, []float64) {
	sec := func(steps int) float64 { return float64(steps) * spikernn.StepMs / 1000 }
	switch t := task.(type) {
	case *spikernn.GoNoGo:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus"}}, []float64{0.7, 0.3}
	case *spikernn.Mante:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus"}}, []float64{0.7, -0.7}
	case *spikernn.XOR:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus 1"},
			{Start: sec(t.StimOn + t.StimDur + t.Delay), Stop: sec(t.StimOn + 2*t.StimDur + t.Delay), Label: "stimulus 2"}}, []float64{0.7, -0.7}
	}
	return nil, nil
}

func correctWord(ok bool) string {
	if ok {
		return "correct"
	}
	return "wrong"
}

// fileSafe turns a condition name into a file name part.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		case r == '+':
			return 'p'
		}
		return '_'
	}, s)
}
