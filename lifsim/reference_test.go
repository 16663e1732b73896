package lifsim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

// refFixture is one JSON file of testdata/reference/, written by
// scripts/refcheck/run_reference.sh: the reference simulator
// (LIF_network_fnc.m, run unchanged under GNU Octave) on random trials of a
// model's task for a few scaling factors.
type refFixture struct {
	Task            string      `json:"task"`
	Model           string      `json:"model"` // relative to testdata/
	ModelSHA256     string      `json:"model_sha256"`
	Seed            int         `json:"seed"`
	TrialsPerFactor int         `json:"trials_per_factor"`
	TraceEvery      int         `json:"trace_every_steps"`
	OctaveVersion   string      `json:"octave_version"`
	ReferenceCommit string      `json:"reference_commit"`
	Factors         []refFactor `json:"factors"`
}

type refFactor struct {
	S         float64     `json:"s"`
	Perf      float64     `json:"perf"`
	ExcRate   float64     `json:"exc_rate"`
	InhRate   float64     `json:"inh_rate"`
	Labels    []float64   `json:"labels"`
	Correct   []float64   `json:"correct"`
	ExcRates  []float64   `json:"exc_rates"`
	InhRates  []float64   `json:"inh_rates"`
	WindowMax []float64   `json:"window_max"`
	WindowMin []float64   `json:"window_min"`
	Traces    [][]float64 `json:"traces"`
}

// refSample is the per-trial data both simulators give for one model and
// factor.
type refSample struct {
	labels, correct, exc, inh, wmax, wmin []float64
	traces                                [][]float64
}

func (f *refFactor) sample() refSample {
	return refSample{f.Labels, f.Correct, f.ExcRates, f.InhRates, f.WindowMax, f.WindowMin, f.Traces}
}

// refWindowStart is the first 0-based output index of a task's scoring
// window in the reference scripts (out(10000:end), out(26000:end),
// out(20000:end)).
func refWindowStart(task string) int {
	switch task {
	case "go-nogo":
		return 9999
	case "mante":
		return 25999
	case "xor":
		return 19999
	}
	panic("unknown task " + task)
}

