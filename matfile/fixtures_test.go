package matfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// want describes an expected variable.
type want struct {
	name  string
	class Class
	dims  []int
	data  []float64 // column-major; nil for Char
	str   string
}

// rm builds the expected column-major data of a 2-D array from rows.
func rm(rows ...[]float64) []float64 {
	r, c := len(rows), len(rows[0])
	out := make([]float64, r*c)
	for i := range rows {
		for j := range rows[i] {
			out[i+j*r] = rows[i][j]
		}
	}
	return out
}

func f32(xs ...float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(float32(x))
	}
	return out
}

func seq(from float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = from + float64(i)
	}
	return out
}

// Variables common to the Octave and scipy fixtures (same values in both).
var (
	wDbl     = want{"dbl", Double, []int{2, 3}, rm([]float64{1.5, -2, 3}, []float64{4, 5.25, -6e10}), ""}
	wSpecial = want{"special", Double, []int{1, 4}, []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}, ""}
	wSgl     = want{"sgl", Single, []int{2, 2}, rm(f32(1.5, -2.25), f32(3e-5, 1e20)), ""}
	wI8      = want{"i8", Int8, []int{1, 3}, []float64{-128, 0, 127}, ""}
	wU8      = want{"u8", Uint8, []int{1, 3}, []float64{0, 255, 7}, ""}
	wI16     = want{"i16", Int16, []int{1, 2}, []float64{-32768, 32767}, ""}
	wU16     = want{"u16", Uint16, []int{1, 2}, []float64{65535, 1}, ""}
	wI32     = want{"i32", Int32, []int{1, 2}, []float64{-2147483648, 2147483647}, ""}
	wU32     = want{"u32", Uint32, []int{1, 2}, []float64{4294967295, 0}, ""}
	wI64     = want{"i64", Int64, []int{1, 4}, []float64{math.MinInt64, -(1 << 53), 1<<53 - 1, math.MaxInt64}, ""}
	wU64     = want{"u64", Uint64, []int{1, 3}, []float64{0, 1 << 53, math.MaxUint64}, ""}
	wLg      = want{"lg", Logical, []int{2, 3}, rm([]float64{1, 0, 1}, []float64{0, 0, 1}), ""}
	wStr     = want{"str", Char, []int{1, 11}, nil, "hello world"}
	wChm     = want{"chm", Char, []int{2, 3}, nil, "abc\ndef"}
	wScl     = want{"scl", Double, []int{1, 1}, []float64{42.5}, ""}
	wNd      = want{"nd", Double, []int{2, 3, 4}, seq(1.5, 24), ""}
	wEmp     = want{"emp", Double, []int{0, 0}, []float64{}, ""}
	wEmp2    = want{"emp2", Double, []int{0, 3}, []float64{}, ""}
	wEstr    = want{"estr", Char, []int{0, 0}, nil, ""}
	wLast    = want{"last", Double, []int{1, 1}, []float64{7}, ""}
)

var octaveWant = []want{
	wDbl, wSpecial,
	{"dint", Double, []int{2, 3}, rm([]float64{1, 2, 3}, []float64{4, 5, 250}), ""},
	{"dneg", Double, []int{1, 3}, []float64{-1, -300, 7}, ""},
	{"dbig", Double, []int{1, 2}, []float64{100000, -5}, ""},
	wSgl, wI8, wU8, wI16, wU16, wI32, wU32, wI64, wU64, wLg, wStr, wChm, wScl, wNd,
	wEmp, wEmp2, wEstr,
	{"us", Char, []int{1, 2}, nil, "µé"},
	{"um", Char, []int{2, 3}, nil, "µa\néb"}, // Octave stores the UTF-8 bytes
	wLast,
}

var scipyWant = []want{
	wDbl, wSpecial, wSgl, wI8, wU8, wI16, wU16, wI32, wU32, wI64, wU64, wLg, wStr, wChm,
	wScl, wNd, wEmp, wEmp2, wEstr,
	{"pyint", Int64, []int{1, 1}, []float64{7}, ""},
	{"pybool", Logical, []int{1, 1}, []float64{1}, ""},
	{"pylist", Double, []int{1, 3}, []float64{1, 2.5, 3}, ""},
	{"oned", Double, []int{1, 3}, []float64{1, 2, 3}, ""},
	{"cols", Double, []int{2, 2, 1}, []float64{1, 3, 2, 4}, ""},
	wLast,
}

var matlabStyleWant = []want{
	{"du8", Double, []int{2, 3}, rm([]float64{1, 2, 3}, []float64{4, 5, 250}), ""},
	{"di16", Double, []int{1, 3}, []float64{-1, -300, 7}, ""},
	{"di32", Double, []int{1, 2}, []float64{100000, -5}, ""},
	{"du16", Double, []int{1, 2}, []float64{65535, 0}, ""},
	{"si8", Single, []int{1, 2}, []float64{3, -4}, ""},
	{"i32i8", Int32, []int{1, 2}, []float64{7, -8}, ""},
	{"c16", Char, []int{1, 5}, nil, "hello"},
	{"c16m", Char, []int{2, 2}, nil, "ab\ncd"},
	{"c16u", Char, []int{1, 3}, nil, "é€x"},
	{"lgc", Logical, []int{1, 3}, []float64{1, 0, 1}, ""},
}

