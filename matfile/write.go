package matfile

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf16"
)

// WriteOptions controls how a MAT-file is written.
type WriteOptions struct {
	// Compress writes each variable as its own zlib-compressed
	// miCOMPRESSED element, as MATLAB and Octave do for "save -v7". The
	// default writes uncompressed miMATRIX elements, like scipy.io.savemat.
	Compress bool
	// Header is the descriptive text of the file header (at most 116
	// bytes). Empty means "MATLAB 5.0 MAT-file Platform: <GOOS>, Created
	// on: <time>", as scipy writes.
	Header string
}

// maxNameLen is MATLAB's namelengthmax.
const maxNameLen = 63

// ValidName reports whether name is a valid MATLAB variable name: a letter
// followed by letters, digits or underscores, at most 63 characters.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Write writes vars as a Level 5 MAT-file to w. Every variable is checked
// before anything is written: names must be valid MATLAB names (see
// [ValidName]) and distinct, Dims must match Data, and values of integer
// classes must be whole numbers within the class's range (NaN is not
// allowed); values of logical arrays are written as 0 or 1 (nonzero is
// true). For Char arrays the text decides the number of columns: a 2-D char
// array with Dims[0] == 1 is written as one row holding all of Str, one
// with m > 1 rows needs Str to hold m lines of equal length.
func Write(w io.Writer, vars []*Var, opt WriteOptions) error {
	p, err := newPlan(varEntries(vars), opt, binary.LittleEndian)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := p.writeTo(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes vars to the file at path (see [Write]) atomically: it
// writes a temporary file in the same directory, syncs it to disk and
// renames it over path, so that path holds either its old content or the
// complete new file, never a partial one. An existing file keeps its
// permission bits; a new one gets 0644. If path is a symbolic link, the file
// it points to is replaced.
func WriteFile(path string, vars []*Var, opt WriteOptions) error {
	p, err := newPlan(varEntries(vars), opt, binary.LittleEndian)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, p)
}

// UpdateFile adds or replaces variables in the MAT-file at path, keeping
// all its other variables, supported or not, in their order: a variable of
// vars whose name is already in the file takes the place of the old one (and
// of any later duplicates), the others are appended in the order given.
// Variables not replaced are written back byte-for-byte as they were read
// (including skipped kinds such as structs and cells, and their
// compression); opt.Compress applies to vars only. The file keeps its byte
// order; the header text is opt.Header or a fresh default. The file is
// replaced atomically, as by [WriteFile]. If path does not exist, UpdateFile
// is WriteFile. The file is read with the default read budget
// ([DefaultMaxBytes]), which counts the raw bytes of its elements, kept to
// be written back, as well as its values.
func UpdateFile(path string, vars []*Var, opt WriteOptions) error {
	f, err := readFile(path, true, ReadOptions{})
	if errors.Is(err, fs.ErrNotExist) {
		return WriteFile(path, vars, opt)
	}
	if err != nil {
		return err
	}
	byName := make(map[string]*Var, len(vars))
	for _, v := range vars {
		if v == nil {
			return errors.New("matfile: nil variable")
		}
		if _, dup := byName[v.Name]; dup {
			return fmt.Errorf("matfile: variable %q given twice", v.Name)
		}
		byName[v.Name] = v
	}
	placed := make(map[string]bool, len(vars))
	entries := make([]entry, 0, len(f.entries)+len(vars))
	for _, e := range f.entries {
		if v, ok := byName[e.name]; ok {
			if !placed[e.name] {
				entries = append(entries, entry{name: v.Name, v: v})
				placed[e.name] = true
			}
			continue
		}
		entries = append(entries, entry{name: e.name, raw: e.raw, subsys: e.subsys})
	}
	// New variables go at the end, but before MATLAB's subsystem data,
	// which MATLAB writes last.
	var tail []entry
	if n := len(entries); n > 0 && entries[n-1].subsys {
		tail = entries[n-1:]
		entries = entries[: n-1 : n-1]
	}
	for _, v := range vars {
		if !placed[v.Name] {
			entries = append(entries, entry{name: v.Name, v: v})
		}
	}
	entries = append(entries, tail...)
	var order binary.ByteOrder = binary.LittleEndian
	if f.bigEndian {
		order = binary.BigEndian
	}
	p, err := newPlan(entries, opt, order)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, p)
}

