package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// zeroStream returns a zlib stream (best compression) of prefix followed by
// n zero bytes. It is built in time proportional to n/1 MiB: the deflate
// blocks that code one MiB of zeros after a window of zeros are repeated.
func zeroStream(prefix []byte, n int64) []byte {
	const mib = 1 << 20
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zeros := make([]byte, mib)
	zw.Write(prefix)
	k := n / mib
	zw.Write(zeros[:n%mib])
	if k > 0 {
		zw.Write(zeros) // the window is all zeros from here on
		zw.Flush()
		k--
	}
	if k > 0 {
		start := buf.Len()
		zw.Write(zeros)
		zw.Flush()
		block := bytes.Clone(buf.Bytes()[start:])
		for ; k > 1; k-- {
			buf.Write(block)
		}
	}
	zw.Flush()
	buf.Write([]byte{3, 0}) // final empty fixed-Huffman block
	sum := adler32.Checksum(prefix)
	a, b := uint64(sum&0xffff), uint64(sum>>16)
	b = (b + uint64(n%65521)*a) % 65521
	return binary.BigEndian.AppendUint32(buf.Bytes(), uint32(b<<16|a))
}

func TestZeroStream(t *testing.T) {
	for _, n := range []int64{0, 5, 1 << 20, 3<<20 + 7} {
		z := zeroStream([]byte("head"), n)
		zr, err := zlib.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || int64(len(got)) != 4+n || string(got[:4]) != "head" || bytes.ContainsFunc(got[4:], func(r rune) bool { return r != 0 }) {
			t.Fatalf("n=%d: %d bytes, %v", n, len(got), err)
		}
	}
}

// hostile is a crafted file and the error reading it must give.
type hostile struct {
	name  string
	data  []byte
	opt   ReadOptions
	limit bool   // the error is a *LimitError (else a *FormatError)
	want  string // substring of the error
}

// compressedFile returns a file holding one compressed element.
func compressedFile(b *builder, z []byte) []byte {
	return b.file(b.tagged(miCOMPRESSED, uint32(len(z)), z))
}

// int8Bomb returns a file with one compressed variable "w" of rows x cols
// int8 zeros, whose stream really inflates to them.
func int8Bomb(b *builder, rows, cols uint32) []byte {
	n := int64(rows) * int64(cols)
	head := bytes.Join([][]byte{
		b.el(miUINT32, b.u32s(mxINT8, 0)),
		b.el(miINT32, b.u32s(rows, cols)),
		b.el(miINT8, []byte("w")),
	}, nil)
	pad := (8 - n%8) % 8
	prefix := bytes.Join([][]byte{b.u32s(miMATRIX, uint32(int64(len(head))+8+n+pad)), head, b.u32s(miINT8, uint32(n))}, nil)
	return compressedFile(b, zeroStream(prefix, n+pad))
}

