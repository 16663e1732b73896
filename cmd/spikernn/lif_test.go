package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

func runLIFCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runMain(args, &o, &e)
	return code, o.String(), e.String()
}

// smallModel writes an untrained Go-NoGo network of N units to a temporary
// model file.
func smallModel(t *testing.T, N int) string {
	t.Helper()
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = N
	net, err := spikernn.NewNetwork(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.mat")
	if err := net.Save(path, spikernn.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLambdaSearchCommand(t *testing.T) {
	path := smallModel(t, 40)
	code, out, errOut := runLIFCmd(t, "lambda-search", path, "--factors", "20,40", "--trials", "4", "--seed", "3", "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"task go-nogo, 4 trials per factor, seed 3", "1/20", "1/40", "<- opt_scaling_factor", "written to " + path} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: plain progress lines, one per factor.
	if !strings.Contains(errOut, "lambda search: 4/8 s = 20") || !strings.Contains(errOut, "lambda search: 8/8 s = 40") {
		t.Errorf("progress lines: %q", errOut)
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	s := net.Scaling
	if s == nil || len(s.ScalingFactors) != 2 || len(s.AllPerfs) != 2 || (s.OptScalingFactor != 20 && s.OptScalingFactor != 40) {
		t.Fatalf("scaling in the file: %+v", s)
	}
	// Same seed, any number of workers: the same result; a searched file
	// is skipped unless forced.
	code, out2, _ := runLIFCmd(t, "lambda-search", path, "--factors", "20,40", "--trials", "4", "--seed", "3")
	if code != 0 || !strings.Contains(out2, "already searched") {
		t.Fatalf("exit %d, second search:\n%s", code, out2)
	}
	code, out3, _ := runLIFCmd(t, "lambda-search", path, "--factors", "20,40", "--trials", "4", "--seed", "3", "--force", "--workers", "1")
	if code != 0 || strings.Contains(out3, "already searched") {
		t.Fatalf("exit %d, forced search:\n%s", code, out3)
	}
	table := func(s string) string { return s[strings.Index(s, "       s "):strings.Index(s, "opt_scaling_factor ")] }
	if table(out) != table(out3) {
		t.Errorf("result depends on --workers:\n%s\nvs\n%s", table(out), table(out3))
	}
}

// TestLambdaSearchTrainedGoNoGo: lambda-search over the paper's grid on a
// Go-NoGo model trained by gomlxmodels reports at least 95% at the chosen
// factor and records it in the file, where scipy.io.loadmat finds it next to
// every variable the reference writes.
func TestLambdaSearchTrainedGoNoGo(t *testing.T) {
	if testing.Short() {
		t.Skip("the paper's grid search: 1200 LIF trials")
	}
	src, err := os.ReadFile("../../lifsim/testdata/gonogo_trained.mat")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "Task_go-nogo_N_200_Taus_4.0_20.0_Act_sigmoid_2026_11_26_120000.mat")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLIFCmd(t, "lambda-search", path, "--seed", "11", "--force")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	t.Log(out)
	var best, perf float64
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "opt_scaling_factor ") {
			if _, err := fmt.Sscanf(line, "opt_scaling_factor %g (lambda = 1/%g), performance %g", &best, &best, &perf); err != nil {
				t.Fatalf("result line %q: %v", line, err)
			}
		}
	}
	if perf < 0.95 || best < 20 || best > 75 {
		t.Errorf("reported performance %.2f at s = %v, want >= 0.95 on the paper's grid", perf, best)
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := net.Scaling; s == nil || s.OptScalingFactor != best || len(s.AllPerfs) != 12 || !net.Trained() {
		t.Fatalf("file after the search: %+v", net.Scaling)
	}
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import scipy.io").Run() != nil {
		t.Skipf("%s with scipy is not available: scipy.io.loadmat not checked", py)
	}
	script := `
import sys, scipy.io
d = scipy.io.loadmat(sys.argv[1])
missing = [k for k in sys.argv[2].split(',') if k not in d]
assert not missing, 'missing variables: %s' % missing
assert d['all_perfs'].size == 12 and d['scaling_factors'].size == 12, (d['all_perfs'].shape, d['scaling_factors'].shape)
print(float(d['opt_scaling_factor'].item()))
`
	// Every reference variable except the state recordings the fixture was
	// stripped of to stay small (lifsim/testdata/README.md).
	vars := []string{"opt_scaling_factor", "all_perfs", "scaling_factors"}
	for _, v := range referenceVars {
		switch v {
		case "x", "r", "x0", "r0", "eval_os":
		default:
			vars = append(vars, v)
		}
	}
	got, err := exec.Command(py, "-c", script, path, strings.Join(vars, ",")).CombinedOutput()
	if err != nil {
		t.Fatalf("scipy.io.loadmat: %v\n%s", err, got)
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(string(got)), 64); err != nil || v != best {
		t.Errorf("scipy reads opt_scaling_factor %s, the command chose %v", got, best)
	}
}

// countdownCtx reports itself cancelled from the (n+1)-th call of Err on:
// with one worker the grid search asks once per trial, so this interrupts
// it at a known trial without timing.
type countdownCtx struct {
	context.Context
	n int
}

func (c *countdownCtx) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

// TestLambdaSearchInterrupted: Ctrl-C during lambda-search prints and keeps
// the factors scored so far (opt_scaling_factor NaN, as an unfinished
// search), exits 130, and the next run searches again.
func TestLambdaSearchInterrupted(t *testing.T) {
	path := smallModel(t, 40)
	old := interruptContext
	defer func() { interruptContext = old }()
	interruptContext = func() (context.Context, context.CancelFunc) {
		return &countdownCtx{context.Background(), 4}, func() {}
	}
	code, out, errOut := runLIFCmd(t, "lambda-search", path, "--factors", "20,40", "--trials", "4", "--seed", "3", "--workers", "1")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d: %s%s", code, exitInterrupted, out, errOut)
	}
	for _, want := range []string{"interrupted: 1 of 2 factors scored", "<- best so far", "NaN"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "opt_scaling_factor NaN (unfinished)") {
		t.Errorf("error message: %s", errOut)
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := net.Scaling; s == nil || !math.IsNaN(s.OptScalingFactor) || len(s.AllPerfs) != 2 || math.IsNaN(s.AllPerfs[0]) || !math.IsNaN(s.AllPerfs[1]) {
		t.Fatalf("partial search in the file: %+v", net.Scaling)
	}
	if code, out, _ := runLIFCmd(t, "inspect", path); code != 0 || !strings.Contains(out, "unfinished search (opt_scaling_factor NaN): 1 of 2 factors scored") {
		t.Errorf("inspect of an unfinished search (exit %d):\n%s", code, out)
	}
	interruptContext = old
	code, out, errOut = runLIFCmd(t, "lambda-search", path, "--factors", "20,40", "--trials", "4", "--seed", "3")
	if code != 0 || strings.Contains(out, "already searched") || !strings.Contains(out, "<- opt_scaling_factor") {
		t.Fatalf("search after an interrupted one (exit %d):\n%s%s", code, out, errOut)
	}
}

func TestLIFCommand(t *testing.T) {
	path := smallModel(t, 40)
	dir := t.TempDir()
	code, out, errOut := runLIFCmd(t, "lif", path, "--scale", "25", "--trials", "6", "--figures", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"scaling factor s = 25 (lambda = 1/25)", "lif units: tref 0.002 s, tm 0.01 s, vreset -65 mV, vpeak -40 mV, bias -40 mV",
		"double-exponential", "performance: ", "/6 trials correct", "firing rates (Hz", "excitatory", "inhibitory", "lif_outputs.png"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(files) < 2 {
		t.Fatalf("figures: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG (%d bytes, %v)", f, len(b), err)
		}
	}
	// QIF units, single-exponential synapses, SVG figures, a perturbation.
	code, out, errOut = runLIFCmd(t, "lif", path, "--scale", "30", "--trials", "2", "--model", "qif", "--tr", "0",
		"--stim", "inh", "--stim_units", "exc", "--stim_start", "0.5", "--figures", dir, "--format", "svg")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"qif units", "vpeak 30 mV, bias 0 mV", "single-exponential", "perturbation: inh", "steps [10001, 20001)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if svg, _ := filepath.Glob(filepath.Join(dir, "*.svg")); len(svg) < 2 {
		t.Errorf("svg figures: %v", svg)
	}
	// Without --scale the model's opt_scaling_factor is needed.
	code, _, errOut = runLIFCmd(t, "lif", path, "--trials", "2")
	if code == 0 || !strings.Contains(errOut, "lambda-search") {
		t.Errorf("exit %d without a scale: %s", code, errOut)
	}
	if code, _, errOut := runLIFCmd(t, "lambda-search", path, "--factors", "35", "--trials", "2"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut = runLIFCmd(t, "lif", path, "--trials", "2")
	if code != 0 || !strings.Contains(out, "s = 35") {
		t.Errorf("exit %d with the file's factor: %s%s", code, out, errOut)
	}
}

func TestLIFFlagErrors(t *testing.T) {
	path := smallModel(t, 20)
	cases := map[string][]string{
		"scaling factor":         {"lif", path, "--scale", "0"},
		"--model":                {"lif", path, "--scale", "25", "--model", "hh"},
		"--trials":               {"lif", path, "--scale", "25", "--trials", "0"},
		"--stim":                 {"lif", path, "--scale", "25", "--stim", "zap"},
		"--stim_units":           {"lif", path, "--scale", "25", "--stim", "exc", "--stim_units", "999"},
		"needs --stim":           {"lif", path, "--scale", "25", "--stim_units", "1"},
		"--format":               {"lif", path, "--scale", "25", "--format", "gif"},
		"Tm":                     {"lif", path, "--scale", "25", "--tm", "0"},
		"unknown flag":           {"lif", path, "--scale", "25", "--bogus", "1"},
		"exactly one model":      {"lif", "--scale", "25"},
		"--factors":              {"lambda-search", path, "--factors", "20:-5:75"},
		"give one or more model": {"lambda-search"},
		"Downsample":             {"lambda-search", path, "--downsample", "0"},
		"no such file":           {"lambda-search", filepath.Join(t.TempDir(), "none.mat")},
	}
	for want, args := range cases {
		code, _, errOut := runLIFCmd(t, args...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", args, code, errOut, want)
		}
	}
	code, out, _ := runLIFCmd(t, "lif", "--help")
	if code != 0 || !strings.Contains(out, "--vreset") || !strings.Contains(out, "--figures") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}

// touchWriter changes the model file's time the first time the search
// reports progress: another program changed it during the search.
type touchWriter struct {
	path    string
	touched bool
	buf     bytes.Buffer
}

func (w *touchWriter) Write(p []byte) (int, error) {
	if !w.touched && bytes.Contains(p, []byte("lambda search")) {
		w.touched = true
		later := time.Now().Add(time.Hour)
		os.Chtimes(w.path, later, later)
	}
	return w.buf.Write(p)
}

// TestLambdaSearchKeepsResult: every argument is parsed before any work
// ("--force maybe" leaves the model untouched), and a result that cannot go
// into the model file (changed by another program during the search) is
// printed first and then written next to it, and the message says where.
func TestLambdaSearchKeepsResult(t *testing.T) {
	path := smallModel(t, 30)
	before, _ := os.ReadFile(path)
	code, _, errOut := runLIFCmd(t, "lambda-search", path, "--force", "maybe", "--trials", "2")
	if code == 0 || !strings.Contains(errOut, "maybe") {
		t.Errorf("--force maybe: exit %d, %s", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("--force maybe: the model file was changed before the arguments were checked")
	}

	var o bytes.Buffer
	w := &touchWriter{path: path}
	code = runMain([]string{"lambda-search", path, "--factors", "20,40", "--trials", "2"}, &o, w)
	out, errOut := o.String(), w.buf.String()
	if code == 0 {
		t.Errorf("exit 0 although the file could not be updated:\n%s%s", out, errOut)
	}
	side := strings.TrimSuffix(path, ".mat") + ".lambda-search.json"
	data, err := os.ReadFile(side)
	if err != nil {
		t.Fatalf("no side file: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, side) || !strings.Contains(errOut, "changed by another program") {
		t.Errorf("the message does not say where the result went:\n%s", errOut)
	}
	if !strings.Contains(out, "1/20") || !strings.Contains(out, "1/40") {
		t.Errorf("the table was not printed:\n%s", out)
	}
	if !strings.Contains(string(data), `"opt_scaling_factor"`) || !strings.Contains(string(data), `"all_perfs"`) {
		t.Errorf("side file:\n%s", data)
	}
}

// TestReferenceCheck: `lif --reference-check` runs the reference's fixed
// eval_go_nogo.m trials (a NoGo trial and a Go trial with the pulse at
// columns 31-50) and prints one row each; on a trained Go-NoGo network at
// s = 20 the Go output rises above 0.7 after the pulse and the NoGo output
// stays below it, and the same seed prints the same rows.
func TestReferenceCheck(t *testing.T) {
	path := filepath.Join("..", "..", "lifsim", "testdata", "gonogo_trained.mat")
	code, out, errOut := runLIFCmd(t, "lif", path, "--scale", "20", "--reference-check")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	maxAfter := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && (f[0] == "Go" || f[0] == "NoGo") {
			v, err := strconv.ParseFloat(f[5], 64)
			if err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
			maxAfter[f[0]] = v
		}
	}
	if len(maxAfter) != 2 || !strings.Contains(out, "eval_go_nogo.m") {
		t.Fatalf("output:\n%s", out)
	}
	if maxAfter["Go"] < 0.7 || maxAfter["NoGo"] > 0.7 {
		t.Errorf("Go max %v, NoGo max %v after 0.5 s:\n%s", maxAfter["Go"], maxAfter["NoGo"], out)
	}
	if _, out2, _ := runLIFCmd(t, "lif", path, "--scale", "20", "--reference-check"); out2 != out {
		t.Errorf("same seed, different rows:\n%s\n%s", out, out2)
	}
}
