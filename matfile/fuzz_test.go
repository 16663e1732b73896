package matfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzBudget is the read budget of the fuzz targets: small, so that no input
// can make an iteration allocate or inflate much.
const fuzzBudget = 64 << 10

func FuzzRead(f *testing.F) {
	for _, data := range fixtureData(f) {
		f.Add(data)
		for _, n := range []int{0, 64, 128, 131, 136, 200, len(data) / 3, len(data) / 2, len(data) - 1} {
			if n <= len(data) {
				f.Add(data[:n])
			}
		}
	}
	var buf bytes.Buffer
	for _, compress := range []bool{false, true} {
		buf.Reset()
		if err := Write(&buf, allClasses()[:6], WriteOptions{Compress: compress, Header: "fuzz"}); err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.Clone(buf.Bytes()))
	}
	for _, h := range hostileFiles(false) {
		if len(h.data) <= 4096 { // large inputs make minimization slow
			f.Add(h.data)
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		opt := ReadOptions{MaxBytes: fuzzBudget}
		plain, perr := ReadWith(bytes.NewReader(data), opt)
		// As UpdateFile reads: the raw bytes of every element are kept.
		file, err := read(bytes.NewReader(data), int64(len(data)), true, opt)
		for _, e := range []error{perr, err} {
			if e == nil {
				continue
			}
			var fe *FormatError
			var le *LimitError
			if !errors.As(e, &fe) && !errors.As(e, &le) {
				t.Fatalf("error is neither a *FormatError nor a *LimitError: %v", e)
			}
		}
		if perr != nil {
			if plain != nil {
				t.Fatal("file returned with an error")
			}
			if err == nil {
				t.Fatalf("read with raw bytes succeeded, plain read failed: %v", perr)
			}
			return
		}
		if msg := checkFile(plain); msg != "" {
			t.Fatal(msg)
		}
		if err != nil {
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("plain read succeeded, read with raw bytes failed: %v", err)
			}
			return // the raw bytes count against the budget too
		}
		if len(file.Vars) != len(plain.Vars) || len(file.Unsupported) != len(plain.Unsupported) || !slices.Equal(file.Skipped, plain.Skipped) {
			t.Fatalf("raw read differs: %d vars, %d unsupported, skipped %q; plain: %d, %d, %q",
				len(file.Vars), len(file.Unsupported), file.Skipped, len(plain.Vars), len(plain.Unsupported), plain.Skipped)
		}
		var mem int64
		for _, v := range plain.Vars {
			mem += 8 * int64(v.Len())
		}
		if mem > fuzzBudget {
			t.Fatalf("%d bytes of values read with a budget of %d", mem, fuzzBudget)
		}

		// Writing back, as UpdateFile does (skipped variables verbatim,
		// the others re-encoded when they are valid for writing), must
		// give a file that reads back the same.
		var entries []entry
		var kept []*Var
		seen := map[string]bool{}
		vi := 0
		for _, e := range file.entries {
			if e.v == nil {
				entries = append(entries, e)
				continue
			}
			v := file.Vars[vi]
			vi++
			if seen[v.Name] {
				continue
			}
			if _, err := prepare(v); err != nil {
				continue
			}
			seen[v.Name] = true
			entries = append(entries, entry{name: v.Name, v: v})
			kept = append(kept, v)
		}
		var order binary.ByteOrder = binary.LittleEndian
		if file.bigEndian {
			order = binary.BigEndian
		}
		// (Uncompressed only: a zlib writer costs about 1 MB, and the
		// compressed writer is fuzzed by FuzzWrite.)
		{
			p, err := newPlan(entries, WriteOptions{Header: "fuzz"}, order)
			if err != nil {
				t.Fatalf("newPlan: %v", err)
			}
			var out bytes.Buffer
			if err := p.writeTo(&out); err != nil {
				t.Fatal(err)
			}
			again, err := ReadWith(bytes.NewReader(out.Bytes()), ReadOptions{MaxBytes: 4 * fuzzBudget})
			if err != nil {
				t.Fatalf("reading the rewritten file: %v", err)
			}
			if len(again.Vars) != len(kept) || len(again.Skipped) != len(file.Skipped) {
				t.Fatalf("rewritten file has %d variables and %d skipped, want %d and %d", len(again.Vars), len(again.Skipped), len(kept), len(file.Skipped))
			}
			for i, v := range kept {
				g := again.Vars[i]
				if g.Name != v.Name || g.Class != v.Class || g.Str != v.Str || !sameFloats(g.Data, v.Data) {
					t.Fatalf("variable %q changed: %+v, was %+v", v.Name, g, v)
				}
				if v.Class != Char && !slices.Equal(g.Dims, v.Dims) {
					t.Fatalf("variable %q: dims %v, were %v", v.Name, g.Dims, v.Dims)
				}
			}
			if len(again.Unsupported) != len(file.Unsupported) {
				t.Fatalf("rewritten file has %d unsupported variables, want %d", len(again.Unsupported), len(file.Unsupported))
			}
			for i, v := range file.Unsupported {
				g := again.Unsupported[i]
				if g.Name != v.Name || g.Kind() != v.Kind() || !slices.Equal(g.Dims, v.Dims) {
					t.Fatalf("unsupported variable %q changed: %+v, was %+v", v.Name, g, v)
				}
			}
		}
	})
}