// goSample runs spikernn's simulator on the fixture's model and factor with
// its own trials and noise (seed) and returns the same per-trial data.
func goSample(t *testing.T, rate *spikernn.Network, task string, s float64, p Params, trials, every int, seed uint64) refSample {
	t.Helper()
	n, err := FromRate(rate, s, p)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := n.Evaluate(context.Background(), EvalOptions{Trials: trials, Seed: seed, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	from := refWindowStart(task)
	var r refSample
	for i, res := range ev.Results {
		r.labels = append(r.labels, ev.Labels[i])
		r.correct = append(r.correct, b2f(ev.Correct[i]))
		r.exc = append(r.exc, res.ExcRate)
		r.inh = append(r.inh, res.InhRate)
		w := res.Out[from:]
		r.wmax = append(r.wmax, slices.Max(w))
		r.wmin = append(r.wmin, slices.Min(w))
		var tr []float64
		for k := every - 1; k < len(res.Out); k += every {
			tr = append(tr, res.Out[k])
		}
		r.traces = append(r.traces, tr)
	}
	return r
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func meanSD(x []float64) (m, sd float64) {
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for _, v := range x {
		sd += (v - m) * (v - m)
	}
	if len(x) > 1 {
		sd = math.Sqrt(sd / float64(len(x)-1))
	}
	return m, sd
}

// welchZ is the difference of two sample means over its standard error.
// sdFloor keeps a difference between two constant samples finite.
func welchZ(a, b []float64, sdFloor float64) float64 {
	ma, sa := meanSD(a)
	mb, sb := meanSD(b)
	se := math.Sqrt((sa*sa+sdFloor*sdFloor)/float64(len(a)) + (sb*sb+sdFloor*sdFloor)/float64(len(b)))
	return (ma - mb) / se
}

// binomZ compares two proportions with the binomial standard error of each,
// with a continuity correction ((k+0.5)/(n+1)) so that 0% and 100% have a
// nonzero standard error.
func binomZ(a, b []float64) float64 {
	p := func(x []float64) (float64, float64) {
		k := 0.0
		for _, v := range x {
			k += v
		}
		n := float64(len(x))
		pc := (k + 0.5) / (n + 1)
		return k / n, pc * (1 - pc) / n
	}
	pa, va := p(a)
	pb, vb := p(b)
	return (pa - pb) / math.Sqrt(va+vb)
}

func byLabel(x, labels []float64, l float64) []float64 {
	var out []float64
	for i, v := range x {
		if labels[i] == l {
			out = append(out, v)
		}
	}
	return out
}

// refStat is one comparison of a statistic between the reference and
// spikernn: the two means and z, their difference in standard errors (for
// a trace: ref is the largest difference of the mean traces and z the RMS
// of the pointwise z).
type refStat struct {
	name       string
	ref, sk, z float64
}

// Agreement thresholds. Every statistic is compared with its sampling
// error (binomial for the performance, standard error of the mean for the
// rest), per task label where the label changes it. maxZ bounds each
// scalar statistic; a trace is summarised by the root mean square of its
// pointwise z over the trace (about 1 when both simulators agree) and
// bounded by maxTraceRMSZ.
const (
	maxZ         = 4.0
	maxTraceRMSZ = 2.0
)

// compareRef returns every comparison of a reference sample with a
// spikernn sample.
func compareRef(ref, sk refSample) []refStat {
	var st []refStat
	add := func(name string, a, b []float64, z float64) {
		ma, _ := meanSD(a)
		mb, _ := meanSD(b)
		st = append(st, refStat{name, ma, mb, z})
	}
	add("perf", ref.correct, sk.correct, binomZ(ref.correct, sk.correct))
	labels := slices.Compact(slices.Sorted(slices.Values(ref.labels)))
	for _, l := range labels {
		sfx := fmt.Sprintf(" [label %g]", l)
		rl, sl := ref.labels, sk.labels
		if len(byLabel(sk.correct, sl, l)) < 2 || len(byLabel(ref.correct, rl, l)) < 2 {
			continue
		}
		add("perf"+sfx, byLabel(ref.correct, rl, l), byLabel(sk.correct, sl, l),
			binomZ(byLabel(ref.correct, rl, l), byLabel(sk.correct, sl, l)))
		add("E rate (Hz)"+sfx, byLabel(ref.exc, rl, l), byLabel(sk.exc, sl, l),
			welchZ(byLabel(ref.exc, rl, l), byLabel(sk.exc, sl, l), 0.05))
		add("I rate (Hz)"+sfx, byLabel(ref.inh, rl, l), byLabel(sk.inh, sl, l),
			welchZ(byLabel(ref.inh, rl, l), byLabel(sk.inh, sl, l), 0.05))
		add("window max"+sfx, byLabel(ref.wmax, rl, l), byLabel(sk.wmax, sl, l),
			welchZ(byLabel(ref.wmax, rl, l), byLabel(sk.wmax, sl, l), 0.01))
		add("window min"+sfx, byLabel(ref.wmin, rl, l), byLabel(sk.wmin, sl, l),
			welchZ(byLabel(ref.wmin, rl, l), byLabel(sk.wmin, sl, l), 0.01))
		// Mean output trace: RMS of the pointwise z.
		var rt, st2 [][]float64
		for i, tr := range ref.traces {
			if rl[i] == l {
				rt = append(rt, tr)
			}
		}
		for i, tr := range sk.traces {
			if sl[i] == l {
				st2 = append(st2, tr)
			}
		}
		var ss, dev float64
		np := min(len(rt[0]), len(st2[0]))
		for k := range np {
			a, b := column(rt, k), column(st2, k)
			z := welchZ(a, b, 0.01)
			ss += z * z
			ma, _ := meanSD(a)
			mb, _ := meanSD(b)
			dev = max(dev, math.Abs(ma-mb))
		}
		st = append(st, refStat{"trace RMS z" + sfx, dev, 0, math.Sqrt(ss / float64(np))})
	}
	return st
}

func column(m [][]float64, k int) []float64 {
	out := make([]float64, len(m))
	for i := range m {
		out[i] = m[i][k]
	}
	return out
}

// refFailures lists the comparisons beyond their threshold.
func refFailures(st []refStat) []string {
	var bad []string
	for _, s := range st {
		lim := maxZ
		if strings.HasPrefix(s.name, "trace") {
			lim = maxTraceRMSZ
		}
		if !(math.Abs(s.z) <= lim) {
			bad = append(bad, fmt.Sprintf("%s: z = %.2f (limit %g)", s.name, s.z, lim))
		}
	}
	return bad
}

func loadRefFixtures(t *testing.T) map[string]*refFixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "reference", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no reference fixtures in testdata/reference (%v): run scripts/refcheck/run_reference.sh", err)
	}
	out := map[string]*refFixture{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fx := new(refFixture)
		if err := json.Unmarshal(b, fx); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = fx
	}
	return out
}

func loadRefModel(t *testing.T, fx *refFixture) *spikernn.Network {
	t.Helper()
	path := filepath.Join("testdata", fx.Model)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != fx.ModelSHA256 {
		t.Fatalf("%s changed since the fixture was made (sha256 %s, fixture %s): rerun scripts/refcheck/run_reference.sh", path, got, fx.ModelSHA256)
	}
	rate, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	return rate
}

// refGoTrials is the number of spikernn trials per factor: more than the
// reference's (a simulation costs milliseconds here, seconds under
// Octave), so that the reference's sampling error dominates; fewer with
// -short.
func refGoTrials() int {
	if testing.Short() {
		return 60
	}
	return 120
}

// TestReferenceAgreement checks spikernn's spiking simulator against the
// reference simulator actually run (testdata/reference/*.json, written by
// scripts/refcheck/run_reference.sh with GNU Octave): for each committed
// model and scaling factor, task performance, mean excitatory and
// inhibitory firing rates, the output's extremes in the scoring window and
// the mean output trace, per task label, within sampling error. spikernn
// draws its own trials and noise; no Octave is needed.
func TestReferenceAgreement(t *testing.T) {
	fixtures := loadRefFixtures(t)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range fixtures {
			if !yield(k) {
				return
			}
		}
	}) {
		fx := fixtures[name]
		t.Run(name, func(t *testing.T) {
			rate := loadRefModel(t, fx)
			for _, f := range fx.Factors {
				t.Run(fmt.Sprintf("s=%g", f.S), func(t *testing.T) {
					sk := goSample(t, rate, fx.Task, f.S, DefaultParams(), refGoTrials(), fx.TraceEvery, 1000+uint64(f.S))
					st := compareRef(f.sample(), sk)
					mean := func(x []float64) float64 { m, _ := meanSD(x); return m }
					t.Logf("summary | %s | %g | %.2f (%d) | %.2f (%d) | %.2f / %.2f | %.2f / %.2f |", name, f.S,
						mean(f.Correct), len(f.Correct), mean(sk.correct), len(sk.correct),
						mean(f.ExcRates), mean(sk.exc), mean(f.InhRates), mean(sk.inh))
					for _, s := range st {
						if strings.HasPrefix(s.name, "trace") {
							t.Logf("%-28s largest difference of the mean traces %.4f, RMS z %.2f", s.name, s.ref, s.z)
							continue
						}
						t.Logf("%-28s reference %9.4f  spikernn %9.4f  z %6.2f", s.name, s.ref, s.sk, s.z)
					}
					if bad := refFailures(st); len(bad) > 0 {
						t.Errorf("spikernn disagrees with the reference simulator (%d reference trials, %d spikernn trials):\n  %s",
							len(f.Labels), refGoTrials(), strings.Join(bad, "\n  "))
					}
				})
			}
		})
	}
}