// hostileFiles returns the crafted files. With big, the zip bombs inflate
// to 256 MiB and 1 GiB (from about 265 KB and 1 MB); otherwise they are
// scaled down (for fuzz seeds).
func hostileFiles(big bool) []hostile {
	b := newBuilder(binary.LittleEndian)
	dflags := b.el(miUINT32, b.u32s(mxDOUBLE, 0))
	name := b.el(miINT8, []byte("w"))
	small := ReadOptions{MaxBytes: 1 << 20}
	var bombRows, bigBombRows uint32 = 1 << 14, 1 << 15 // 256 MiB and 1 GiB of int8
	var trailing int64 = 1 << 30
	if !big {
		bombRows, bigBombRows, trailing = 1<<10, 1<<11, 1<<20
	}
	bomb := int8Bomb(b, bombRows, bombRows)
	scalar := b.matrix(dflags, b.el(miINT32, b.u32s(1, 1)), name, b.el(miDOUBLE, make([]byte, 8)))
	cs := []hostile{
		{"int8 bomb", bomb, ReadOptions{}, true, fmt.Sprintf(`variable "w" declares %d x %d int8 (%s in memory), over the 1 GiB read budget (matfile.ReadOptions.MaxBytes)`, bombRows, bombRows, sizeString(8*float64(bombRows)*float64(bombRows)))},
		{"int8 bomb, small budget", bomb, small, true, "over the 1 MiB read budget"},
		{"big int8 bomb", int8Bomb(b, bigBombRows, bigBombRows), ReadOptions{}, true, fmt.Sprintf(`declares %d x %d int8 (%s in memory)`, bigBombRows, bigBombRows, sizeString(8*float64(bigBombRows)*float64(bigBombRows)))},
		{"truncated bomb", bomb[:len(bomb)/2], ReadOptions{}, false, fmt.Sprintf(`variable "w": truncated element: declares %d bytes, only %d present`, len(bomb)-headerLen-8, len(bomb)/2-headerLen-8)},
		{"dims past 2^63", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(0x7fffffff, 0x7fffffff, 0x7fffffff)), name, b.el(miDOUBLE, make([]byte, 8)))), ReadOptions{}, false,
			`variable "w": dimensions 2147483647 x 2147483647 x 2147483647: the number of elements overflows int64`},
		{"64 dims of 2", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(repeat(2, 64)...)), name)), ReadOptions{}, false, "overflows int64"},
		{"dims 2^62 elements", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(0x7fffffff, 0x7fffffff)), name, b.el(miDOUBLE, make([]byte, 8)))), ReadOptions{}, true,
			`declares 2147483647 x 2147483647 double (32 EiB in memory), over the 1 GiB read budget`},
		{"too many dims", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(repeat(1, 2000)...)), name)), ReadOptions{}, false, "dimensions: 2000 entries, at most 1024 supported"},
		{"trailing bomb", compressedFile(b, zeroStream(scalar, trailing)), small, true, `variable "w" has compressed data that inflates past the 1 MiB read budget`},
		{"data count", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(1, 1)), name, b.tagged(miDOUBLE, 1<<28, nil))), ReadOptions{}, false, "truncated data: declares 268435456 bytes, only 0 remain in the matrix"},
		{"data count compressed", compressedFile(b, zeroStream(bytes.Join([][]byte{b.u32s(miMATRIX, 56+1<<28), dflags, b.el(miINT32, b.u32s(1, 1)), name, b.u32s(miDOUBLE, 1<<28)}, nil), 1<<20)), ReadOptions{}, false,
			`variable "w": data has 33554432 values, dimensions need 1`},
		{"nested compressed", compressedFile(b, zlibBytes(b.tagged(miCOMPRESSED, 20, zlibBytes(scalar)))), ReadOptions{}, false, "compressed element holds data type 15, want miMATRIX"},
		{"compressed data element", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(1, 1)), name, b.tagged(miCOMPRESSED, uint32(len(zlibBytes(make([]byte, 8)))), zlibBytes(make([]byte, 8))))), ReadOptions{}, false, "data of type 15, which is not a numeric data type"},
		{"name length", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(1, 1)), b.tagged(miINT8, 1<<30, nil))), ReadOptions{}, false, "truncated array name: declares 1073741824 bytes"},
		{"name length present", b.file(b.matrix(dflags, b.el(miINT32, b.u32s(1, 1)), b.el(miINT8, bytes.Repeat([]byte("n"), 5000)))), ReadOptions{}, false, "array name: 5000 bytes, at most 4096 supported"},
		{"element length", b.file(b.tagged(miMATRIX, 0xfffffff8, scalar[8:])), ReadOptions{}, false, fmt.Sprintf(`variable "w": truncated element: declares 4294967288 bytes, only %d present`, len(scalar)-8)},
	}
	// Many variables that compress to almost nothing but take memory: a
	// long name and 1024 dimensions each.
	one := zlibBytes(b.matrix(dflags, b.el(miINT32, make([]byte, 4*maxDims)), b.el(miINT8, bytes.Repeat([]byte("v"), maxNameBytes))))
	nvars := 8
	if big {
		nvars = 20000
	}
	many := make([][]byte, nvars)
	for i := range many {
		many[i] = b.tagged(miCOMPRESSED, uint32(len(one)), one)
	}
	cs = append(cs, hostile{"many variables", b.file(many...), small, true, "brings the memory used by the file's variables past the 1 MiB read budget"})
	return cs
}

