package matfile

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// These tests write files with this package and read them with the real
// tools. They are skipped when the tools are missing; CI installs them
// (Debian packages python3-scipy and octave).

// scipyPython returns the Python interpreter that has scipy, or skips.
func scipyPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{os.Getenv("MATFILE_PYTHON"), "/usr/bin/python3", "python3"} {
		if py == "" {
			continue
		}
		if path, err := exec.LookPath(py); err == nil {
			if exec.Command(path, "-c", "import scipy.io").Run() == nil {
				return path
			}
		}
	}
	t.Skip("python3 with scipy not installed (apt-get install python3-scipy); skipping scipy interop test")
	return ""
}

func octaveBin(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("octave")
	if err != nil {
		t.Skip("octave not installed (apt-get install octave); skipping Octave interop test")
	}
	return path
}

// interopVars is allClasses without text that not every tool can read:
// scipy cannot read non-BMP characters written as UTF-16 (it counts code
// points, MATLAB counts UTF-16 units) and Octave cannot hold a non-ASCII
// char matrix.
func interopVars() []*Var {
	var out []*Var
	for _, v := range allClasses() {
		if v.Name != "uni" && v.Name != "chu" {
			out = append(out, v)
		}
	}
	return append(out, NewString("bmp", "µé→ƒ"))
}

const scipyDump = `
import json, sys
import numpy as np
import scipy.io as sio
d = sio.loadmat(sys.argv[1], mat_dtype=True)
out = {}
for k, v in d.items():
    if k.startswith('__'):
        continue
    if v.dtype.kind == 'U':
        out[k] = {'dtype': 'str', 'shape': list(v.shape), 'rows': [str(s) for s in v.tolist()]}
    elif v.dtype.kind in 'biuf':
        vals = v.flatten(order='F').tolist()
        out[k] = {'dtype': v.dtype.name, 'shape': list(v.shape),
                  'values': [repr(float(x)) if isinstance(x, float) else str(int(x)) for x in vals]}
    else:
        out[k] = {'dtype': 'other'}
out['__header__'] = {'dtype': d['__header__'].decode('latin1')}
print(json.dumps(out))
`

type scipyVar struct {
	Dtype  string   `json:"dtype"`
	Shape  []int    `json:"shape"`
	Rows   []string `json:"rows"`
	Values []string `json:"values"`
}

func runScipy(t *testing.T, py, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("python: %v\n%s", err, msg)
	}
	return out
}

var numpyTypes = map[Class]string{
	Double: "float64", Single: "float32", Int8: "int8", Uint8: "uint8", Int16: "int16",
	Uint16: "uint16", Int32: "int32", Uint32: "uint32", Int64: "int64", Uint64: "uint64",
	Logical: "bool",
}

// textRows is what a char variable's rows are.
func textRows(v *Var) []string {
	if v.Str == "" {
		return []string{}
	}
	if v.Dims[0] == 1 {
		return []string{v.Str}
	}
	return strings.Split(v.Str, "\n")
}

