package matfile

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MAT-file data types (the "mi" types of the format documentation).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
	miUTF16      = 17
	miUTF32      = 18
)

// MATLAB array classes (the "mx" classes of the format documentation).
const (
	mxCELL     = 1
	mxSTRUCT   = 2
	mxOBJECT   = 3
	mxCHAR     = 4
	mxSPARSE   = 5
	mxDOUBLE   = 6
	mxSINGLE   = 7
	mxINT8     = 8
	mxUINT8    = 9
	mxINT16    = 10
	mxUINT16   = 11
	mxINT32    = 12
	mxUINT32   = 13
	mxINT64    = 14
	mxUINT64   = 15
	mxFUNCTION = 16
	mxOPAQUE   = 17
)

// Array flag bits (in the second byte of the flags word).
const (
	flagComplex = 1 << 11
	flagGlobal  = 1 << 10
	flagLogical = 1 << 9
)

const headerLen = 128

// maxDecompressed bounds the size of the data inside one miCOMPRESSED
// element. It is a variable so that tests can lower it.
var maxDecompressed int64 = 1 << 30

// FormatError reports malformed MAT-file content.
type FormatError struct {
	// Offset is the byte offset in the file of the element at fault (for
	// a problem inside a compressed element, the offset of that element).
	Offset int64
	// Compressed is set when the problem lies inside the data of a
	// miCOMPRESSED element; InnerOffset is then the offset within the
	// decompressed data.
	Compressed  bool
	InnerOffset int64
	// Var is the name of the variable concerned, if known.
	Var string
	// Msg describes the problem.
	Msg string
}

// Error implements the error interface.
func (e *FormatError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "matfile: offset %d", e.Offset)
	if e.Compressed {
		fmt.Fprintf(&b, " (compressed element), decompressed offset %d", e.InnerOffset)
	}
	if e.Var != "" {
		fmt.Fprintf(&b, ": variable %q", e.Var)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ReadFile reads the MAT-file at path. See [Read].
func ReadFile(path string) (*File, error) {
	return readFile(path, false)
}

func readFile(path string, keepRaw bool) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	defer fh.Close()
	f, err := read(bufio.NewReaderSize(fh, 1<<16), keepRaw)
	if err != nil {
		return nil, fmt.Errorf("%w (reading %s)", err, path)
	}
	return f, nil
}

// Read reads a Level 5 MAT-file from r, uncompressed or compressed, little-
// or big-endian. Variables of unsupported kinds are skipped and listed in
// File.Skipped. Malformed content gives a *[FormatError]; a read error from
// r is returned wrapped.
func Read(r io.Reader) (*File, error) {
	return read(r, false)
}