func repeat(x uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = x
	}
	return out
}

// opaqueReader hides the length of its reader, so that the reader cannot
// know how many bytes are present.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// readMeasured reads data and returns the result with the bytes allocated
// meanwhile (TotalAlloc, an upper bound of the heap growth) and the growth
// of the heap in use.
func readMeasured(data []byte, opt ReadOptions, opaque bool) (f *File, err error, total uint64, inuse int64) {
	runtime.GC()
	return readMeasuredNoGC(data, opt, opaque)
}

// readMeasuredNoGC is readMeasured without a garbage collection first
// (faster; the heap growth is meaningless).
func readMeasuredNoGC(data []byte, opt ReadOptions, opaque bool) (f *File, err error, total uint64, inuse int64) {
	var r io.Reader = bytes.NewReader(data)
	if opaque {
		r = opaqueReader{r}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err = ReadWith(r, opt)
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(f)
	return f, err, after.TotalAlloc - before.TotalAlloc, int64(after.HeapInuse) - int64(before.HeapInuse)
}

// TestHostileFiles reads crafted files, checks the errors and measures the
// memory allocated: at most a few MiB, whatever the budget, since every
// hostile size is rejected before its data is read.
func TestHostileFiles(t *testing.T) {
	for _, c := range hostileFiles(true) {
		for _, opaque := range []bool{false, true} {
			start := time.Now()
			_, err, total, inuse := readMeasured(c.data, c.opt, opaque)
			elapsed := time.Since(start)
			var le *LimitError
			var fe *FormatError
			switch {
			case err == nil:
				t.Errorf("%s: no error", c.name)
				continue
			case opaque && strings.Contains(c.name, "truncated"):
				// The length is unknown: the budget may be hit first.
				if !errors.As(err, &le) && !errors.As(err, &fe) {
					t.Errorf("%s: error %T: %v", c.name, err, err)
				}
			case c.limit && !errors.As(err, &le), !c.limit && !errors.As(err, &fe):
				t.Errorf("%s: error %T: %v", c.name, err, err)
			case !strings.Contains(err.Error(), c.want):
				t.Errorf("%s (opaque reader %v): got %q, want %q", c.name, opaque, err, c.want)
			}
			t.Logf("%-24s %8d-byte file, opaque reader %-5v: allocated %6.2f MiB, heap in use %+6.2f MiB, %v: %v",
				c.name, len(c.data), opaque, float64(total)/(1<<20), float64(inuse)/(1<<20), elapsed.Round(time.Millisecond), err)
			if total > 8<<20 {
				t.Errorf("%s: allocated %d bytes", c.name, total)
			}
		}
	}
}

// TestTrailingBombDefaultBudget checks that a compressed stream that
// inflates without end after a small variable stops at the default budget
// (1 GiB inflated, about a second) without holding memory.
func TestTrailingBombDefaultBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 1 GiB")
	}
	b := newBuilder(binary.BigEndian)
	scalar := b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), b.el(miINT32, b.u32s(1, 1)), b.el(miINT8, []byte("w")), b.el(miDOUBLE, make([]byte, 8)))
	data := compressedFile(b, zeroStream(scalar, 4<<30))
	start := time.Now()
	_, err, total, _ := readMeasured(data, ReadOptions{}, false)
	var le *LimitError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "inflates past the 1 GiB read budget") {
		t.Fatalf("got %v", err)
	}
	t.Logf("%d-byte file inflating to 4 GiB: stopped after %v, allocated %.2f MiB: %v", len(data), time.Since(start).Round(time.Millisecond), float64(total)/(1<<20), err)
	if total > 4<<20 {
		t.Errorf("allocated %d bytes", total)
	}
}

