package spikernn

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spikernn/spikernn/matfile"
	"gonum.org/v1/gonum/mat"
)

func TestNaming(t *testing.T) {
	cfg := DefaultConfig("go-nogo")
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if got, want := ModelFileName(cfg, when), "Task_go-nogo_N_200_Taus_4.0_20.0_Act_sigmoid_2026_03_04_050607.mat"; got != want {
		t.Errorf("file name %q, want %q", got, want)
	}
	if got, want := ModelDir("out", cfg), filepath.Join("out", "models", "go-nogo", "P_rec_0.2_Taus_4.0_20.0"); got != want {
		t.Errorf("dir %q, want %q", got, want)
	}
	cfg.ApplyDale, cfg.Taus, cfg.Task = false, []float64{7}, "mante"
	if got, want := ModelDir("..", cfg), filepath.Join("..", "models", "mante", "NoDale", "P_rec_0.2_Tau_7.0"); got != want {
		t.Errorf("dir %q, want %q", got, want)
	}
	if got := ModelFileName(cfg, when); !strings.HasPrefix(got, "Task_mante_N_200_Tau_7.0_Act_sigmoid_") {
		t.Errorf("fixed-tau name %q", got)
	}
	for in, want := range map[float64]string{4: "4.0", 0.2: "0.2", 20: "20.0", 1e-5: "1e-05", 0.0001: "0.0001",
		1e16: "1e+16", 123456789: "123456789.0", 2.5e-7: "2.5e-07", -3: "-3.0", 0: "0.0", 0.35: "0.35"} {
		if got := PyFloat(in); got != want {
			t.Errorf("PyFloat(%v) = %q, want %q (Python's str)", in, got, want)
		}
	}
}