func varEntries(vars []*Var) []entry {
	entries := make([]entry, len(vars))
	for i, v := range vars {
		entries[i] = entry{v: v}
		if v != nil {
			entries[i].name = v.Name
		}
	}
	return entries
}

// testHookWriter, if set, wraps the temporary file's writer in
// writeFileAtomic (tests use it to inject write errors).
var testHookWriter func(io.Writer) io.Writer

// writeFileAtomic writes p to a temporary file next to path, syncs it and
// renames it over path.
func writeFileAtomic(path string, p *plan) (err error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	perm := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("matfile: %s is not a regular file", path)
		}
		perm = st.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	if testHookWriter != nil {
		w = testHookWriter(w)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := p.writeTo(bw); err != nil {
		return fmt.Errorf("%w (writing %s)", err, path)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("matfile: writing %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	// Make the rename durable; not all systems can sync a directory.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// plan is a checked list of entries, ready to be written.
type plan struct {
	header   [headerLen]byte
	entries  []entry
	prepared []*prepared // parallel to entries; nil for raw entries
	order    binary.ByteOrder
	compress bool
}

// prepared is a variable checked for writing.
type prepared struct {
	v     *Var
	dims  []int
	chars []uint16 // Char arrays: UTF-16 code units, column-major
	ascii bool     // Char arrays: all units < 128
}

// newPlan checks all entries and builds the header.
func newPlan(entries []entry, opt WriteOptions, order binary.ByteOrder) (*plan, error) {
	text := opt.Header
	if text == "" {
		text = fmt.Sprintf("MATLAB 5.0 MAT-file Platform: %s, Created on: %s", runtime.GOOS, time.Now().Format(time.ANSIC))
	}
	if len(text) > 116 {
		return nil, fmt.Errorf("matfile: header text is %d bytes, at most 116 allowed", len(text))
	}
	p := &plan{entries: entries, prepared: make([]*prepared, len(entries)), order: order, compress: opt.Compress}
	copy(p.header[:], text)
	for i := len(text); i < 116; i++ {
		p.header[i] = ' '
	}
	order.PutUint16(p.header[124:], 0x0100)
	order.PutUint16(p.header[126:], 'M'<<8|'I')

	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		if e.v == nil {
			if e.raw == nil {
				return nil, errors.New("matfile: nil variable")
			}
			continue
		}
		if seen[e.v.Name] {
			return nil, fmt.Errorf("matfile: variable %q given twice", e.v.Name)
		}
		seen[e.v.Name] = true
		pv, err := prepare(e.v)
		if err != nil {
			return nil, err
		}
		p.prepared[i] = pv
	}
	return p, nil
}

// prepare checks v for writing.
func prepare(v *Var) (*prepared, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("matfile: variable %q: %s", v.Name, fmt.Sprintf(format, args...))
	}
	if !ValidName(v.Name) {
		return nil, fail("not a valid MATLAB variable name (a letter, then letters, digits or underscores, at most %d characters)", maxNameLen)
	}
	if !v.Class.valid() {
		return nil, fail("invalid class %v", v.Class)
	}
	if v.Complex {
		return nil, fail("complex arrays cannot be written")
	}
	if len(v.Dims) < 2 {
		return nil, fail("dimensions %v: need at least 2", v.Dims)
	}
	for _, d := range v.Dims {
		if d > math.MaxInt32 {
			return nil, fail("dimension %d too large for a MAT-file", d)
		}
	}
	count, err := dimsProduct(v.Dims)
	if err != nil {
		return nil, fail("%v", err)
	}
	pv := &prepared{v: v, dims: v.Dims, ascii: true}
	size := uint64(elemSize(nativeType(v.Class)))
	if v.Class == Char {
		if err := pv.prepareChars(count); err != nil {
			return nil, fail("%v", err)
		}
		count = len(pv.chars)
		if !pv.ascii {
			size = 2
		}
	} else {
		if len(v.Data) != count {
			return nil, fail("%d values for dimensions %s", len(v.Data), dimString(v.Dims))
		}
		if v.Class.isInt() {
			lo, hi := v.Class.intRange()
			for i, x := range v.Data {
				if math.IsNaN(x) || x < lo || x > hi || x != math.Trunc(x) {
					return nil, fail("value %v at index %d is not representable as %s", x, i, v.Class)
				}
			}
		}
	}
	if uint64(count)*size > math.MaxUint32-1024 {
		return nil, fail("too large for a Level 5 MAT-file (limit 4 GiB per variable)")
	}
	return pv, nil
}

// prepareChars converts the text of a Char array to UTF-16 code units in
// column-major order, deciding the dimensions.
func (pv *prepared) prepareChars(count int) error {
	v := pv.v
	rows := v.Dims[0]
	if count == 0 && v.Str == "" {
		return nil
	}
	if rows == 0 {
		return fmt.Errorf("char array with 0 rows but text %q", v.Str)
	}
	lines := []string{v.Str}
	if rows > 1 {
		lines = strings.Split(v.Str, "\n")
		if len(lines) != rows {
			return fmt.Errorf("char array has %d rows but its text has %d lines", rows, len(lines))
		}
	}
	units := make([][]uint16, rows)
	cols := -1
	for i, line := range lines {
		units[i] = utf16.Encode([]rune(line))
		if cols >= 0 && len(units[i]) != cols {
			return fmt.Errorf("char array rows must have equal lengths: row 1 has %d characters, row %d has %d", cols, i+1, len(units[i]))
		}
		cols = len(units[i])
	}
	if len(v.Dims) == 2 {
		pv.dims = []int{rows, cols}
	} else if rows*cols != count {
		return fmt.Errorf("text has %dx%d characters, dimensions %s need %d", rows, cols, dimString(v.Dims), count)
	}
	pv.chars = make([]uint16, rows*cols)
	for i := range units {
		for j, u := range units[i] {
			pv.chars[i+j*rows] = u
			if u >= 0x80 {
				pv.ascii = false
			}
		}
	}
	return nil
}

// writeTo writes the whole file.
func (p *plan) writeTo(w io.Writer) error {
	hasSubsys := false
	for _, e := range p.entries {
		hasSubsys = hasSubsys || e.subsys
	}
	if hasSubsys {
		// The header must give the new offset of the subsystem data:
		// encode everything first (only files with MATLAB objects).
		elems := make([][]byte, len(p.entries))
		off := int64(headerLen)
		for i, e := range p.entries {
			if p.prepared[i] == nil {
				elems[i] = e.raw
			} else {
				b, err := p.element(p.prepared[i], nil, nil)
				if err != nil {
					return err
				}
				elems[i] = bytes.Clone(b)
			}
			if e.subsys {
				p.order.PutUint64(p.header[116:], uint64(off))
			}
			off += int64(len(elems[i]))
		}
		if _, err := w.Write(p.header[:]); err != nil {
			return fmt.Errorf("matfile: %w", err)
		}
		for i, b := range elems {
			if _, err := w.Write(b); err != nil {
				return fmt.Errorf("matfile: writing variable %q: %w", p.entries[i].name, err)
			}
		}
		return nil
	}

	if _, err := w.Write(p.header[:]); err != nil {
		return fmt.Errorf("matfile: %w", err)
	}
	var buf, zbuf bytes.Buffer
	for i, e := range p.entries {
		out := e.raw
		if p.prepared[i] != nil {
			var err error
			if out, err = p.element(p.prepared[i], &buf, &zbuf); err != nil {
				return err
			}
		}
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("matfile: writing variable %q: %w", e.name, err)
		}
	}
	return nil
}