var fixtures = []struct {
	file    string
	header  string // prefix of the header text
	want    []want
	skipped []string
	big     bool
}{
	{"octave_v7.mat", "MATLAB 5.0 MAT-file, written by Octave", octaveWant, []string{"st", "ce", "sp", "cplx"}, false},
	{"octave_v6.mat", "MATLAB 5.0 MAT-file, written by Octave", octaveWant, []string{"st", "ce", "sp", "cplx"}, false},
	{"scipy_v5.mat", "MATLAB 5.0 MAT-file Platform: posix, Created on:", scipyWant, []string{"st", "ce"}, false},
	{"scipy_v5z.mat", "MATLAB 5.0 MAT-file Platform: posix, Created on:", scipyWant, []string{"st", "ce"}, false},
	{"scipy_v5_be.mat", "MATLAB 5.0 MAT-file Platform: posix, Created on:", scipyWant, []string{"st", "ce"}, true},
	{"scipy_v5z_be.mat", "MATLAB 5.0 MAT-file Platform: posix, Created on:", scipyWant, []string{"st", "ce"}, true},
	{"scipy_utf8.mat", "MATLAB 5.0 MAT-file", []want{
		{"txt", Char, []int{1, 4}, nil, "µé→😀"}, // scipy counts code points
		{"abc", Char, []int{1, 3}, nil, "abc"},
	}, nil, false},
	{"matlab_style.mat", "MATLAB 5.0 MAT-file, Platform: GLNXA64", matlabStyleWant, nil, false},
}

// sameFloats compares exactly, NaN equal to NaN and -0 distinct from +0.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func checkVar(t *testing.T, ctx string, got *Var, w want) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: variable %q missing", ctx, w.name)
		return
	}
	if got.Name != w.name || got.Class != w.class || !reflect.DeepEqual(got.Dims, w.dims) {
		t.Errorf("%s: got %q %v %v, want %q %v %v", ctx, got.Name, got.Class, got.Dims, w.name, w.class, w.dims)
	}
	if w.class == Char {
		if got.Str != w.str || got.Data != nil {
			t.Errorf("%s: %q: text %q (data %v), want %q", ctx, w.name, got.Str, got.Data, w.str)
		}
	} else if !sameFloats(got.Data, w.data) || got.Str != "" {
		t.Errorf("%s: %q: data %v, want %v", ctx, w.name, got.Data, w.data)
	}
}

func TestReadFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			f, err := ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Header) < len(fx.header) || f.Header[:len(fx.header)] != fx.header {
				t.Errorf("header %q, want prefix %q", f.Header, fx.header)
			}
			if f.bigEndian != fx.big {
				t.Errorf("bigEndian = %v", f.bigEndian)
			}
			if len(f.Vars) != len(fx.want) {
				names := []string{}
				for _, v := range f.Vars {
					names = append(names, v.Name)
				}
				t.Fatalf("got %d variables %v, want %d", len(f.Vars), names, len(fx.want))
			}
			for i, w := range fx.want {
				checkVar(t, fx.file, f.Vars[i], w)
				checkVar(t, fx.file+" Get", f.Get(w.name), w)
			}
			if !reflect.DeepEqual(f.Skipped, fx.skipped) {
				t.Errorf("skipped %q, want %q", f.Skipped, fx.skipped)
			}
		})
	}
}

// TestWriteMatchesScipy checks that, for every supported variable in the
// uncompressed scipy fixtures, this package writes exactly the bytes scipy
// wrote.
func TestWriteMatchesScipy(t *testing.T) {
	for _, name := range []string{"scipy_v5.mat", "scipy_v5_be.mat", "scipy_utf8.mat"} {
		f, err := readFile(filepath.Join("testdata", name), true, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var order binary.ByteOrder = binary.LittleEndian
		if f.bigEndian {
			order = binary.BigEndian
		}
		for _, e := range f.entries {
			if e.v == nil {
				continue
			}
			switch e.v.Name {
			case "txt":
				continue // non-ASCII: scipy writes UTF-8, this package UTF-16
			case "u64":
				continue // 2^53+1 does not survive the trip through float64
			}
			p, err := newPlan([]entry{{name: e.name, v: e.v}}, WriteOptions{Header: "x"}, order)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := p.writeTo(&buf); err != nil {
				t.Fatal(err)
			}
			if got := buf.Bytes()[headerLen:]; !bytes.Equal(got, e.raw) {
				t.Errorf("%s: %q: wrote\n% x\nscipy wrote\n% x", name, e.name, got, e.raw)
			}
		}
	}
}

// elementEnds returns the offsets at which top-level elements end.
func elementEnds(t *testing.T, data []byte) []int {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if string(data[126:128]) == "MI" {
		order = binary.BigEndian
	}
	ends := []int{headerLen}
	for off := headerLen; off < len(data); {
		off += 8 + int(order.Uint32(data[off+4:]))
		ends = append(ends, off)
	}
	return ends
}

// TestTruncated reads every prefix of every fixture: a prefix that ends
// between elements is a valid file with fewer variables; any other must give
// a *FormatError, never a panic.
func TestTruncated(t *testing.T) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			t.Fatal(err)
		}
		ends := map[int]int{}
		for i, e := range elementEnds(t, data) {
			ends[e] = i
		}
		for n := 0; n < len(data); n++ {
			f, err := Read(bytes.NewReader(data[:n]))
			if k, ok := ends[n]; ok {
				if err != nil {
					t.Errorf("%s[:%d]: %v", fx.file, n, err)
				} else if got := len(f.Vars) + len(f.Skipped); got != k {
					t.Errorf("%s[:%d]: %d variables, want %d", fx.file, n, got, k)
				}
				continue
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s[:%d]: got error %v, want a *FormatError", fx.file, n, err)
			}
		}
	}
}
