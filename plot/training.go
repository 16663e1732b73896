package plot

import (
	"fmt"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/spikernn/spikernn/spikernn"
)

// TrainingCurves plots a training run: the loss of every training trial
// (thin grey) with its moving average (black) and the mean evaluation
// losses (orange points) in a left panel, and the evaluation performance
// (fractions, drawn in %) in a right panel. The reference stopping rule
// (spikernn.DefaultCriterion(): loss < 7, performance > 95%) is drawn dotted.
//
// losses[k] is the loss of trial k; trailing zeros (trials not run, as the
// reference's losses array holds them) are dropped. evalTrials gives the
// trial index of each evaluation; evalLosses and evalPerfs (either may be
// nil) its mean loss and performance.
//
// It serves Fig 1 (training of the Go-NoGo network) and the training
// statistics behind Fig 1C, 3 and 5.
func TrainingCurves(losses, evalTrials, evalLosses, evalPerfs []float64) (_ *Figure, err error) {
	defer guard(&err)
	n := len(losses)
	for n > 0 && losses[n-1] == 0 {
		n--
	}
	losses = losses[:n]
	if err := checkFinite("losses", losses); err != nil {
		return nil, err
	}
	if evalLosses != nil || evalPerfs != nil {
		if err := checkSeries("evalTrials", evalTrials); err != nil {
			return nil, err
		}
	}
	for _, e := range []struct {
		name string
		v    []float64
	}{{"evalLosses", evalLosses}, {"evalPerfs", evalPerfs}} {
		if e.v == nil {
			continue
		}
		if err := checkSameLen(e.name, len(e.v), "evalTrials", len(evalTrials)); err != nil {
			return nil, err
		}
		if err := checkFinite(e.name, e.v); err != nil {
			return nil, err
		}
	}
	if len(losses) == 0 && evalLosses == nil && evalPerfs == nil {
		return nil, badInput("no losses and no evaluations")
	}
	crit := spikernn.DefaultCriterion()

	var panels []*gplot.Plot
	if len(losses) > 0 || evalLosses != nil {
		p := newPanel("Loss", "Trial", "Loss")
		if len(losses) > 0 {
			tr := make([]float64, len(losses))
			for k := range tr {
				tr[k] = float64(k)
			}
			thin := lineStyle(withAlpha(grey, 0.45), 0.5)
			smooth := lineStyle(black, 1.5)
			p.Add(newLine(tr, losses, thin))
			w := max(1, len(losses)/50)
			p.Add(newLine(tr, movingAverage(losses, w), smooth))
			p.Legend.Add("per trial", lineThumb{thin})
			p.Legend.Add(fmt.Sprintf("moving average (%d)", w), lineThumb{smooth})
		}
		if evalLosses != nil {
			s := newScatter(evalTrials, evalLosses, Color(1), 2.5)
			p.Add(s)
			p.Legend.Add("evaluation", s)
		}
		th := hLine{Y: crit.MaxLoss, Style: lineStyle(Color(3), 1, 1.5, 2)}
		p.Add(th)
		p.Legend.Add(fmt.Sprintf("criterion (%g)", crit.MaxLoss), th)
		p.Y.Min = 0
		_, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0.04)
		panels = append(panels, p)
	}
	if evalPerfs != nil {
		p := newPanel("Evaluation", "Trial", "Performance (%)")
		perc := make([]float64, len(evalPerfs))
		for i, v := range evalPerfs {
			perc[i] = v * 100
		}
		p.Add(newLine(evalTrials, perc, lineStyle(Color(0), 1.4)), newScatter(evalTrials, perc, Color(0), 2.5))
		th := hLine{Y: crit.MinPerf * 100, Style: lineStyle(Color(3), 1, 1.5, 2)}
		p.Add(th)
		p.Legend.Add(fmt.Sprintf("criterion (%g%%)", crit.MinPerf*100), th)
		p.Legend.Top = false
		p.Legend.Left = false
		p.Y.Min, p.Y.Max = 0, 105
		panels = append(panels, p)
	}
	fig, err := Grid(1, len(panels), panels...)
	if err != nil {
		return nil, err
	}
	fig.WithSize(vg.Length(len(panels))*4*vg.Inch, 3.2*vg.Inch)
	if len(panels) == 2 {
		fig.ShareX()
	}
	return fig, nil
}

// Training plots a network's training record with TrainingCurves.
func Training(rec *spikernn.TrainingRecord) (_ *Figure, err error) {
	defer guard(&err)
	if rec == nil {
		return nil, badInput("no training record")
	}
	var el, ep []float64
	if len(rec.EvalTrials) > 0 {
		el, ep = rec.EvalLosses, rec.EvalPerfs
	}
	return TrainingCurves(rec.Losses, rec.EvalTrials, el, ep)
}

// movingAverage returns the centred moving average of x over 2w+1 samples
// (shrinking at the ends).
func movingAverage(x []float64, w int) []float64 {
	cum := make([]float64, len(x)+1)
	for i, v := range x {
		cum[i+1] = cum[i] + v
	}
	out := make([]float64, len(x))
	for i := range x {
		lo, hi := max(0, i-w), min(len(x), i+w+1)
		out[i] = (cum[hi] - cum[lo]) / float64(hi-lo)
	}
	return out
}