// FuzzWrite writes a numeric variable of any class and shape and a text
// variable, and checks that they read back unchanged.
func FuzzWrite(f *testing.F) {
	f.Add(uint8(Double), uint8(2), uint8(3), []byte("\x00\x00\x00\x00\x00\x00\xf8\x3f"), "hello", false)
	f.Add(uint8(Int64), uint8(1), uint8(4), []byte("\xff\xff\xff\xff\xff\xff\xff\x7f\x01"), "µé→😀", true)
	f.Add(uint8(Logical), uint8(3), uint8(0), []byte{}, "two\nlines", false)
	f.Add(uint8(Single), uint8(5), uint8(1), []byte("\x00\x00\x80\x7f\x00\x00\xc0\x7f"), "", true)
	f.Fuzz(func(t *testing.T, class, rows, cols uint8, raw []byte, text string, compress bool) {
		c := Class(class%uint8(Logical) + 1)
		if c == Char {
			c = Uint8
		}
		r, k := int(rows%17), int(cols%17)
		data := make([]float64, r*k)
		for i := range data {
			var w [8]byte
			for j := range w {
				if len(raw) > 0 {
					w[j] = raw[(8*i+j)%len(raw)]
				}
			}
			data[i] = convertValue(c, math.Float64frombits(binary.LittleEndian.Uint64(w[:])))
			if c != Double && c != Single {
				data[i] += 0 // integers have no -0
			}
		}
		text = strings.ToValidUTF8(text, "?")
		vars := []*Var{NewArray("x", c, []int{r, k}, data), NewString("s", text)}
		var buf bytes.Buffer
		if err := Write(&buf, vars, WriteOptions{Compress: compress, Header: "fuzz"}); err != nil {
			t.Fatal(err)
		}
		f, err := ReadWith(bytes.NewReader(buf.Bytes()), ReadOptions{MaxBytes: fuzzBudget})
		if err != nil {
			t.Fatal(err)
		}
		x, s := f.Get("x"), f.Get("s")
		if x == nil || s == nil || len(f.Vars) != 2 || len(f.Unsupported) != 0 {
			t.Fatalf("read back %+v", f.Vars)
		}
		if x.Class != c || !slices.Equal(x.Dims, []int{r, k}) || !sameFloats(x.Data, data) {
			t.Fatalf("x: %v %v %v, wrote %v %v %v", x.Class, x.Dims, x.Data, c, []int{r, k}, data)
		}
		if s.Str != text || s.Len() != utf16Len(text) || text == "" && !slices.Equal(s.Dims, []int{0, 0}) {
			t.Fatalf("s: %q %v, wrote %q", s.Str, s.Dims, text)
		}
		if !utf8.ValidString(s.Str) {
			t.Fatalf("invalid UTF-8 read back: %q", s.Str)
		}
	})
}