func trainedLike(t *testing.T, task string, n int) *Network {
	t.Helper()
	cfg := DefaultConfig(task)
	cfg.N, cfg.SomN = n, 1
	net := mustNet(t, cfg, 21)
	rec, err := net.Baseline(context.Background(), 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	net.Training = rec
	return net
}

func assertSameNetwork(t *testing.T, a, b *Network) {
	t.Helper()
	eq := func(what string, x, y *mat.Dense) {
		if !mat.EqualApprox(x, y, 1e-6) {
			t.Errorf("%s differs after the round trip", what)
		}
	}
	eq("w", a.W, b.W)
	eq("w0", a.W0, b.W0)
	eq("w_in", a.WIn, b.WIn)
	eq("m", a.M, b.M)
	eq("som_m", a.SomM, b.SomM)
	for i := range a.WOut {
		if math.Abs(a.WOut[i]-b.WOut[i]) > 1e-7 || math.Abs(a.TausGaus[i]-b.TausGaus[i]) > 1e-6 || a.Inh[i] != b.Inh[i] {
			t.Fatalf("unit %d: w_out, taus_gaus or inh differ", i)
		}
	}
	if a.Config.Task != b.Config.Task || a.Config.N != b.Config.N || a.Config.SomN != b.Config.SomN ||
		a.Config.Activation != b.Config.Activation || a.Config.ApplyDale != b.Config.ApplyDale ||
		a.Config.PRec != b.Config.PRec || a.Config.Gain != b.Config.Gain || a.Seed != b.Seed {
		t.Errorf("config differs: %+v vs %+v", a.Config, b.Config)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		net := trainedLike(t, "mante", 30)
		dir := t.TempDir()
		path, err := net.SaveNew(dir, time.Now(), SaveOptions{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadModel(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSameNetwork(t, net, back)
		if len(back.Inferred) != 0 {
			t.Errorf("a spikernn file should state every field; inferred %v", back.Inferred)
		}
		a, b := net.Training, back.Training
		if b == nil || b.Status != StatusUntrained || a.EvalPerfMean != b.EvalPerfMean {
			t.Fatalf("training record lost: %+v", b)
		}
		if !mat.EqualApprox(a.X, b.X, 1e-6) || !mat.EqualApprox(a.EvalOs, b.EvalOs, 1e-12) || len(b.O) != 499 {
			t.Error("states, eval_os or o differ after the round trip")
		}
		if back.Trained() {
			t.Error("an untrained network reads back as trained")
		}
		// Updating with the grid-search result keeps everything else.
		s := &ScalingSearch{OptScalingFactor: 25, ScalingFactors: []float64{20, 25, 30}, AllPerfs: []float64{0.5, 0.97, 0.9}}
		if err := SaveScaling(path, s); err != nil {
			t.Fatal(err)
		}
		again, err := LoadModel(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSameNetwork(t, net, again)
		if again.Scaling == nil || again.Scaling.OptScalingFactor != 25 || again.Scaling.AllPerfs[1] != 0.97 {
			t.Fatalf("scaling result lost: %+v", again.Scaling)
		}
	}
}

func TestLoadReferenceFiles(t *testing.T) {
	for _, name := range []string{"ref_gonogo.mat", "ref_gonogo_v7.mat", "ref_gonogo_v6.mat"} {
		net, err := LoadModel(filepath.Join("testdata", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if net.N() != 12 || net.NIn != 1 || net.Config.Task != "go-nogo" || !net.Config.ApplyDale || net.Config.SomN != 1 {
			t.Fatalf("%s: N=%d n_in=%d task=%q dale=%v som_N=%d", name, net.N(), net.NIn, net.Config.Task, net.Config.ApplyDale, net.Config.SomN)
		}
		if !net.Config.TauTrainable() || net.Config.Taus[1] != 20 {
			t.Fatalf("%s: taus %v", name, net.Config.Taus)
		}
		tr := net.Training
		if tr == nil || tr.Tr != 1600 || tr.Status != StatusTrained || len(tr.Losses) != 3000 || tr.EvalPerfMean != 0.97 {
			t.Fatalf("%s: training record %+v", name, tr)
		}
		if r, c := tr.X.Dims(); r != 12 || c != 200 {
			t.Fatalf("%s: x is %dx%d, want N x T = 12x200 (from the reference's T x N x 1)", name, r, c)
		}
		if len(tr.O) != 199 || len(tr.EvalLabels) != 10 {
			t.Fatalf("%s: o %d, eval_labels %d", name, len(tr.O), len(tr.EvalLabels))
		}
		// The file's inh must agree with its sign mask.
		for i := range 12 {
			if net.Inh[i] != (net.M.At(i, i) < 0) {
				t.Fatalf("%s: inh[%d] disagrees with m", name, i)
			}
		}
		if !strings.Contains(strings.Join(net.Inferred, ","), "task") {
			t.Errorf("%s: task should be listed as inferred: %v", name, net.Inferred)
		}
		// The reference's readout reproduces o with these weights: check
		// that the last-trial rates and w_out give the saved outputs.
		for k := 0; k < 199; k += 37 {
			var o float64
			for i := range 12 {
				o += net.WOut[i] * tr.R.At(i, k+1)
			}
			if math.Abs(o-tr.O[k]) > 1e-5 {
				t.Fatalf("%s: w_out . r[%d] = %v, file o = %v", name, k+1, o, tr.O[k])
			}
		}
	}
	xor, err := LoadModel(filepath.Join("testdata", "ref_xor.mat"))
	if err != nil {
		t.Fatal(err)
	}
	if xor.Config.Task != "xor" || xor.Config.TauTrainable() || xor.TausSteps()[0] != 4 {
		t.Fatalf("xor: task %q taus %v", xor.Config.Task, xor.Config.Taus)
	}
	if l := xor.Training.EvalLabels; len(l) != 10 || l[0] != 1 || l[1] != -1 {
		t.Fatalf("xor string labels same/diff should read as +1/-1: %v", l)
	}
	nd, err := LoadModel(filepath.Join("testdata", "ref_nodale.mat"))
	if err != nil {
		t.Fatal(err)
	}
	if nd.Config.ApplyDale || len(nd.InhIndices()) != 0 {
		t.Fatal("a no-Dale reference file must load with Dale off")
	}
}

func TestLoadBadFiles(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "ref_gonogo.mat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, 128, 200, len(data) / 2, len(data) - 3} {
		p := filepath.Join(dir, "trunc.mat")
		if err := os.WriteFile(p, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadModel(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("truncated at %d: error %v should name the file", n, err)
		}
	}
	// Structurally valid files with missing or inconsistent variables.
	net := trainedLike(t, "go-nogo", 6)
	base := net.matVars()
	write := func(name string, edit func([]*matfile.Var) []*matfile.Var) string {
		p := filepath.Join(dir, name)
		vs := edit(append([]*matfile.Var(nil), base...))
		if err := matfile.WriteFile(p, vs, matfile.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	drop := func(name string) func([]*matfile.Var) []*matfile.Var {
		return func(vs []*matfile.Var) []*matfile.Var {
			var out []*matfile.Var
			for _, v := range vs {
				if v.Name != name {
					out = append(out, v)
				}
			}
			return out
		}
	}
	replace := func(v *matfile.Var) func([]*matfile.Var) []*matfile.Var {
		return func(vs []*matfile.Var) []*matfile.Var {
			for i := range vs {
				if vs[i].Name == v.Name {
					vs[i] = v
				}
			}
			return vs
		}
	}
	cases := map[string]string{
		write("no_w.mat", drop("w")):       "variable w is missing",
		write("no_taus.mat", drop("taus")): "taus",
		write("bad_win.mat", replace(matfile.NewMatrix("w_in", matfile.Single, 5, 1, make([]float64, 5)))):  "w_in",
		write("bad_N.mat", replace(matfile.NewScalar("N", matfile.Int64, 7))):                               "N = 7",
		write("nan_w.mat", replace(matfile.NewMatrix("w", matfile.Single, 6, 6, constant(36, math.NaN())))): "NaN",
		write("text_w.mat", replace(matfile.NewString("w", "oops"))):                                        "text",
	}
	for p, want := range cases {
		_, err := LoadModel(p)
		var me *ModelError
		if err == nil || !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want a ModelError mentioning %q", filepath.Base(p), err, want)
		}
	}
}

// TestFilesLoadInReferenceTools checks that files spikernn writes carry the
// reference's variables with its shapes and types, as scipy.io.loadmat and
// GNU Octave see them.
func TestFilesLoadInReferenceTools(t *testing.T) {
	dir := t.TempDir()
	net := trainedLike(t, "go-nogo", 20)
	net.Training.Losses = []float64{3, 2, 1}
	net.Training.Tr = 2
	plain := filepath.Join(dir, "plain.mat")
	packed := filepath.Join(dir, "packed.mat")
	if err := net.Save(plain, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := net.Save(packed, SaveOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	// The grid search appends its result to a file; the readers must then see
	// it next to every original variable.
	scaling := &ScalingSearch{OptScalingFactor: 25, ScalingFactors: []float64{20, 25, 30}, AllPerfs: []float64{0.4, 0.99, 0.9}}
	for _, p := range []string{plain, packed} {
		if err := SaveScaling(p, scaling); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{
		"x0": "(200, 20, 1) float32", "r0": "(200, 20, 1) float32", "w0": "(20, 20) float32",
		"taus_gaus0": "(20, 1) float32", "w_in0": "(20, 1) float32", "u": "(1, 200) float64",
		"o": "(199, 1, 1) float32", "w": "(20, 20) float32", "x": "(200, 20, 1) float32",
		"target": "(1, 200) float64", "w_out": "(1, 20) float32", "r": "(200, 20, 1) float32",
		"m": "(20, 20) float32", "som_m": "(20, 20) float32", "N": "(1, 1) int64",
		"exc": "(20, 1) bool", "inh": "(20, 1) bool", "w_in": "(20, 1) float32",
		"b_out": "(1, 1) float32", "som_N": "(1, 1) int64", "losses": "(1, 3) float64",
		"taus": "(1, 2) float64", "eval_perf_mean": "(1, 1) float64", "eval_loss_mean": "(1, 1) float64",
		"eval_os": "(100, 199) float64", "eval_labels": "(1, 100) float64", "taus_gaus": "(20, 1) float32",
		"tr": "(1, 1) int64", "activation": "(1,) <U7",
		"opt_scaling_factor": "(1, 1) float64", "all_perfs": "(1, 3) float64", "scaling_factors": "(1, 3) float64",
	}
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil || exec.Command(py, "-c", "import scipy.io").Run() != nil {
		t.Log("skipping the scipy check: /usr/bin/python3 with scipy is not installed (apt-get install python3-scipy)")
	} else {
		for _, p := range []string{plain, packed} {
			out, err := exec.Command(py, "-c", `
import sys, scipy.io
d = scipy.io.loadmat(sys.argv[1])
for k, v in d.items():
    if not k.startswith('__'):
        print(k, v.shape, v.dtype)
`, p).CombinedOutput()
			if err != nil {
				t.Fatalf("scipy.io.loadmat(%s): %v\n%s", p, err, out)
			}
			got := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				k, v, _ := strings.Cut(line, " ")
				got[k] = strings.Replace(v, "uint8", "bool", 1)
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: scipy sees %s as %q, want %q (as the reference writes it)", filepath.Base(p), k, got[k], w)
				}
			}
		}
	}
	if _, err := exec.LookPath("octave"); err != nil {
		t.Log("skipping the Octave check: octave is not installed (apt-get install octave)")
		return
	}
	for _, p := range []string{plain, packed} {
		script := `load('` + p + `'); ` +
			`assert(isequal(size(w), [20 20])); assert(isa(w, 'single')); assert(N == 20); ` +
			`assert(islogical(inh)); assert(isequal(size(inh), [20 1])); assert(strcmp(activation, 'sigmoid')); ` +
			`assert(isequal(taus, [4 20])); assert(isequal(size(eval_os), [100 199])); ` +
			`ww = (w*m).*som_m; assert(all(all(ww(:, find(inh)) <= 0))); assert(opt_scaling_factor == 25); ` +
			`printf('%d %d %g\n', N, sum(inh), sum(w_out));`
		out, err := exec.Command("octave", "--no-gui", "--quiet", "--eval", script).CombinedOutput()
		if err != nil {
			t.Fatalf("octave load(%s): %v\n%s", p, err, out)
		}
		var wsum float64
		for _, v := range net.WOut {
			wsum += v
		}
		if fields := strings.Fields(string(out)); len(fields) < 3 || fields[1] != strconv.Itoa(len(net.InhIndices())) {
			t.Fatalf("octave printed %q, want N, inhibitory count %d, sum(w_out) %g", out, len(net.InhIndices()), wsum)
		}
	}
}

// TestXORLabelsAsReference: XOR models store eval_labels as the reference's
// strings ('same' / 'diff'), one row per trial, and read back as +1 / -1.
func TestXORLabelsAsReference(t *testing.T) {
	cfg := DefaultConfig("xor")
	cfg.N = 12
	net, err := NewNetwork(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if net.Training, err = net.Baseline(context.Background(), 3, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "xor.mat")
	if err := net.Save(path, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := matfile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := f.Get("eval_labels")
	if v == nil || v.Class != matfile.Char || v.Rows() != 100 {
		t.Fatalf("eval_labels: %+v", v)
	}
	rows := strings.Split(v.Str, "\n")
	for i, l := range net.Training.EvalLabels {
		want := "diff"
		if l > 0 {
			want = "same"
		}
		if rows[i] != want {
			t.Fatalf("row %d = %q, label %v", i, rows[i], l)
		}
	}
	back, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Training.EvalLabels, net.Training.EvalLabels) {
		t.Error("labels differ after the round trip")
	}
}

// complexMatrix returns a MAT-file element of a complex double rows x cols
// matrix named name, to append to a file (matfile writes no complex data).
func complexMatrix(name string, rows, cols int) []byte {
	le := binary.LittleEndian
	var body bytes.Buffer
	put := func(typ uint32, data []byte) {
		var tag [8]byte
		le.PutUint32(tag[:], typ)
		le.PutUint32(tag[4:], uint32(len(data)))
		body.Write(tag[:])
		body.Write(data)
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
	}
	flags := make([]byte, 8)
	le.PutUint32(flags, 6|0x0800) // double, complex
	put(6, flags)
	dims := make([]byte, 8)
	le.PutUint32(dims, uint32(rows))
	le.PutUint32(dims[4:], uint32(cols))
	put(5, dims)
	put(1, []byte(name))
	vals := make([]byte, 8*rows*cols)
	put(9, vals)
	put(9, vals)
	var out bytes.Buffer
	var tag [8]byte
	le.PutUint32(tag[:], 14)
	le.PutUint32(tag[4:], uint32(body.Len()))
	out.Write(tag[:])
	out.Write(body.Bytes())
	return out.Bytes()
}

// TestLoadAsStrictAsTheCommandLine: what the command line refuses as a
// flag, a model file cannot smuggle in; unsupported kinds are named.
func TestLoadAsStrictAsTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	net := trainedLike(t, "go-nogo", 6)
	base := net.matVars()
	write := func(name string, vs ...*matfile.Var) string {
		p := filepath.Join(dir, name)
		all := append([]*matfile.Var(nil), base...)
		for _, v := range vs {
			for i := range all {
				if all[i].Name == v.Name {
					all[i] = v
				}
			}
		}
		if err := matfile.WriteFile(p, all, matfile.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	scalar := func(name string, x float64) *matfile.Var { return matfile.NewScalar(name, matfile.Double, x) }
	cases := map[string]string{
		write("act.mat", matfile.NewString("activation", "tanh")):                              "activation",
		write("loss.mat", matfile.NewString("loss_fn", "l3")):                                  "loss_fn",
		write("wdist.mat", matfile.NewString("w_dist", "cauchy")):                              "w_dist",
		write("pinh.mat", scalar("P_inh", 1.5)):                                                "P_inh",
		write("gain.mat", scalar("gain", -1)):                                                  "gain",
		write("taus.mat", matfile.NewMatrix("taus", matfile.Double, 1, 2, []float64{0.5, 20})): "decay_taus",
		write("N.mat", scalar("N", 6.5)):                                                       "whole number",
		write("seed.mat", matfile.NewScalar("seed", matfile.Double, -3)):                       "seed",
		write("status.mat", matfile.NewString("training_status", "great")):                     "training_status",
		write("mask.mat", matfile.NewMatrix("m", matfile.Double, 6, 6, diag(6, 1e300))):        "sign mask",
		write("som.mat", matfile.NewMatrix("som_m", matfile.Double, 6, 6, constant(36, 2))):    "som_m",
	}
	// A complex w: named as such, not "missing".
	var noW []*matfile.Var
	for _, v := range base {
		if v.Name != "w" {
			noW = append(noW, v)
		}
	}
	cp := filepath.Join(dir, "complex.mat")
	var buf bytes.Buffer
	if err := matfile.Write(&buf, noW, matfile.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	buf.Write(complexMatrix("w", 6, 6))
	os.WriteFile(cp, buf.Bytes(), 0o644)
	cases[cp] = "variable w is a complex double"
	for p, want := range cases {
		_, err := LoadModel(p)
		var me *ModelError
		if err == nil || !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want a ModelError mentioning %q", filepath.Base(p), err, want)
		}
	}
}

// TestSeedsExact: seeds above 2^53 (and 2^63) are stored exactly.
func TestSeedsExact(t *testing.T) {
	for _, seed := range []uint64{9007199254740993, 1<<63 + 5, math.MaxUint64} {
		cfg := DefaultConfig("go-nogo")
		cfg.N = 8
		net, err := NewNetwork(cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "m.mat")
		if err := net.Save(p, SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		back, err := LoadModel(p)
		if err != nil {
			t.Fatal(err)
		}
		if back.Seed != seed {
			t.Errorf("seed %d came back as %d", seed, back.Seed)
		}
	}
}

func diag(n int, v float64) []float64 {
	d := make([]float64, n*n)
	for i := range n {
		d[i*n+i] = v
	}
	return d
}