func checkScipy(t *testing.T, py, path string, vars []*Var) {
	t.Helper()
	var got map[string]scipyVar
	if err := json.Unmarshal(runScipy(t, py, scipyDump, path), &got); err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		g, ok := got[v.Name]
		if !ok {
			t.Errorf("%s: scipy did not load %q", path, v.Name)
			continue
		}
		if v.Class == Char {
			if g.Dtype != "str" || !reflect.DeepEqual(g.Rows, textRows(v)) {
				t.Errorf("%s: %q: scipy read %s %q, want %q", path, v.Name, g.Dtype, g.Rows, textRows(v))
			}
			continue
		}
		if g.Dtype != numpyTypes[v.Class] || !reflect.DeepEqual(g.Shape, v.Dims) {
			t.Errorf("%s: %q: scipy read %s %v, want %s %v", path, v.Name, g.Dtype, g.Shape, numpyTypes[v.Class], v.Dims)
			continue
		}
		vals := make([]float64, len(g.Values))
		for i, s := range g.Values {
			var err error
			if vals[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		want := v.Data
		if v.Class == Single {
			want = f32(want...)
		}
		if len(want) == 0 {
			want = []float64{}
		}
		if !sameFloats(vals, want) {
			t.Errorf("%s: %q: scipy read %v, want %v", path, v.Name, vals, want)
		}
	}
}

// writeGoFiles writes vars to a plain and a compressed MAT-file in a
// temporary directory and returns their paths.
func writeGoFiles(t *testing.T, vars []*Var) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, compress := range []bool{false, true} {
		path := filepath.Join(dir, fmt.Sprintf("go_%v.mat", compress))
		if err := WriteFile(path, vars, WriteOptions{Compress: compress}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// updateFixture copies the fixture name, updates the copy with vars
// (compressing them if compress) and returns its path.
func updateFixture(t *testing.T, name string, vars []*Var, compress bool) string {
	t.Helper()
	path := copyFixture(t, name)
	if err := UpdateFile(path, vars, WriteOptions{Compress: compress}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInteropScipy(t *testing.T) {
	py := scipyPython(t)
	vars := interopVars()
	for _, path := range writeGoFiles(t, vars) {
		checkScipy(t, py, path, vars)
	}
	// Updated files, little- and big-endian, with skipped kinds kept.
	check := `
import sys, scipy.io as sio
d = sio.loadmat(sys.argv[1])
assert d['st']['a'][0, 0][0, 0] == 1.0, d['st']
assert d['st']['b'][0, 0][0] == 'x', d['st']
assert d['ce'][0, 1][0] == 'two', d['ce']
assert d['dbl'].shape == (2, 3)
print('ok')
`
	for _, name := range []string{"scipy_v5.mat", "scipy_v5_be.mat", "scipy_v5z_be.mat"} {
		path := updateFixture(t, name, vars, name == "scipy_v5.mat")
		checkScipy(t, py, path, vars)
		if out := runScipy(t, py, check, path); strings.TrimSpace(string(out)) != "ok" {
			t.Errorf("%s: %s", name, out)
		}
	}
}

// octaveDump prints one line per variable: name, class, size and values
// (as %.17g doubles; for char, the UTF-8 bytes), column-major.
const octaveDump = `
S = load(argv(){1});
names = fieldnames(S);
for i = 1:numel(names)
  n = names{i};
  x = S.(n);
  if ischar(x)
    vals = sprintf('%d ', double(x(:)));
  elseif isnumeric(x) || islogical(x)
    vals = sprintf('%.17g ', double(x(:)));
  else
    vals = '';
  end
  printf('%s|%s|%s|%s\n', n, class(x), mat2str(size(x)), strtrim(vals));
end
`

func runOctave(t *testing.T, octave, script string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	sf := filepath.Join(dir, "script.m")
	if err := os.WriteFile(sf, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(octave, append([]string{"--no-gui", "--quiet", "--norc", "--no-window-system", sf}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("octave: %v\n%s\n%s", err, out, msg)
	}
	return string(out)
}

func checkOctave(t *testing.T, octave, path string, vars []*Var) {
	t.Helper()
	got := map[string][]string{}
	for _, line := range strings.Split(runOctave(t, octave, octaveDump, path), "\n") {
		if f := strings.Split(line, "|"); len(f) == 4 {
			got[f[0]] = f[1:]
		}
	}
	for _, v := range vars {
		g, ok := got[v.Name]
		if !ok {
			t.Errorf("%s: Octave did not load %q", path, v.Name)
			continue
		}
		dims := v.Dims
		var want []float64
		if v.Class == Char {
			if v.Str != "" && v.Dims[0] == 1 {
				dims = []int{1, len(v.Str)} // Octave counts UTF-8 bytes
			}
			rows := textRows(v)
			for j := 0; len(rows) > 0 && j < len(rows[0]); j++ {
				for i := range rows {
					want = append(want, float64(rows[i][j]))
				}
			}
		} else {
			want = v.Data
			if v.Class == Single {
				want = f32(want...)
			}
		}
		size := make([]string, len(dims))
		for i, d := range dims {
			size[i] = strconv.Itoa(d)
		}
		if g[0] != v.Class.String() || g[1] != "["+strings.Join(size, " ")+"]" {
			t.Errorf("%s: %q: Octave read %s %s, want %s %v", path, v.Name, g[0], g[1], v.Class, dims)
			continue
		}
		var vals []float64
		for _, s := range strings.Fields(g[2]) {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, x)
		}
		if len(want) == 0 {
			want = nil
		}
		if !sameFloats(vals, want) {
			t.Errorf("%s: %q: Octave read %v, want %v", path, v.Name, vals, want)
		}
	}
}

func TestInteropOctave(t *testing.T) {
	octave := octaveBin(t)
	vars := interopVars()
	for _, path := range writeGoFiles(t, vars) {
		checkOctave(t, octave, path, vars)
	}
	check := `
load(argv(){1});
assert(st.a == 1); assert(strcmp(st.b, 'x'));
assert(strcmp(ce{2}, 'two'));
if exist('sp', 'var'), assert(issparse(sp)); assert(isequal(cplx, [1+2i, 3-4i])); end
printf('ok\n');
`
	for _, name := range []string{"octave_v7.mat", "octave_v6.mat", "scipy_v5_be.mat", "scipy_v5z.mat"} {
		path := updateFixture(t, name, vars, name == "octave_v7.mat")
		checkOctave(t, octave, path, vars)
		if out := runOctave(t, octave, check, path); !strings.Contains(out, "ok") {
			t.Errorf("%s: %s", name, out)
		}
	}
}
