package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// allClasses returns one variable of every class with edge values, plus
// N-D, empty and text variants.
func allClasses() []*Var {
	return []*Var{
		NewMatrix("d", Double, 2, 3, []float64{1.5, -2, math.Pi, math.NaN(), math.Inf(-1), math.Copysign(0, -1)}),
		NewMatrix("s", Single, 1, 3, []float64{1.5, float64(float32(0.1)), math.Inf(1)}),
		NewMatrix("i8", Int8, 1, 3, []float64{-128, 0, 127}),
		NewMatrix("u8", Uint8, 1, 2, []float64{0, 255}),
		NewMatrix("i16", Int16, 1, 2, []float64{-32768, 32767}),
		NewMatrix("u16", Uint16, 1, 2, []float64{0, 65535}),
		NewMatrix("i32", Int32, 1, 2, []float64{math.MinInt32, math.MaxInt32}),
		NewMatrix("u32", Uint32, 1, 2, []float64{0, math.MaxUint32}),
		NewMatrix("i64", Int64, 1, 4, []float64{math.MinInt64, -(1 << 53), 1 << 53, math.MaxInt64}),
		NewMatrix("u64", Uint64, 1, 3, []float64{0, 1 << 53, math.MaxUint64}),
		NewLogical("lg", 2, 2, []bool{true, false, false, true}),
		NewScalar("x", Double, 42),
		NewString("str", "hello, world"),
		NewString("nl", "two\nlines in one row"),
		NewString("uni", "µé→😀"),
		{Name: "chm", Class: Char, Dims: []int{2, 3}, Str: "abc\ndef"},
		{Name: "chu", Class: Char, Dims: []int{2, 2}, Str: "µa\néb"},
		NewString("es", ""),
		{Name: "es2", Class: Char, Dims: []int{1, 0}},
		NewArray("nd", Double, []int{2, 3, 4}, seq(1, 24)),
		NewArray("nd8", Int8, []int{1, 2, 1, 2}, []float64{1, 2, 3, 4}),
		NewArray("e0", Double, []int{0, 0}, []float64{}),
		NewArray("e3", Single, []int{0, 3}, nil),
		NewArray("el", Logical, []int{3, 0}, nil),
		NewArray("long_name_with_digits_0123456789_and_more_characters_to_63_abc", Uint8, []int{1, 1}, []float64{9}),
	}
}

// readBack checks that vars read back from data unchanged.
func readBack(t *testing.T, ctx string, data []byte, vars []*Var) *File {
	t.Helper()
	f, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", ctx, err)
	}
	if len(f.Vars) != len(vars) || len(f.Skipped) != 0 {
		t.Fatalf("%s: %d variables and %d skipped, want %d", ctx, len(f.Vars), len(f.Skipped), len(vars))
	}
	for i, v := range vars {
		w := want{v.Name, v.Class, v.Dims, v.Data, v.Str}
		switch {
		case v.Class == Char:
			if v.Str != "" && v.Dims[0] == 1 {
				w.dims = []int{1, utf16Len(v.Str)}
			}
		case v.Data == nil:
			w.data = []float64{}
		case v.Class == Single:
			w.data = f32(v.Data...)
		}
		checkVar(t, ctx, f.Vars[i], w)
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	vars := allClasses()
	for _, compress := range []bool{false, true} {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			ctx := order.String()
			if compress {
				ctx += " compressed"
			}
			p, err := newPlan(varEntries(vars), WriteOptions{Compress: compress, Header: "test header"}, order)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := p.writeTo(&buf); err != nil {
				t.Fatal(err)
			}
			f := readBack(t, ctx, buf.Bytes(), vars)
			if f.Header != "test header" || f.bigEndian != (order == binary.BigEndian) {
				t.Errorf("%s: header %q, big endian %v", ctx, f.Header, f.bigEndian)
			}
		}
	}
}

func TestWriteFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []*Var{NewScalar("a", Double, 1)}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !strings.HasPrefix(string(b), "MATLAB 5.0 MAT-file Platform: "+runtime.GOOS+", Created on: ") {
		t.Errorf("header %q", b[:116])
	}
	if string(b[124:128]) != "\x00\x01IM" {
		t.Errorf("version and endian % x", b[124:128])
	}
	if len(b) != 128+8+56 || binary.LittleEndian.Uint32(b[128:]) != miMATRIX {
		t.Errorf("unexpected layout: %d bytes", len(b))
	}
	buf.Reset()
	if err := Write(&buf, []*Var{NewScalar("a", Double, 1), NewScalar("b", Double, 2)}, WriteOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	b = buf.Bytes()
	if binary.LittleEndian.Uint32(b[128:]) != miCOMPRESSED {
		t.Errorf("first element has type %d, want miCOMPRESSED", binary.LittleEndian.Uint32(b[128:]))
	}
	second := 128 + 8 + int(binary.LittleEndian.Uint32(b[132:]))
	if binary.LittleEndian.Uint32(b[second:]) != miCOMPRESSED {
		t.Errorf("second element has type %d, want miCOMPRESSED", binary.LittleEndian.Uint32(b[second:]))
	}
}

func TestWriteErrors(t *testing.T) {
	ok := NewScalar("ok", Double, 1)
	cases := []struct {
		name string
		vars []*Var
		opt  WriteOptions
		msg  string
	}{
		{"empty name", []*Var{NewScalar("", Double, 1)}, WriteOptions{}, "not a valid MATLAB variable name"},
		{"digit first", []*Var{NewScalar("1a", Double, 1)}, WriteOptions{}, "not a valid"},
		{"underscore first", []*Var{NewScalar("_a", Double, 1)}, WriteOptions{}, "not a valid"},
		{"dash", []*Var{NewScalar("a-b", Double, 1)}, WriteOptions{}, "not a valid"},
		{"non-ASCII", []*Var{NewScalar("é", Double, 1)}, WriteOptions{}, "not a valid"},
		{"too long", []*Var{NewScalar(strings.Repeat("a", 64), Double, 1)}, WriteOptions{}, "not a valid"},
		{"duplicate", []*Var{ok, NewScalar("ok", Double, 2)}, WriteOptions{}, `"ok" given twice`},
		{"nil", []*Var{ok, nil}, WriteOptions{}, "nil variable"},
		{"class", []*Var{{Name: "a", Class: 0, Dims: []int{1, 1}, Data: []float64{1}}}, WriteOptions{}, "invalid class"},
		{"class 13", []*Var{{Name: "a", Class: 13, Dims: []int{1, 1}, Data: []float64{1}}}, WriteOptions{}, "invalid class"},
		{"1 dim", []*Var{{Name: "a", Class: Double, Dims: []int{1}, Data: []float64{1}}}, WriteOptions{}, "at least 2"},
		{"negative dim", []*Var{{Name: "a", Class: Double, Dims: []int{-1, -1}, Data: []float64{1}}}, WriteOptions{}, "negative"},
		{"huge dim", []*Var{{Name: "a", Class: Double, Dims: []int{1 << 31, 0}}}, WriteOptions{}, "too large"},
		{"too big", []*Var{{Name: "a", Class: Double, Dims: []int{1 << 30, 1 << 30}}}, WriteOptions{}, "values for dimensions"},
		{"data length", []*Var{{Name: "a", Class: Double, Dims: []int{2, 2}, Data: []float64{1}}}, WriteOptions{}, "1 values for dimensions 2x2"},
		{"int range", []*Var{NewMatrix("a", Int8, 1, 2, []float64{1, 128})}, WriteOptions{}, "value 128 at index 1 is not representable as int8"},
		{"uint negative", []*Var{NewScalar("a", Uint32, -1)}, WriteOptions{}, "not representable as uint32"},
		{"int NaN", []*Var{NewScalar("a", Int16, math.NaN())}, WriteOptions{}, "not representable"},
		{"int fraction", []*Var{NewScalar("a", Int64, 0.5)}, WriteOptions{}, "not representable"},
		{"uint64 2^65", []*Var{NewScalar("a", Uint64, 1<<65)}, WriteOptions{}, "not representable"},
		{"char rows", []*Var{{Name: "c", Class: Char, Dims: []int{2, 3}, Str: "abc"}}, WriteOptions{}, "2 rows but its text has 1 lines"},
		{"char ragged", []*Var{{Name: "c", Class: Char, Dims: []int{2, 3}, Str: "abc\nde"}}, WriteOptions{}, "equal lengths"},
		{"char 0 rows", []*Var{{Name: "c", Class: Char, Dims: []int{0, 3}, Str: "abc"}}, WriteOptions{}, "0 rows"},
		{"char N-D", []*Var{{Name: "c", Class: Char, Dims: []int{1, 2, 2}, Str: "abc"}}, WriteOptions{}, "need 4"},
		{"header", []*Var{ok}, WriteOptions{Header: strings.Repeat("h", 117)}, "header text is 117 bytes"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, c.vars, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.msg)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written despite the error", c.name, buf.Len())
		}
	}
	// Names at the limits are fine.
	var buf bytes.Buffer
	if err := Write(&buf, []*Var{NewScalar("a", Double, 1), NewScalar("Z_9", Int8, 1), NewScalar(strings.Repeat("b", 63), Double, 1)}, WriteOptions{}); err != nil {
		t.Error(err)
	}
}