// read parses a whole file. With keepRaw, the raw bytes of every top-level
// element are kept (for UpdateFile); otherwise only those of skipped ones.
func read(r io.Reader, keepRaw bool) (*File, error) {
	var hdr [headerLen]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, &FormatError{Msg: fmt.Sprintf("file too short for a MAT-file header: %d bytes, need %d", n, headerLen)}
		}
		return nil, fmt.Errorf("matfile: reading header: %w", err)
	}
	f := &File{}
	var order binary.ByteOrder
	switch string(hdr[126:128]) {
	case "IM":
		order = binary.LittleEndian
	case "MI":
		order = binary.BigEndian
		f.bigEndian = true
	default:
		text := string(hdr[:116])
		if strings.HasPrefix(text, "MATLAB 7.3 MAT-file") || bytes.Contains(hdr[:], []byte("HDF")) {
			return nil, &FormatError{Offset: 126, Msg: "MAT-file version 7.3 (HDF5) is not supported; save with -v7 or -v6"}
		}
		return nil, &FormatError{Offset: 126, Msg: fmt.Sprintf("not a Level 5 MAT-file: endian indicator %q, want \"IM\" or \"MI\" (MAT-file version 4 and other formats are not supported)", hdr[126:128])}
	}
	if v := order.Uint16(hdr[124:126]); v != 0x0100 {
		if v == 0x0200 {
			return nil, &FormatError{Offset: 124, Msg: "MAT-file version 7.3 (HDF5) is not supported; save with -v7 or -v6"}
		}
		return nil, &FormatError{Offset: 124, Msg: fmt.Sprintf("unsupported MAT-file version 0x%04x, want 0x0100", v)}
	}
	f.Header = strings.TrimRight(string(hdr[:116]), " \x00")
	// MATLAB stores the offset of its subsystem data (class information for
	// objects) in bytes 116-123; spaces or zeros mean none.
	subsys := int64(order.Uint64(hdr[116:124]))

	off := int64(headerLen)
	for {
		var tag [8]byte
		n, err := io.ReadFull(r, tag[:])
		if err == io.EOF {
			break
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("truncated element tag: %d of 8 bytes", n)}
			}
			return nil, fmt.Errorf("matfile: reading offset %d: %w", off, err)
		}
		first := order.Uint32(tag[:4])
		if first>>16 != 0 {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("small data element (type %d) at top level, want miMATRIX or miCOMPRESSED", first&0xffff)}
		}
		typ, size := first, order.Uint32(tag[4:])
		if typ != miMATRIX && typ != miCOMPRESSED {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("top-level element of data type %d, want miMATRIX (14) or miCOMPRESSED (15)", typ)}
		}
		// Read tag and payload into one buffer, grown as data arrives.
		buf, err := readElement(r, tag[:], int64(size))
		if err != nil {
			var short *shortError
			if errors.As(err, &short) {
				return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("truncated element: declares %d bytes, only %d present", size, short.got)}
			}
			return nil, fmt.Errorf("matfile: reading offset %d: %w", off, err)
		}
		payload := buf[8:]
		var v *Var
		var name string
		if typ == miMATRIX {
			p := &parser{data: payload, order: order, fileOff: off, base: 8}
			v, name, err = p.matrix()
		} else {
			v, name, err = readCompressed(payload, order, off)
		}
		if err != nil {
			return nil, err
		}
		e := entry{name: name, v: v}
		switch {
		case off == subsys && name == "":
			// Not a variable: kept for UpdateFile only.
			e.v, e.raw, e.subsys = nil, buf, true
		case v == nil || name == "":
			// Unsupported kinds, and nameless elements, which MATLAB's
			// load ignores.
			f.Skipped = append(f.Skipped, name)
			e.v, e.raw = nil, buf
		default:
			f.Vars = append(f.Vars, v)
			if keepRaw {
				e.raw = buf
			}
		}
		f.entries = append(f.entries, e)
		off += 8 + int64(size)
	}
	return f, nil
}

// shortError reports that fewer bytes than declared were present.
type shortError struct{ got int64 }

func (e *shortError) Error() string { return fmt.Sprintf("only %d bytes present", e.got) }

// readElement returns prefix followed by exactly n bytes read from r. The
// buffer grows as data actually arrives, so a huge declared size in a short
// input costs no memory.
func readElement(r io.Reader, prefix []byte, n int64) ([]byte, error) {
	var b bytes.Buffer
	const initial = 1 << 20
	b.Grow(len(prefix) + int(min(n, initial)))
	b.Write(prefix)
	got, err := io.CopyN(&b, r, n)
	if err == io.EOF {
		return nil, &shortError{got: got}
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readCompressed decodes a miCOMPRESSED element payload located at file
// offset off.
func readCompressed(payload []byte, order binary.ByteOrder, off int64) (*Var, string, error) {
	fail := func(inner int64, format string, args ...any) error {
		return &FormatError{Offset: off, Compressed: true, InnerOffset: inner, Msg: fmt.Sprintf(format, args...)}
	}
	zr, err := zlib.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, "", &FormatError{Offset: off, Msg: fmt.Sprintf("compressed element: invalid zlib stream: %v", err)}
	}
	lr := &io.LimitedReader{R: zr, N: maxDecompressed}
	var tag [8]byte
	if n, err := io.ReadFull(lr, tag[:]); err != nil {
		return nil, "", fail(0, "compressed data ends after %d bytes, inside the element tag (%v)", n, err)
	}
	first := order.Uint32(tag[:4])
	typ, size := first, order.Uint32(tag[4:])
	if first>>16 != 0 || typ != miMATRIX {
		return nil, "", fail(0, "compressed element holds data type %d, want miMATRIX (14)", first&0xffff)
	}
	if int64(size) > maxDecompressed-8 {
		return nil, "", fail(0, "compressed matrix declares %d bytes, above the limit of %d", size, maxDecompressed-8)
	}
	buf, err := readElement(lr, nil, int64(size))
	if err != nil {
		var short *shortError
		if errors.As(err, &short) {
			return nil, "", fail(0, "compressed matrix declares %d bytes, only %d present", size, short.got)
		}
		return nil, "", fail(8, "corrupt compressed data: %v", err)
	}
	// Read to the end of the stream so that the zlib checksum is verified;
	// any bytes after the matrix are ignored (within the limit).
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return nil, "", fail(8+int64(size), "corrupt compressed data: %v", err)
	}
	p := &parser{data: buf, order: order, fileOff: off, base: 8, compressed: true}
	return p.matrix()
}