// TestReferenceAgreementDetects shows that the comparison has the power to
// see a small departure from the reference: the same check fails for a
// simulator whose scaling factor is 20% larger, or whose membrane time
// constant is 12 ms instead of 10.
func TestReferenceAgreementDetects(t *testing.T) {
	fixtures := loadRefFixtures(t)
	fx, ok := fixtures["gonogo"]
	if !ok {
		t.Skip("no gonogo fixture")
	}
	rate := loadRefModel(t, fx)
	perturbations := []struct {
		name   string
		factor float64
		p      func(Params) Params
	}{
		{"scaling factor x1.2", 1.2, func(p Params) Params { return p }},
		{"tau_m 12 ms", 1, func(p Params) Params { p.Tm = 0.012; return p }},
	}
	for _, f := range fx.Factors {
		for _, pt := range perturbations {
			t.Run(fmt.Sprintf("s=%g/%s", f.S, pt.name), func(t *testing.T) {
				sk := goSample(t, rate, fx.Task, f.S*pt.factor, pt.p(DefaultParams()), refGoTrials(), fx.TraceEvery, 1000+uint64(f.S))
				st := compareRef(f.sample(), sk)
				bad := refFailures(st)
				t.Logf("%d of %d comparisons fail: %s", len(bad), len(st), strings.Join(bad, "; "))
				if len(bad) == 0 {
					t.Errorf("the agreement check did not notice %s", pt.name)
				}
			})
		}
	}
}