func TestVarMethods(t *testing.T) {
	m := NewMatrix("m", Double, 2, 3, []float64{1, 2, 3, 4, 5, 6})
	if !reflect.DeepEqual(m.Data, []float64{1, 4, 2, 5, 3, 6}) {
		t.Errorf("column-major data %v", m.Data)
	}
	if m.Rows() != 2 || m.Cols() != 3 || m.Len() != 6 || m.At(1, 0) != 4 || m.At(0, 2) != 3 {
		t.Errorf("Rows %d Cols %d Len %d At(1,0) %v At(0,2) %v", m.Rows(), m.Cols(), m.Len(), m.At(1, 0), m.At(0, 2))
	}
	if got := m.RowMajor(); !reflect.DeepEqual(got, []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("RowMajor %v", got)
	}
	if _, err := m.Scalar(); err == nil || !strings.Contains(err.Error(), `"m" is a 2x3 double array, not a scalar`) {
		t.Errorf("Scalar error %v", err)
	}
	if x, err := NewScalar("s", Int8, -3).Scalar(); err != nil || x != -3 {
		t.Errorf("Scalar = %v, %v", x, err)
	}
	if _, err := NewString("c", "a").Scalar(); err == nil || !strings.Contains(err.Error(), "char") {
		t.Errorf("char Scalar error %v", err)
	}
	nd := NewArray("nd", Double, []int{2, 3, 4}, seq(0, 24))
	if nd.Rows() != 2 || nd.Cols() != 12 || nd.Len() != 24 || nd.At(1, 11) != 23 {
		t.Errorf("N-D view: %d x %d, At(1,11) = %v", nd.Rows(), nd.Cols(), nd.At(1, 11))
	}
	if rmj := nd.RowMajor(); rmj[1] != 2 || rmj[12] != 1 {
		t.Errorf("N-D RowMajor %v", rmj)
	}
	lg := NewLogical("l", 1, 3, []bool{true, false, true})
	if lg.Class != Logical || !reflect.DeepEqual(lg.Data, []float64{1, 0, 1}) {
		t.Errorf("NewLogical %+v", lg)
	}
	if e := NewString("e", ""); !reflect.DeepEqual(e.Dims, []int{0, 0}) {
		t.Errorf("NewString(\"\") dims %v, want 0x0 like MATLAB's ''", e.Dims)
	}
	s := NewString("s", "a😀")
	if !reflect.DeepEqual(s.Dims, []int{1, 3}) || s.Len() != 3 || s.RowMajor() != nil {
		t.Errorf("NewString dims %v", s.Dims)
	}
	var empty Var
	if empty.Rows() != 0 || empty.Cols() != 0 || empty.Len() != 0 {
		t.Error("zero Var has nonzero size")
	}
	for name, f := range map[string]func(){
		"NewMatrix length": func() { NewMatrix("a", Double, 2, 2, []float64{1}) },
		"NewMatrix char":   func() { NewMatrix("a", Char, 0, 0, nil) },
		"NewArray dims":    func() { NewArray("a", Double, []int{3}, []float64{1, 2, 3}) },
		"NewArray length":  func() { NewArray("a", Double, []int{1, 3}, []float64{1}) },
		"NewArray neg":     func() { NewArray("a", Double, []int{-1, -1}, []float64{1}) },
		"NewScalar class":  func() { NewScalar("a", 0, 1) },
		"NewLogical":       func() { NewLogical("a", 1, 2, nil) },
		"At range":         func() { m.At(2, 0) },
		"At negative":      func() { m.At(0, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestClassString(t *testing.T) {
	want := []string{"Class(0)", "double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "char", "logical",
		"cell", "struct", "object", "sparse", "function_handle", "unknown", "Class(19)"}
	for i, w := range want {
		if got := Class(i).String(); got != w {
			t.Errorf("Class(%d) = %q, want %q", i, got, w)
		}
	}
}

func copyFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUpdateFile(t *testing.T) {
	for _, fx := range fixtures[:6] {
		t.Run(fx.file, func(t *testing.T) {
			path := copyFixture(t, fx.file)
			before, err := readFile(path, true, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			newDbl := NewMatrix("dbl", Int16, 1, 2, []float64{7, 8})
			added := NewString("added", "new")
			for _, compress := range []bool{false, true} {
				if err := UpdateFile(path, []*Var{added, newDbl}, WriteOptions{Compress: compress}); err != nil {
					t.Fatal(err)
				}
			}
			after, err := readFile(path, true, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.bigEndian != before.bigEndian {
				t.Errorf("byte order changed")
			}
			if !reflect.DeepEqual(after.Skipped, before.Skipped) {
				t.Errorf("skipped %v, want %v", after.Skipped, before.Skipped)
			}
			if len(after.entries) != len(before.entries)+1 {
				t.Fatalf("%d entries, want %d", len(after.entries), len(before.entries)+1)
			}
			for i, e := range before.entries {
				a := after.entries[i]
				if a.name != e.name {
					t.Errorf("entry %d is %q, want %q", i, a.name, e.name)
				}
				if e.name == "dbl" {
					checkVar(t, "replaced", a.v, want{"dbl", Int16, []int{1, 2}, []float64{7, 8}, ""})
				} else if !bytes.Equal(a.raw, e.raw) {
					t.Errorf("entry %q changed", e.name)
				}
			}
			checkVar(t, "appended", after.entries[len(after.entries)-1].v, want{"added", Char, []int{1, 3}, nil, "new"})
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("permissions %v, want 0600 kept", st.Mode().Perm())
			}
		})
	}
	t.Run("new file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.mat")
		if err := UpdateFile(path, []*Var{NewScalar("a", Double, 1)}, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(path)
		if err != nil || len(f.Vars) != 1 {
			t.Fatalf("%v, %v", f, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		path := copyFixture(t, "scipy_v5.mat")
		orig, _ := os.ReadFile(path)
		for _, vars := range [][]*Var{
			{NewScalar("a", Double, 1), NewScalar("a", Double, 2)},
			{nil},
			{NewScalar("bad name", Double, 1)},
		} {
			if err := UpdateFile(path, vars, WriteOptions{}); err == nil {
				t.Errorf("UpdateFile(%v) succeeded", vars)
			}
		}
		bad := filepath.Join(t.TempDir(), "bad.mat")
		os.WriteFile(bad, orig[:500], 0o644)
		if err := UpdateFile(bad, []*Var{NewScalar("a", Double, 1)}, WriteOptions{}); err == nil {
			t.Error("UpdateFile of a truncated file succeeded")
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, orig) {
			t.Error("file changed by a failed update")
		}
		if now, _ := os.ReadFile(bad); !bytes.Equal(now, orig[:500]) {
			t.Error("truncated file changed by a failed update")
		}
		checkNoTemp(t, filepath.Dir(path))
	})
}

// failingWriter fails after n bytes.
type failingWriter struct {
	w io.Writer
	n int
}

var errInjected = errors.New("injected write failure")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, errInjected
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func checkNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.mat")
	if err := WriteFile(path, []*Var{NewScalar("a", Double, 1)}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("new file has permissions %v", st.Mode().Perm())
	}
	big := NewArray("big", Double, []int{1000, 100}, make([]float64, 100000))

	// A write error in the middle of the file.
	testHookWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, n: 300000} }
	err = WriteFile(path, []*Var{big}, WriteOptions{})
	testHookWriter = nil
	if !errors.Is(err, errInjected) {
		t.Errorf("got %v, want the injected error", err)
	}
	// An invalid variable.
	if err := WriteFile(path, []*Var{big, NewScalar("a", Int8, 1000)}, WriteOptions{}); err == nil {
		t.Error("invalid variable accepted")
	}
	// UpdateFile failing mid-write.
	testHookWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, n: 200} }
	err = UpdateFile(path, []*Var{big}, WriteOptions{Compress: true})
	testHookWriter = nil
	if !errors.Is(err, errInjected) {
		t.Errorf("got %v, want the injected error", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, orig) {
		t.Error("file changed by failed writes")
	}
	checkNoTemp(t, dir)

	// Writing through a symbolic link replaces the target.
	link := filepath.Join(dir, "link.mat")
	if err := os.Symlink("model.mat", link); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := WriteFile(link, []*Var{NewScalar("b", Double, 2)}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("symlink replaced by a file")
	}
	if f, err := ReadFile(path); err != nil || f.Get("b") == nil {
		t.Errorf("target not updated: %v", err)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.mat"), nil, WriteOptions{}); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// --- hand-made malformed files ---

type builder struct{ p plan }

func newBuilder(order binary.ByteOrder) *builder { return &builder{plan{order: order}} }

func (b *builder) el(typ uint32, data []byte) []byte {
	var buf bytes.Buffer
	b.p.dataElement(&buf, typ, data)
	return buf.Bytes()
}

func (b *builder) u32s(xs ...uint32) []byte {
	out := make([]byte, 4*len(xs))
	for i, x := range xs {
		b.p.order.PutUint32(out[4*i:], x)
	}
	return out
}

// tagged returns a regular element with an explicit declared size.
func (b *builder) tagged(typ, size uint32, data []byte) []byte {
	return append(b.u32s(typ, size), data...)
}

func (b *builder) matrix(parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return b.tagged(miMATRIX, uint32(len(body)), body)
}

func (b *builder) file(elems ...[]byte) []byte {
	hdr := make([]byte, headerLen)
	copy(hdr, "MATLAB 5.0 MAT-file test")
	b.p.order.PutUint16(hdr[124:], 0x0100)
	b.p.order.PutUint16(hdr[126:], 'M'<<8|'I')
	return append(hdr, bytes.Join(elems, nil)...)
}

func zlibBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func TestMalformed(t *testing.T) {
	b := newBuilder(binary.LittleEndian)
	flags := b.el(miUINT32, b.u32s(mxDOUBLE, 0))
	dims12 := b.el(miINT32, b.u32s(1, 2))
	name := b.el(miINT8, []byte("x"))
	data2 := b.el(miDOUBLE, make([]byte, 16))
	good := b.matrix(flags, dims12, name, data2)
	if f, err := Read(bytes.NewReader(b.file(good))); err != nil || len(f.Vars) != 1 {
		t.Fatalf("baseline: %v", err)
	}
	bigMatrix := b.matrix(flags, b.el(miINT32, b.u32s(1000, 1000)), name, b.el(miDOUBLE, make([]byte, 8e6)))
	corrupt := zlibBytes(good)
	corrupt[len(corrupt)-1] ^= 0xff // break the checksum

	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "file too short"},
		{"short header", make([]byte, 100), "file too short"},
		{"v4", make([]byte, 200), "not a Level 5 MAT-file"},
		{"v7.3", func() []byte {
			f := b.file()
			f[124] = 0
			f[125] = 2
			return f
		}(), "version 7.3"},
		{"version", func() []byte { f := b.file(); f[125] = 9; return f }(), "unsupported MAT-file version"},
		{"partial tag", append(b.file(), 14, 0, 0), "truncated element tag"},
		{"small at top", b.file(b.el(miINT8, []byte("ab"))), "small data element"},
		{"top type", b.file(b.el(miDOUBLE, make([]byte, 8))), "top-level element of data type 9"},
		{"huge element", b.file(b.tagged(miMATRIX, 0xfffffff0, make([]byte, 100))), "declares 4294967280 bytes, only 100 present"},
		{"empty matrix", b.file(b.matrix()), "matrix ends before its array flags"},
		{"flags type", b.file(b.matrix(b.el(miDOUBLE, make([]byte, 8)))), "array flags: data type 9"},
		{"flags short", b.file(b.matrix(b.el(miUINT32, []byte{6, 0}))), "array flags"},
		{"no dims", b.file(b.matrix(flags)), "before its dimensions"},
		{"sub-element size", b.file(b.matrix(flags, b.tagged(miINT32, 1000, nil))), "truncated dimensions: declares 1000 bytes, only 0 remain"},
		{"sub-element tag", b.file(b.matrix(flags, []byte{1, 2, 3, 4})), "truncated dimensions: 4 bytes left"},
		{"small too big", b.file(b.matrix(flags, b.u32s(9<<16|miINT32, 0))), "small data element declares 9 bytes"},
		{"dims type", b.file(b.matrix(flags, b.el(miDOUBLE, make([]byte, 16)), name, data2)), "dimensions: data type 9"},
		{"one dim", b.file(b.matrix(flags, b.el(miINT32, b.u32s(2)), name, data2)), "1 entries, need at least 2"},
		{"negative dim", b.file(b.matrix(flags, b.el(miINT32, b.u32s(1, 0xffffffff)), name, data2)), "negative dimension -1"},
		{"overflow", b.file(b.matrix(flags, b.el(miINT32, b.u32s(0x7fffffff, 0x7fffffff, 0x7fffffff)), name, data2)), "overflow"},
		{"no name", b.file(b.matrix(flags, dims12)), "before its array name"},
		{"name type", b.file(b.matrix(flags, dims12, b.el(miDOUBLE, make([]byte, 8)), data2)), "array name: data type 9"},
		{"no data", b.file(b.matrix(flags, dims12, name)), `variable "x": matrix ends before its data`},
		{"data count", b.file(b.matrix(flags, dims12, name, b.el(miDOUBLE, make([]byte, 24)))), "data has 3 values, dimensions need 2"},
		{"data bytes", b.file(b.matrix(flags, dims12, name, b.el(miDOUBLE, make([]byte, 12)))), "not a whole number of 8-byte values"},
		{"data type", b.file(b.matrix(flags, dims12, name, b.el(miMATRIX, make([]byte, 16)))), "not a numeric data type"},
		{"char count", b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), dims12, name, b.el(miUTF8, []byte("abc")))), "char data has 3 characters, dimensions need 2"},
		{"char bytes", b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), dims12, name, b.el(miUTF8, []byte("\xff\xfe\xfd")))), "char data: 3 bytes for 2 characters"},
		{"char utf16", b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), dims12, name, b.el(miUTF16, []byte("abc")))), "not a whole number of UTF-16"},
		{"char units", b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), dims12, name, b.el(miUTF16, []byte("abcdef")))), "3 characters, dimensions need 2"},
		{"char type", b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), dims12, name, b.el(miCOMPRESSED, []byte("abcdef")))), "not a numeric data type"},
		{"bad zlib", b.file(b.tagged(miCOMPRESSED, 4, []byte("abcd"))), "invalid zlib stream"},
		{"zlib short", b.file(b.tagged(miCOMPRESSED, uint32(len(zlibBytes([]byte{14, 0}))), zlibBytes([]byte{14, 0}))), "inside the element tag"},
		{"zlib type", b.file(b.tagged(miCOMPRESSED, uint32(len(zlibBytes(data2))), zlibBytes(data2))), "compressed element holds data type 9"},
		{"zlib declared", func() []byte {
			z := zlibBytes(b.tagged(miMATRIX, 1000, flags))
			return b.file(b.tagged(miCOMPRESSED, uint32(len(z)), z))
		}(), "compressed matrix declares 1000 bytes, only 16 present"},
		{"zlib checksum", b.file(b.tagged(miCOMPRESSED, uint32(len(corrupt)), corrupt)), "corrupt compressed data"},
		{"zlib inner error", func() []byte {
			z := zlibBytes(b.matrix(flags, b.el(miINT32, b.u32s(1, 0xffffffff)), name, data2))
			return b.file(b.tagged(miCOMPRESSED, uint32(len(z)), z))
		}(), "offset 128 (compressed element), decompressed offset 24: dimensions: negative dimension"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.data))
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want a FormatError containing %q", c.name, err, c.msg)
		}
	}
	// Over the read budget: a *LimitError.
	z := zlibBytes(bigMatrix)
	_, err := ReadWith(bytes.NewReader(b.file(b.tagged(miCOMPRESSED, uint32(len(z)), z))), ReadOptions{MaxBytes: 1e6})
	var le *LimitError
	if want := `matfile: offset 128: variable "x" declares 1000 x 1000 double (7.6 MiB in memory), over the 976.6 KiB read budget (matfile.ReadOptions.MaxBytes)`; !errors.As(err, &le) || err.Error() != want {
		t.Errorf("zlib limit: got %v, want a LimitError %q", err, want)
	}
	// Error messages give the file offset of the bad sub-element.
	_, err = Read(bytes.NewReader(b.file(good, b.matrix(flags, dims12, name, b.el(miDOUBLE, make([]byte, 24))))))
	if want := fmt.Sprintf("matfile: offset %d: variable \"x\": data has 3 values", 128+len(good)+8+16+16+8); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want prefix %q", err, want)
	}
}

