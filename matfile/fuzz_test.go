package matfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.mat"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
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
		f.Add(append([]byte(nil), buf.Bytes()...))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FormatError: %v", err)
			}
			if file != nil {
				t.Fatal("file returned with an error")
			}
			return
		}
		for _, v := range file.Vars {
			n, err := dimsProduct(v.Dims)
			if err != nil || len(v.Dims) < 2 || !v.Class.valid() {
				t.Fatalf("bad variable %q: class %v dims %v (%v)", v.Name, v.Class, v.Dims, err)
			}
			if v.Class == Char && v.Data != nil || v.Class != Char && len(v.Data) != n {
				t.Fatalf("variable %q: %d values for dims %v", v.Name, len(v.Data), v.Dims)
			}
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
		for _, compress := range []bool{false, true} {
			p, err := newPlan(entries, WriteOptions{Compress: compress, Header: "fuzz"}, order)
			if err != nil {
				t.Fatalf("newPlan: %v", err)
			}
			var out bytes.Buffer
			if err := p.writeTo(&out); err != nil {
				t.Fatal(err)
			}
			again, err := Read(bytes.NewReader(out.Bytes()))
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
				if v.Class != Char && !equalInts(g.Dims, v.Dims) {
					t.Fatalf("variable %q: dims %v, were %v", v.Name, g.Dims, v.Dims)
				}
			}
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