// TestReferenceSpikingInputs checks that the spiking trials every task
// builds are the inputs the reference's lambda_grid_search.m builds (issue
// 14 item 1), column for column, in MATLAB's 1-based terms:
//
//	go-nogo: u = zeros(1, 201); Go: u(51:75) = 1
//	mante:   u = zeros(4, 501); u(1:2, 51:250) = randn + offset;
//	         the cued context row (3 or 4) is 1 over all 501 columns
//	xor:     u = zeros(2, 301); u(1, 51:100) = +-1; u(2, 111:160) = +-1
func TestReferenceSpikingInputs(t *testing.T) {
	rng := spikernn.NewRand(17)
	in := func(c, lo, hi int) bool { return c >= lo-1 && c <= hi-1 } // MATLAB lo:hi, 0-based c
	for range 200 {
		tr := spikernn.NewGoNoGo().SpikingTrial(rng)
		if r, c := tr.U.Dims(); r != 1 || c != 201 {
			t.Fatalf("go-nogo spiking input %dx%d, want 1x201", r, c)
		}
		for c := range 201 {
			want := 0.0
			if tr.Label == 1 && in(c, 51, 75) {
				want = 1
			}
			if tr.U.At(0, c) != want {
				t.Fatalf("go-nogo (label %v) column %d = %v, want %v", tr.Label, c+1, tr.U.At(0, c), want)
			}
		}
	}
	for range 200 {
		tr := spikernn.NewMante().SpikingTrial(rng)
		if r, c := tr.U.Dims(); r != 4 || c != 501 {
			t.Fatalf("mante spiking input %dx%d, want 4x501", r, c)
		}
		ctx := -1
		for row := 2; row < 4; row++ {
			if tr.U.At(row, 0) == 1 {
				ctx = row
			}
		}
		if ctx < 0 {
			t.Fatal("mante: no context row on at column 1")
		}
		for c := range 501 {
			for row := range 4 {
				v := tr.U.At(row, c)
				switch {
				case row == ctx && v != 1:
					t.Fatalf("mante: context row %d is %v at column %d, want 1 at every one of the 501 columns", row+1, v, c+1)
				case row >= 2 && row != ctx && v != 0:
					t.Fatalf("mante: uncued context row %d is %v at column %d", row+1, v, c+1)
				case row < 2 && !in(c, 51, 250) && v != 0:
					t.Fatalf("mante: sensory row %d is %v at column %d, outside 51:250", row+1, v, c+1)
				case row < 2 && in(c, 51, 250) && v == 0:
					t.Fatalf("mante: sensory row %d is 0 at column %d", row+1, c+1)
				}
			}
		}
	}
	for range 200 {
		tr := spikernn.NewXOR().SpikingTrial(rng)
		if r, c := tr.U.Dims(); r != 2 || c != 301 {
			t.Fatalf("xor spiking input %dx%d, want 2x301", r, c)
		}
		s1, s2 := tr.U.At(0, 50), tr.U.At(1, 110)
		if math.Abs(s1) != 1 || math.Abs(s2) != 1 || tr.Label != s1*s2 {
			t.Fatalf("xor: signs %v, %v, label %v", s1, s2, tr.Label)
		}
		for c := range 301 {
			w1, w2 := 0.0, 0.0
			if in(c, 51, 100) {
				w1 = s1
			}
			if in(c, 111, 160) {
				w2 = s2
			}
			if tr.U.At(0, c) != w1 || tr.U.At(1, c) != w2 {
				t.Fatalf("xor column %d = (%v, %v), want (%v, %v)", c+1, tr.U.At(0, c), tr.U.At(1, c), w1, w2)
			}
		}
	}
}