// TestNoHugeAllocation checks that sizes declared in the file are not
// trusted for allocation before the data is seen.
func TestNoHugeAllocation(t *testing.T) {
	b := newBuilder(binary.LittleEndian)
	flags := b.el(miUINT32, b.u32s(mxDOUBLE, 0))
	name := b.el(miINT8, []byte("x"))
	z := zlibBytes(b.tagged(miMATRIX, 0x3ffffff0, flags))
	inputs := map[string][]byte{
		"element":    b.file(b.tagged(miMATRIX, 0xfffffff0, make([]byte, 100))),
		"compressed": b.file(b.tagged(miCOMPRESSED, uint32(len(z)), z)),
		"dims":       b.file(b.matrix(flags, b.el(miINT32, b.u32s(0x7fffffff, 0x7fffffff)), name, b.el(miDOUBLE, make([]byte, 16)))),
		"char dims":  b.file(b.matrix(b.el(miUINT32, b.u32s(mxCHAR, 0)), b.el(miINT32, b.u32s(0x7fffffff, 0x7fffffff)), name, b.el(miUTF16, make([]byte, 16)))),
	}
	for what, data := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: no error", what)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte input (%v)", what, n, len(data), err)
		}
	}
}

// TestSubsystemData checks that MATLAB's subsystem data element (the
// nameless element the header's offset at byte 116 points to) is neither a
// variable nor lost, and that UpdateFile moves the offset with it.
func TestSubsystemData(t *testing.T) {
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		b := newBuilder(order)
		x := b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), b.el(miINT32, b.u32s(1, 1)), b.el(miINT8, []byte("x")), b.el(miDOUBLE, make([]byte, 8)))
		sub := b.matrix(b.el(miUINT32, b.u32s(mxUINT8, 0)), b.el(miINT32, b.u32s(1, 8)), b.el(miINT8, nil), b.el(miUINT8, []byte("MCOSdata")))
		data := b.file(x, sub)
		order.PutUint64(data[116:], uint64(headerLen+len(x)))
		path := filepath.Join(t.TempDir(), "objects.mat")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Vars) != 1 || len(f.Skipped) != 0 {
			t.Fatalf("%d variables, skipped %q", len(f.Vars), f.Skipped)
		}
		if err := UpdateFile(path, []*Var{NewArray("x", Double, []int{1, 100}, make([]float64, 100)), NewScalar("y", Int8, 1)}, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		g, err := readFile(path, true, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Vars) != 2 || len(g.Skipped) != 0 || len(g.entries) != 3 || !g.entries[2].subsys || !bytes.Equal(g.entries[2].raw, sub) {
			t.Errorf("%v: after update: %d variables, skipped %q, entries %+v", order, len(g.Vars), g.Skipped, g.entries)
		}
		// Without the offset, a nameless element is skipped.
		order.PutUint64(data[116:], 0)
		f, err = Read(bytes.NewReader(data))
		if err != nil || len(f.Vars) != 1 || len(f.Skipped) != 1 || f.Skipped[0] != "" {
			t.Errorf("nameless element: %v, %+v", err, f)
		}
	}
}

// TestExactUint64: 64-bit integers beyond 2^53 survive a round trip.
func TestExactUint64(t *testing.T) {
	for _, u := range []uint64{0, 1, 1<<53 + 1, 9007199254740993, math.MaxUint64} {
		for _, compress := range []bool{false, true} {
			var buf bytes.Buffer
			if err := Write(&buf, []*Var{NewUint64("seed", u)}, WriteOptions{Compress: compress}); err != nil {
				t.Fatal(err)
			}
			f, err := Read(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := f.Get("seed").Uint64()
			if !ok || got != u {
				t.Errorf("%d (compress %v) came back as %d (%v)", u, compress, got, ok)
			}
		}
	}
}