// element returns the top-level element of a prepared variable, compressed
// if requested, using buf and zbuf (allocated if nil) as scratch space.
func (p *plan) element(pv *prepared, buf, zbuf *bytes.Buffer) ([]byte, error) {
	if buf == nil {
		buf, zbuf = new(bytes.Buffer), new(bytes.Buffer)
	}
	buf.Reset()
	p.encode(buf, pv)
	out := buf.Bytes()
	if !p.compress {
		return out, nil
	}
	zbuf.Reset()
	var tag [8]byte
	zbuf.Write(tag[:])
	zw := zlib.NewWriter(zbuf)
	zw.Write(out)
	zw.Close()
	out = zbuf.Bytes()
	if len(out)-8 > math.MaxUint32 {
		return nil, fmt.Errorf("matfile: variable %q: compressed data too large", pv.v.Name)
	}
	p.order.PutUint32(out[0:], miCOMPRESSED)
	p.order.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// encode appends the miMATRIX element of a prepared variable to buf.
func (p *plan) encode(buf *bytes.Buffer, pv *prepared) {
	v := pv.v
	start := buf.Len()
	p.tag(buf, miMATRIX, 0) // size patched below

	var mclass uint32
	switch v.Class {
	case Char:
		mclass = mxCHAR
	case Logical:
		mclass = mxUINT8 | flagLogical
	default:
		mclass = mxDOUBLE + uint32(v.Class-Double)
	}
	var flags [8]byte
	p.order.PutUint32(flags[:], mclass)
	p.dataElement(buf, miUINT32, flags[:])

	dims := make([]byte, 4*len(pv.dims))
	for i, d := range pv.dims {
		p.order.PutUint32(dims[4*i:], uint32(d))
	}
	p.dataElement(buf, miINT32, dims)
	p.dataElement(buf, miINT8, []byte(v.Name))

	switch v.Class {
	case Char:
		if pv.ascii {
			b := make([]byte, len(pv.chars))
			for i, u := range pv.chars {
				b[i] = byte(u)
			}
			p.dataElement(buf, miUTF8, b)
		} else {
			b := make([]byte, 2*len(pv.chars))
			for i, u := range pv.chars {
				p.order.PutUint16(b[2*i:], u)
			}
			p.dataElement(buf, miUTF16, b)
		}
	default:
		b := p.encodeValues(v.Class, v.Data)
		if v.hasExact && len(v.Data) == 1 && (v.Class == Int64 || v.Class == Uint64) {
			p.order.PutUint64(b, v.exact)
		}
		p.dataElement(buf, nativeType(v.Class), b)
	}
	p.order.PutUint32(buf.Bytes()[start+4:], uint32(buf.Len()-start-8))
}

// encodeValues converts checked values to the class's native data type.
func (p *plan) encodeValues(c Class, data []float64) []byte {
	size := elemSize(nativeType(c))
	b := make([]byte, size*len(data))
	o := p.order
	for i, x := range data {
		switch c {
		case Double:
			o.PutUint64(b[8*i:], math.Float64bits(x))
		case Single:
			o.PutUint32(b[4*i:], math.Float32bits(float32(x)))
		case Int8:
			b[i] = byte(int8(x))
		case Uint8:
			b[i] = byte(x)
		case Logical:
			if x != 0 {
				b[i] = 1
			}
		case Int16:
			o.PutUint16(b[2*i:], uint16(int16(x)))
		case Uint16:
			o.PutUint16(b[2*i:], uint16(x))
		case Int32:
			o.PutUint32(b[4*i:], uint32(int32(x)))
		case Uint32:
			o.PutUint32(b[4*i:], uint32(x))
		case Int64:
			if x >= math.MaxInt64 { // float64(MaxInt64) is 2^63
				o.PutUint64(b[8*i:], math.MaxInt64)
			} else {
				o.PutUint64(b[8*i:], uint64(int64(x)))
			}
		case Uint64:
			if x >= math.MaxUint64 { // float64(MaxUint64) is 2^64
				o.PutUint64(b[8*i:], math.MaxUint64)
			} else {
				o.PutUint64(b[8*i:], uint64(x))
			}
		}
	}
	return b
}

// tag appends a regular 8-byte element tag.
func (p *plan) tag(buf *bytes.Buffer, typ, size uint32) {
	var t [8]byte
	p.order.PutUint32(t[:], typ)
	p.order.PutUint32(t[4:], size)
	buf.Write(t[:])
}

// dataElement appends a data element: in the small format if data has at most
// 4 bytes (as scipy and MATLAB write), else with a regular tag and padding
// to an 8-byte boundary.
func (p *plan) dataElement(buf *bytes.Buffer, typ uint32, data []byte) {
	if len(data) <= 4 {
		var t [8]byte
		p.order.PutUint32(t[:], uint32(len(data))<<16|typ)
		copy(t[4:], data)
		buf.Write(t[:])
		return
	}
	p.tag(buf, typ, uint32(len(data)))
	buf.Write(data)
	var pad [8]byte
	buf.Write(pad[:(8-len(data)%8)%8])
}