// TestBudget checks that a large valid variable is read with memory close
// to its size in memory, and that a budget a little short fails before
// reading.
func TestBudget(t *testing.T) {
	b := newBuilder(binary.LittleEndian)
	const rows, cols = 2048, 4096 // 8 Mi int8 elements: 64 MiB in memory
	const need = 8 * rows * cols
	data := int8Bomb(b, rows, cols)
	for _, opaque := range []bool{false, true} {
		f, err, total, _ := readMeasured(data, ReadOptions{MaxBytes: need + varOverhead + 64}, opaque)
		if err != nil {
			t.Fatal(err)
		}
		v := f.Get("w")
		if v == nil || v.Len() != rows*cols || v.Class != Int8 {
			t.Fatalf("got %+v", f.Vars)
		}
		t.Logf("valid %d x %d int8 (%d-byte file, 64 MiB in memory), budget 64 MiB, opaque reader %v: allocated %.2f MiB", rows, cols, len(data), opaque, float64(total)/(1<<20))
		limit := uint64(need + 2<<20)
		if opaque {
			limit = need*2 + 2<<20 // the data grows as it arrives
		}
		if total > limit {
			t.Errorf("opaque %v: allocated %d bytes, want at most %d", opaque, total, limit)
		}
		_, err, total, _ = readMeasured(data, ReadOptions{MaxBytes: need}, opaque)
		var le *LimitError
		if !errors.As(err, &le) || total > 2<<20 {
			t.Errorf("budget short: allocated %d bytes, %v", total, err)
		}
	}
	// The budget is for the whole file: two variables of 40 MiB each do
	// not fit in 64 MiB.
	two := b.file(b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), b.el(miINT32, b.u32s(1, 5<<20)), b.el(miINT8, []byte("a")), b.el(miDOUBLE, make([]byte, 40<<20))),
		b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), b.el(miINT32, b.u32s(1, 5<<20)), b.el(miINT8, []byte("b")), b.el(miDOUBLE, make([]byte, 40<<20))))
	_, err := ReadWith(bytes.NewReader(two), ReadOptions{MaxBytes: 64 << 20})
	if want := `variable "b" declares 1 x 5242880 double (40 MiB in memory), over the 64 MiB read budget (40 MiB of it already used)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
	if _, err := ReadWith(bytes.NewReader(two), ReadOptions{MaxBytes: -1}); err != nil {
		t.Errorf("no limit: %v", err)
	}
	// UpdateFile keeps the raw elements: they count too.
	path := filepath.Join(t.TempDir(), "two.mat")
	if err := os.WriteFile(path, two, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFile(path, true, ReadOptions{MaxBytes: 100 << 20}); err == nil || !strings.Contains(err.Error(), "kept whole to update the file") {
		t.Errorf("keepRaw: got %v", err)
	}
	if _, err := ReadFileWith(path, ReadOptions{MaxBytes: 100 << 20}); err != nil {
		t.Errorf("ReadFileWith: %v", err)
	}
}

// TestBudgetOverhead checks that the memory a file of many small variables
// holds (names, dimensions, records) is what the budget counts.
func TestBudgetOverhead(t *testing.T) {
	b := newBuilder(binary.LittleEndian)
	name := bytes.Repeat([]byte("v"), maxNameBytes)
	one := zlibBytes(b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), b.el(miINT32, make([]byte, 4*maxDims)), b.el(miINT8, name)))
	const n = 2000
	many := make([][]byte, n)
	for i := range many {
		many[i] = b.tagged(miCOMPRESSED, uint32(len(one)), one)
	}
	data := b.file(many...)
	counted := n * (varOverhead + maxNameBytes + 8*maxDims)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := Read(bytes.NewReader(data))
	runtime.GC() // count what the File holds, not the garbage
	runtime.ReadMemStats(&after)
	if err != nil || len(f.Vars) != n {
		t.Fatal(err)
	}
	total, inuse := after.TotalAlloc-before.TotalAlloc, int64(after.HeapInuse)-int64(before.HeapInuse)
	t.Logf("%d variables in %d bytes: %.2f MiB counted in the budget, %.2f MiB allocated, heap in use %+.2f MiB",
		n, len(data), float64(counted)/(1<<20), float64(total)/(1<<20), float64(inuse)/(1<<20))
	runtime.KeepAlive(f)
	if inuse > int64(counted)+2<<20 {
		t.Errorf("heap grew by %d bytes, %d counted", inuse, counted)
	}
	if _, err := ReadWith(bytes.NewReader(data), ReadOptions{MaxBytes: int64(counted) - 1}); err == nil {
		t.Error("no error with a budget one byte short")
	}
}

// failReader returns its data, then an error.
type failReader struct {
	data []byte
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadError checks that an error from the reader is returned wrapped,
// wherever it happens, not taken for malformed content.
func TestReadError(t *testing.T) {
	fail := errors.New("disk on fire")
	for name, data := range fixtureData(t) {
		for n := 0; n < len(data); n += 7 {
			_, err := Read(&failReader{data[:n], fail})
			if !errors.Is(err, fail) {
				t.Fatalf("%s[:%d]: got %v", name, n, err)
			}
		}
	}
}

// fixtureData returns the contents of every fixture.
func fixtureData(t testing.TB) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "*.mat"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(name)] = data
	}
	return out
}

// checkRead reads data with a small budget: it must give a valid File or a
// *FormatError or *LimitError, never panic, and allocate little.
func checkRead(t *testing.T, what string, data []byte, opaque bool) (allocated uint64) {
	t.Helper()
	const maxBytes = 1 << 20
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v", what, r)
		}
	}()
	f, err, total, _ := readMeasuredNoGC(data, ReadOptions{MaxBytes: maxBytes}, opaque)
	if total > 3*maxBytes+uint64(len(data)) {
		t.Errorf("%s: allocated %d bytes with a %d-byte budget", what, total, maxBytes)
	}
	if err != nil {
		var fe *FormatError
		var le *LimitError
		if !errors.As(err, &fe) && !errors.As(err, &le) {
			t.Errorf("%s: error %T: %v", what, err, err)
		}
		return total
	}
	if msg := checkFile(f); msg != "" {
		t.Errorf("%s: %s", what, msg)
	}
	return total
}

// checkFile checks the invariants of a File read without error.
func checkFile(f *File) string {
	for _, v := range f.Vars {
		n, err := dimsProduct(v.Dims)
		if err != nil || len(v.Dims) < 2 || !v.Supported() {
			return fmt.Sprintf("bad variable %q: class %v dims %v (%v)", v.Name, v.Class, v.Dims, err)
		}
		if v.Class == Char && v.Data != nil || v.Class != Char && len(v.Data) != n {
			return fmt.Sprintf("variable %q: %d values for dims %v", v.Name, len(v.Data), v.Dims)
		}
		if f.Lookup(v.Name) == nil {
			return fmt.Sprintf("variable %q not found by Lookup", v.Name)
		}
	}
	for _, v := range f.Unsupported {
		if v.Supported() || v.Data != nil || v.Str != "" || v.Kind() == "" || v.Name == "" {
			return fmt.Sprintf("unsupported variable %q: %+v", v.Name, v)
		}
		if _, err := dimsProduct(v.Dims); err != nil {
			return fmt.Sprintf("unsupported variable %q: dims %v", v.Name, v.Dims)
		}
		if f.Lookup(v.Name) == nil {
			return fmt.Sprintf("variable %q not found by Lookup", v.Name)
		}
	}
	if len(f.Skipped) < len(f.Unsupported) {
		return fmt.Sprintf("%d skipped, %d unsupported", len(f.Skipped), len(f.Unsupported))
	}
	return ""
}

// TestMutations reads many damaged versions of every fixture and of the
// hostile files: truncated at every offset (the smallest fixture; the others
// are in TestTruncated), every byte flipped (the smallest fixture), random
// byte and word changes, insertions and deletions.
func TestMutations(t *testing.T) {
	fixtures := fixtureData(t)
	var smallest string
	for name, data := range fixtures {
		if smallest == "" || len(data) < len(fixtures[smallest]) {
			smallest = name
		}
	}
	inputs := map[string][]byte{}
	for name, data := range fixtures {
		inputs[name] = data
	}
	for _, h := range hostileFiles(false) {
		inputs[h.name] = h.data
	}
	var reads int
	var most uint64
	check := func(what string, data []byte, opaque bool) {
		t.Helper()
		most = max(most, checkRead(t, what, data, opaque))
		reads++
	}
	data := fixtures[smallest]
	for n := range data {
		check(fmt.Sprintf("%s[:%d]", smallest, n), data[:n], n%2 == 0)
		d := bytes.Clone(data)
		d[n] ^= 0xff
		check(fmt.Sprintf("%s flipped at %d", smallest, n), d, false)
	}
	words := []uint32{0, 1, 7, 8, 14, 15, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff, 1 << 16, 4<<16 | miINT8, 5<<16 | miINT8}
	rng := rand.New(rand.NewSource(1))
	iters := 1000
	if testing.Short() {
		iters = 100
	}
	for name, data := range inputs {
		if len(data) < headerLen+8 {
			continue
		}
		for i := 0; i < iters; i++ {
			d := bytes.Clone(data)
			for k := rng.Intn(3); k >= 0; k-- {
				at := headerLen + rng.Intn(len(d)-headerLen)
				switch rng.Intn(4) {
				case 0:
					d[at] ^= byte(1 << rng.Intn(8))
				case 1:
					if at+4 <= len(d) {
						binary.LittleEndian.PutUint32(d[at:], words[rng.Intn(len(words))])
					}
				case 2:
					d = append(d[:at:at], append(bytes.Repeat([]byte{byte(rng.Intn(256))}, 1+rng.Intn(8)), d[at:]...)...)
				case 3:
					d = append(d[:at:at], d[min(len(d), at+1+rng.Intn(8)):]...)
				}
			}
			check(fmt.Sprintf("%s mutation %d", name, i), d, i%2 == 0)
		}
		for i := 0; i < 20; i++ {
			check(fmt.Sprintf("%s truncated", name), data[:headerLen+rng.Intn(len(data)-headerLen)], i%2 == 0)
		}
	}
	t.Logf("%d reads with a 1 MiB budget: at most %.2f MiB allocated by one read", reads, float64(most)/(1<<20))
}

// TestUnsupportedKinds checks that variables of unsupported kinds are
// listed with their class and a precise kind.
func TestUnsupportedKinds(t *testing.T) {
	want := map[string]string{"st": "struct 1x1", "ce": "cell array 1x2", "sp": "sparse 2x2", "cplx": "complex double 1x2"}
	for _, name := range []string{"octave_v6.mat", "octave_v7.mat", "scipy_v5.mat", "scipy_v5z_be.mat"} {
		f, err := ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Unsupported) != len(f.Skipped) {
			t.Errorf("%s: unsupported %d, skipped %v", name, len(f.Unsupported), f.Skipped)
		}
		for i, v := range f.Unsupported {
			if v.Name != f.Skipped[i] {
				t.Errorf("%s: unsupported %q, skipped %q", name, v.Name, f.Skipped[i])
			}
			if got := v.Kind() + " " + dimString(v.Dims); got != want[v.Name] {
				t.Errorf("%s: %s: %q, want %q", name, v.Name, got, want[v.Name])
			}
			if f.Get(v.Name) != nil || f.Lookup(v.Name) != v || v.Supported() || v.Data != nil {
				t.Errorf("%s: %s: Get %v, Lookup %v", name, v.Name, f.Get(v.Name), f.Lookup(v.Name))
			}
		}
		if v := f.Lookup("dbl"); v == nil || v != f.Get("dbl") || !v.Supported() || v.Kind() != "double" {
			t.Errorf("%s: Lookup(dbl) = %+v", name, v)
		}
		if f.Lookup("nope") != nil {
			t.Errorf("%s: Lookup of a missing variable", name)
		}
	}

	// Hand-made kinds: every class code, complex and logical flags.
	b := newBuilder(binary.LittleEndian)
	dims := b.el(miINT32, b.u32s(2, 3))
	cases := []struct {
		flags uint32
		kind  string
		class Class
	}{
		{mxCELL, "cell array", Cell},
		{mxSTRUCT, "struct", Struct},
		{mxOBJECT, "object", Object},
		{mxSPARSE, "sparse", Sparse},
		{mxSPARSE | flagLogical, "sparse logical", Sparse},
		{mxSPARSE | flagComplex, "complex sparse", Sparse},
		{mxFUNCTION, "function handle", Function},
		{mxDOUBLE | flagComplex, "complex double", Double},
		{mxSINGLE | flagComplex, "complex single", Single},
		{mxINT16 | flagComplex, "complex int16", Int16},
		{99, "unknown class 99", Unknown},
		{0, "unknown class 0", Unknown},
	}
	for _, c := range cases {
		for _, compress := range []bool{false, true} {
			m := b.matrix(b.el(miUINT32, b.u32s(c.flags, 0)), dims, b.el(miINT8, []byte("w")), b.el(miDOUBLE, make([]byte, 48)), b.el(miDOUBLE, make([]byte, 48)))
			if compress {
				z := zlibBytes(m)
				m = b.tagged(miCOMPRESSED, uint32(len(z)), z)
			}
			f, err := Read(bytes.NewReader(b.file(m)))
			if err != nil {
				t.Fatalf("%s: %v", c.kind, err)
			}
			v := f.Lookup("w")
			if v == nil || v.Kind() != c.kind || v.Class != c.class || dimString(v.Dims) != "2x3" || f.Get("w") != nil || len(f.Vars) != 0 {
				t.Errorf("%s: got %+v", c.kind, v)
				continue
			}
			if err := Write(io.Discard, []*Var{v}, WriteOptions{}); err == nil {
				t.Errorf("%s: written", c.kind)
			}
			if _, err := v.Scalar(); err == nil || !strings.Contains(err.Error(), `"w" is `+withArticle(c.kind)+", not a real numeric scalar") {
				t.Errorf("%s: Scalar: %v", c.kind, err)
			}
		}
	}
	// An opaque object (classdef, string, table) has no dimensions.
	f, err := Read(bytes.NewReader(b.file(b.matrix(b.el(miUINT32, b.u32s(mxOPAQUE, 0)), b.el(miINT8, []byte("obj")), b.el(miINT8, []byte("MCOS")), b.el(miINT8, []byte("string"))))))
	if err != nil || f.Lookup("obj") == nil || f.Lookup("obj").Kind() != "object" || f.Lookup("obj").Dims != nil {
		t.Errorf("opaque: %v %+v", err, f)
	}
	if _, err := f.Lookup("obj").Scalar(); err == nil || !strings.Contains(err.Error(), `"obj" is an object, not`) {
		t.Errorf("opaque: Scalar: %v", err)
	}
	// The last variable of a name wins, as in MATLAB's load.
	real := b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE, 0)), dims, b.el(miINT8, []byte("w")), b.el(miDOUBLE, make([]byte, 48)))
	cplx := b.matrix(b.el(miUINT32, b.u32s(mxDOUBLE|flagComplex, 0)), dims, b.el(miINT8, []byte("w")), b.el(miDOUBLE, make([]byte, 48)), b.el(miDOUBLE, make([]byte, 48)))
	f, _ = Read(bytes.NewReader(b.file(real, cplx)))
	if v := f.Lookup("w"); v == nil || !v.Complex || f.Get("w") == nil {
		t.Errorf("real then complex: Lookup %+v", v)
	}
	f, _ = Read(bytes.NewReader(b.file(cplx, real)))
	if v := f.Lookup("w"); v == nil || v.Complex {
		t.Errorf("complex then real: Lookup %+v", v)
	}
	// A File built by hand.
	hand := &File{Vars: []*Var{NewScalar("a", Double, 1)}, Unsupported: []*Var{{Name: "c", Class: Cell, Dims: []int{1, 1}}}}
	if hand.Lookup("a") == nil || hand.Lookup("c").Kind() != "cell array" || hand.Lookup("x") != nil {
		t.Error("Lookup on a File built by hand")
	}
}