// parser decodes the sub-elements of one miMATRIX element.
type parser struct {
	data       []byte // the matrix payload (after its tag)
	pos        int
	order      binary.ByteOrder
	fileOff    int64 // offset of the top-level element in the file
	base       int64 // offset of data[0] relative to fileOff (or, if compressed, to the decompressed stream)
	compressed bool
	name       string
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	e := &FormatError{Offset: p.fileOff, Var: p.name, Msg: fmt.Sprintf(format, args...)}
	if p.compressed {
		e.Compressed = true
		e.InnerOffset = p.base + int64(pos)
	} else {
		e.Offset = p.fileOff + p.base + int64(pos)
	}
	return e
}

// next returns the next sub-element: its data type, its data and its
// position in p.data. ok is false at the end of the matrix.
func (p *parser) next(what string) (typ uint32, body []byte, at int, ok bool, err error) {
	at = p.pos
	rest := len(p.data) - p.pos
	if rest == 0 {
		return 0, nil, at, false, nil
	}
	if rest < 8 {
		return 0, nil, at, false, p.errAt(at, "truncated %s: %d bytes left, need an 8-byte tag", what, rest)
	}
	first := p.order.Uint32(p.data[p.pos:])
	if n := first >> 16; n != 0 {
		// Small data element: up to 4 bytes packed in the tag.
		if n > 4 {
			return 0, nil, at, false, p.errAt(at, "%s: small data element declares %d bytes, at most 4 allowed", what, n)
		}
		body = p.data[p.pos+4 : p.pos+4+int(n)]
		p.pos += 8
		return first & 0xffff, body, at, true, nil
	}
	size := p.order.Uint32(p.data[p.pos+4:])
	if uint64(size) > uint64(rest-8) {
		return 0, nil, at, false, p.errAt(at, "truncated %s: declares %d bytes, only %d remain in the matrix", what, size, rest-8)
	}
	body = p.data[p.pos+8 : p.pos+8+int(size)]
	p.pos += 8 + int(size)
	// Skip padding to the next 8-byte boundary (tolerating a missing pad
	// after the last sub-element).
	if pad := (8 - int(size)%8) % 8; pad > 0 {
		p.pos = min(p.pos+pad, len(p.data))
	}
	return first, body, at, true, nil
}

// need is next for a sub-element that must be present.
func (p *parser) need(what string) (uint32, []byte, int, error) {
	typ, body, at, ok, err := p.next(what)
	if err == nil && !ok {
		err = p.errAt(at, "matrix ends before its %s", what)
	}
	return typ, body, at, err
}

// matrix decodes the matrix. It returns the variable, or nil and the name
// for a skipped (unsupported) one.
func (p *parser) matrix() (*Var, string, error) {
	typ, body, at, err := p.need("array flags")
	if err != nil {
		return nil, "", err
	}
	if (typ != miUINT32 && typ != miINT32) || len(body) < 4 {
		return nil, "", p.errAt(at, "array flags: data type %d with %d bytes, want miUINT32 with 8 bytes", typ, len(body))
	}
	flags := p.order.Uint32(body)
	mclass := flags & 0xff

	if mclass == mxOPAQUE {
		// Opaque objects (MATLAB classdef objects, strings, tables) have
		// no dimensions: the name follows the flags directly.
		if err := p.readName(); err != nil {
			return nil, "", err
		}
		return nil, p.name, nil
	}

	typ, body, at, err = p.need("dimensions")
	if err != nil {
		return nil, "", err
	}
	if (typ != miINT32 && typ != miUINT32) || len(body)%4 != 0 {
		return nil, "", p.errAt(at, "dimensions: data type %d with %d bytes, want miINT32 with a multiple of 4 bytes", typ, len(body))
	}
	if len(body) < 8 {
		return nil, "", p.errAt(at, "dimensions: %d entries, need at least 2", len(body)/4)
	}
	dims := make([]int, len(body)/4)
	for i := range dims {
		d := p.order.Uint32(body[4*i:])
		if typ == miINT32 && int32(d) < 0 {
			return nil, "", p.errAt(at, "dimensions: negative dimension %d", int32(d))
		}
		if d > math.MaxInt32 {
			return nil, "", p.errAt(at, "dimensions: dimension %d too large", d)
		}
		dims[i] = int(d)
	}
	if err := p.readName(); err != nil {
		return nil, "", err
	}

	var class Class
	switch {
	case flags&flagComplex != 0:
		return nil, p.name, nil // complex arrays are not supported
	case mclass == mxCHAR:
		class = Char
	case mclass >= mxDOUBLE && mclass <= mxUINT64:
		class = Double + Class(mclass-mxDOUBLE)
		if flags&flagLogical != 0 {
			class = Logical
		}
	default:
		return nil, p.name, nil // cell, struct, object, sparse, function...
	}

	count, err := dimsProduct(dims)
	if err != nil {
		return nil, "", p.errAt(at, "%v", err)
	}
	v := &Var{Name: p.name, Class: class, Dims: dims}
	typ, body, at, ok, err := p.next("data")
	if err != nil {
		return nil, "", err
	}
	if !ok {
		if count != 0 {
			return nil, "", p.errAt(at, "matrix ends before its data (%s array needs %d elements)", dimString(dims), count)
		}
		if class != Char {
			v.Data = []float64{}
		}
		return v, p.name, nil
	}
	if class == Char {
		v.Str, err = decodeChars(typ, body, dims, count, p.order)
	} else {
		v.Data, err = decodeNumeric(typ, body, count, class, p.order)
	}
	if err != nil {
		return nil, "", p.errAt(at, "%v", err)
	}
	return v, p.name, nil
}

// readName reads the array name sub-element into p.name.
func (p *parser) readName() error {
	typ, body, at, err := p.need("array name")
	if err != nil {
		return err
	}
	if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
		return p.errAt(at, "array name: data type %d, want miINT8", typ)
	}
	p.name = strings.TrimRight(string(body), "\x00")
	return nil
}

// elemSize returns the size in bytes of one value of a numeric data type,
// or 0 if typ is not a numeric type.
func elemSize(typ uint32) int {
	switch typ {
	case miINT8, miUINT8, miUTF8:
		return 1
	case miINT16, miUINT16, miUTF16:
		return 2
	case miINT32, miUINT32, miSINGLE, miUTF32:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// nativeType returns the data type in which a class is normally stored.
func nativeType(c Class) uint32 {
	switch c {
	case Double:
		return miDOUBLE
	case Single:
		return miSINGLE
	case Int8:
		return miINT8
	case Uint8, Logical:
		return miUINT8
	case Int16:
		return miINT16
	case Uint16:
		return miUINT16
	case Int32:
		return miINT32
	case Uint32:
		return miUINT32
	case Int64:
		return miINT64
	case Uint64:
		return miUINT64
	case Char:
		return miUTF8
	}
	return 0
}

// decodeValues converts numeric data of type typ to float64 values.
func decodeValues(typ uint32, body []byte, order binary.ByteOrder) ([]float64, error) {
	size := elemSize(typ)
	if size == 0 {
		return nil, fmt.Errorf("data of type %d, which is not a numeric data type", typ)
	}
	if len(body)%size != 0 {
		return nil, fmt.Errorf("data: %d bytes is not a whole number of %d-byte values", len(body), size)
	}
	out := make([]float64, len(body)/size)
	switch typ {
	case miINT8:
		for i := range out {
			out[i] = float64(int8(body[i]))
		}
	case miUINT8, miUTF8:
		for i := range out {
			out[i] = float64(body[i])
		}
	case miINT16:
		for i := range out {
			out[i] = float64(int16(order.Uint16(body[2*i:])))
		}
	case miUINT16, miUTF16:
		for i := range out {
			out[i] = float64(order.Uint16(body[2*i:]))
		}
	case miINT32:
		for i := range out {
			out[i] = float64(int32(order.Uint32(body[4*i:])))
		}
	case miUINT32, miUTF32:
		for i := range out {
			out[i] = float64(order.Uint32(body[4*i:]))
		}
	case miSINGLE:
		for i := range out {
			out[i] = float64(math.Float32frombits(order.Uint32(body[4*i:])))
		}
	case miDOUBLE:
		for i := range out {
			out[i] = math.Float64frombits(order.Uint64(body[8*i:]))
		}
	case miINT64:
		for i := range out {
			out[i] = float64(int64(order.Uint64(body[8*i:])))
		}
	case miUINT64:
		for i := range out {
			out[i] = float64(order.Uint64(body[8*i:]))
		}
	}
	return out, nil
}

// decodeNumeric decodes the data of a numeric or logical array of count
// elements. Data stored in a type other than the class's own (as MATLAB
// does to save space) is converted as MATLAB would on load.
func decodeNumeric(typ uint32, body []byte, count int, class Class, order binary.ByteOrder) ([]float64, error) {
	vals, err := decodeValues(typ, body, order)
	if err != nil {
		return nil, err
	}
	if len(vals) != count {
		return nil, fmt.Errorf("data has %d values, dimensions need %d", len(vals), count)
	}
	if typ != nativeType(class) || class == Logical {
		for i, x := range vals {
			vals[i] = convertValue(class, x)
		}
	}
	return vals, nil
}

// convertValue converts x to class c as MATLAB's cast does: round to
// nearest (ties away from zero) and saturate for integers, NaN to 0;
// nonzero to 1 for logical; rounding to float32 for single.
func convertValue(c Class, x float64) float64 {
	switch {
	case c == Single:
		return float64(float32(x))
	case c == Logical:
		if x != 0 {
			return 1
		}
		return 0
	case c.isInt():
		if math.IsNaN(x) {
			return 0
		}
		lo, hi := c.intRange()
		return math.Max(lo, math.Min(hi, math.Round(x)))
	}
	return x
}

// decodeChars decodes the data of a char array into its text: rows joined
// with "\n".
func decodeChars(typ uint32, body []byte, dims []int, count int, order binary.ByteOrder) (string, error) {
	var units []rune // one per MATLAB character, in column-major order
	bytewise := false
	switch typ {
	case miUTF8, miUINT8, miINT8:
		if len(body) == count {
			// One byte per character: ASCII, Latin-1, or the raw UTF-8
			// bytes of Octave's char matrices. Decoded per row below.
			bytewise = true
			units = make([]rune, count)
			for i, b := range body {
				units[i] = rune(b)
			}
			break
		}
		if typ != miUTF8 || !utf8.Valid(body) {
			return "", fmt.Errorf("char data: %d bytes for %d characters", len(body), count)
		}
		units = []rune(string(body))
		if len(units) != count && utf16Len(string(body)) == count {
			// The dimensions count UTF-16 code units (MATLAB's view).
			u := utf16.Encode(units)
			units = make([]rune, len(u))
			for i, c := range u {
				units[i] = rune(c)
			}
		}
	case miUINT16, miUTF16, miINT16:
		if len(body)%2 != 0 {
			return "", fmt.Errorf("char data: %d bytes is not a whole number of UTF-16 code units", len(body))
		}
		units = make([]rune, len(body)/2)
		for i := range units {
			units[i] = rune(order.Uint16(body[2*i:]))
		}
	default:
		vals, err := decodeValues(typ, body, order)
		if err != nil {
			return "", fmt.Errorf("char %v", err)
		}
		units = make([]rune, len(vals))
		for i, x := range vals {
			if x >= 0 && x <= utf8.MaxRune && x == math.Trunc(x) {
				units[i] = rune(x)
			} else {
				units[i] = utf8.RuneError
			}
		}
	}
	if len(units) != count {
		return "", fmt.Errorf("char data has %d characters, dimensions need %d", len(units), count)
	}
	if count == 0 {
		return "", nil
	}
	rows := dims[0]
	cols := count / rows
	var b strings.Builder
	row := make([]rune, cols)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j := range row {
			row[j] = units[i+j*rows]
		}
		b.WriteString(unitsString(row, bytewise))
	}
	return b.String(), nil
}

// unitsString converts one row of characters to UTF-8. Bytewise rows are
// taken as UTF-8 if valid, else Latin-1; otherwise units are code points or
// UTF-16 code units (surrogate pairs are combined).
func unitsString(row []rune, bytewise bool) string {
	if bytewise {
		bs := make([]byte, len(row))
		for i, r := range row {
			bs[i] = byte(r)
		}
		if utf8.Valid(bs) {
			return string(bs)
		}
		return string(row) // Latin-1: each byte is its own code point
	}
	var b strings.Builder
	for i := 0; i < len(row); i++ {
		r := row[i]
		if utf16.IsSurrogate(r) && i+1 < len(row) {
			if c := utf16.DecodeRune(r, row[i+1]); c != utf8.RuneError {
				b.WriteRune(c)
				i++
				continue
			}
		}
		b.WriteRune(r) // lone surrogates become U+FFFD
	}
	return b.String()
}
