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
	"strings"
	"sync"
)

// Limits on the header sub-elements of an array, far above what MATLAB,
// Octave or scipy write (MATLAB names have at most 63 characters).
const (
	maxFlagsBytes = 64
	maxDims       = 1024
	maxNameBytes  = 4096
)

// maxRatio is the largest factor by which deflate can expand data (258-byte
// matches coded in 2 bits): a compressed element of n bytes never inflates
// to more than maxRatio*(n+1) bytes.
const maxRatio = 1032

// parser decodes one miMATRIX element, reading it as a stream: each
// sub-element is checked against the declared sizes and the read budget
// before its data is read, and the values are decoded as they arrive.
type parser struct {
	rd         *reader
	el         *element
	src        io.Reader // the matrix payload (after its tag)
	size       int64     // declared payload size
	pos        int64     // payload bytes consumed
	order      binary.ByteOrder
	lastBits   uint64 // the raw bits of the last 8-byte scalar read (exact 64-bit integers)
	fileOff    int64  // offset of the top-level element in the file
	base       int64  // offset of the payload relative to fileOff (or, if compressed, to the decompressed stream)
	compressed bool
	nameOnly   bool // stop after the name (of a truncated element)
	// trust is the payload position up to which data is known to be
	// present (uncompressed) or may be present (compressed: the most the
	// compressed bytes can inflate to), so that buffers can be allocated
	// at their full size; -1 if unknown (the input length is unknown):
	// buffers then grow as data arrives.
	trust int64

	name    string
	v       *Var  // the result: a supported variable
	info    *Var  // or an unsupported one
	charged int64 // budget charged for v
	tag     [8]byte
}

// errAt returns a FormatError for the variable being read at payload
// position pos, its message format with args.
func (p *parser) errAt(pos int64, format string, args ...any) error {
	e := &FormatError{Offset: p.fileOff, Var: p.name, Msg: fmt.Sprintf(format, args...)}
	if p.compressed {
		e.Compressed = true
		e.InnerOffset = p.base + pos
	} else {
		e.Offset = p.fileOff + p.base + pos
	}
	return e
}

// ioErr converts an error from reading the payload.
func (p *parser) ioErr(err error) error {
	var le *LimitError
	var fe *FormatError
	switch {
	case errors.As(err, &le):
		if le.Var == "" {
			le.Var = p.name
		}
		return le
	case errors.As(err, &fe):
		return fe
	case err == errInflateLimit:
		return p.limitErr("has compressed data that inflates past the %s read budget", sizeString(float64(p.rd.b.limit)))
	case p.el.eof.err != nil:
		// A read error from the input (also when it reaches us through
		// the decompressor).
		return fmt.Errorf("matfile: reading offset %d: %w", p.fileOff, p.el.eof.err)
	case p.el.fileEnded():
		return p.el.truncErr(p.name)
	case p.compressed && err == io.EOF:
		return p.errAt(p.pos, "compressed matrix declares %d bytes, only %d present", p.size, p.pos)
	case p.compressed:
		return p.errAt(p.pos, "corrupt compressed data: %v", err)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return p.el.truncErr(p.name)
	}
	return fmt.Errorf("matfile: reading offset %d: %w", p.fileOff, err)
}

// read reads len(b) bytes of the payload.
func (p *parser) read(b []byte) error {
	n, err := readFull(p.src, b)
	p.pos += int64(n)
	if err != nil {
		return p.ioErr(err)
	}
	return nil
}

// skip discards n bytes of the payload.
func (p *parser) skip(n int64) error {
	if n <= 0 {
		return nil
	}
	m, err := io.CopyN(io.Discard, p.src, n)
	p.pos += m
	if err != nil {
		return p.ioErr(err)
	}
	return nil
}

// sub is a sub-element whose tag has been read.
type sub struct {
	typ   uint32
	size  int64   // data bytes
	small [4]byte // data of a small element
	isSm  bool    // small element: the data is in small[:size]
	at    int64   // payload position of the tag
}

// next reads the tag of the next sub-element. ok is false at the end of the
// matrix.
func (p *parser) next(what string) (s sub, ok bool, err error) {
	s.at = p.pos
	rest := p.size - p.pos
	if rest == 0 {
		return s, false, nil
	}
	if rest < 8 {
		return s, false, p.errAt(s.at, "truncated %s: %d bytes left, need an 8-byte tag", what, rest)
	}
	if err := p.read(p.tag[:]); err != nil {
		return s, false, err
	}
	first := p.order.Uint32(p.tag[:])
	if n := first >> 16; n != 0 {
		// Small data element: up to 4 bytes packed in the tag.
		if n > 4 {
			return s, false, p.errAt(s.at, "%s: small data element declares %d bytes, at most 4 allowed", what, n)
		}
		s.typ, s.size, s.isSm = first&0xffff, int64(n), true
		copy(s.small[:], p.tag[4:])
		return s, true, nil
	}
	s.typ, s.size = first, int64(p.order.Uint32(p.tag[4:]))
	if s.size > rest-8 {
		return s, false, p.errAt(s.at, "truncated %s: declares %d bytes, only %d remain in the matrix", what, s.size, rest-8)
	}
	return s, true, nil
}

// need is next for a sub-element that must be present.
func (p *parser) need(what string) (sub, error) {
	s, ok, err := p.next(what)
	if err == nil && !ok {
		err = p.errAt(s.at, "matrix ends before its %s", what)
	}
	return s, err
}

// pad skips the padding after a regular sub-element of n bytes (tolerating
// a missing pad after the last sub-element).
func (p *parser) pad(n int64) error {
	return p.skip(min((8-n%8)%8, p.size-p.pos))
}

// body returns the data of a small header sub-element (its size already
// checked against the limits above) and skips its padding. The data is
// valid until the next call.
func (p *parser) body(s sub) ([]byte, error) {
	if s.isSm {
		return s.small[:s.size], nil
	}
	b := p.rd.scratch[:s.size]
	if err := p.read(b); err != nil {
		return nil, err
	}
	return b, p.pad(s.size)
}

// trusted reports whether n bytes from the current position are known to
// be present, or may be present in a compressed element; it gives an error
// if they cannot be.
func (p *parser) trusted(n int64, what string) (bool, error) {
	if p.trust < 0 {
		return false, nil
	}
	if n > p.trust-p.pos {
		return false, p.errAt(p.pos, "%s declares %d bytes, more than the compressed element can hold", what, n)
	}
	return true, nil
}

// bigBody reads the n-byte data of a sub-element that may be large,
// charging it to the read budget (the caller releases it); the buffer grows
// as data arrives unless the bytes are known to be present.
func (p *parser) bigBody(n int64, what string) ([]byte, error) {
	if n > p.rd.b.left() {
		return nil, p.limitErr("has %s of %s, over the %s read budget%s",
			sizeString(float64(n)), what, sizeString(float64(p.rd.b.limit)), p.rd.b.usedNote())
	}
	trust, err := p.trusted(n, what)
	if err != nil {
		return nil, err
	}
	p.rd.b.used += n
	if trust {
		b := make([]byte, n)
		return b, p.read(b)
	}
	var buf bytes.Buffer
	m, err := io.CopyN(&buf, p.src, n)
	p.pos += m
	if err != nil {
		return nil, p.ioErr(err)
	}
	return buf.Bytes(), nil
}

// compressedMatrix reads a miCOMPRESSED element: src is its payload, of
// which present bytes are in the input (if known).
func (p *parser) compressedMatrix(src io.Reader, present int64, known bool) error {
	z := getInflate(src)
	defer putInflate(z)
	if err := z.reset(); err != nil {
		if p.el.eof.err != nil || p.el.fileEnded() {
			return p.ioErr(err)
		}
		return &FormatError{Offset: p.fileOff, Msg: fmt.Sprintf("compressed element: invalid zlib stream: %v", err)}
	}
	p.src = &inflater{r: z.zr, b: &p.rd.b}
	p.compressed = true
	if n, err := readFull(p.src, p.tag[:]); err != nil {
		if (err == io.EOF || err == io.ErrUnexpectedEOF) && p.el.eof.err == nil {
			if p.el.fileEnded() {
				return p.el.truncErr("")
			}
			return &FormatError{Offset: p.fileOff, Compressed: true, Msg: fmt.Sprintf("compressed data ends after %d bytes, inside the element tag (%v)", n, err)}
		}
		return p.ioErr(err)
	}
	first := p.order.Uint32(p.tag[:4])
	if first>>16 != 0 || first != miMATRIX {
		return &FormatError{Offset: p.fileOff, Compressed: true, Msg: fmt.Sprintf("compressed element holds data type %d, want miMATRIX (14)", first&0xffff)}
	}
	p.size = int64(p.order.Uint32(p.tag[4:]))
	if known {
		p.trust = maxRatio * (present + 1)
	}
	if err := p.matrix(); err != nil || p.v == nil {
		// An unsupported variable is not inflated further.
		return err
	}
	// Inflate the rest of the stream, so that the checksum is verified;
	// bytes after the matrix are ignored (within the read budget).
	if err := p.skip(p.size - p.pos); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, p.src); err != nil {
		return p.ioErr(err)
	}
	return nil
}

// matrix decodes the matrix, setting p.v for a supported variable or p.info
// for an unsupported one.
func (p *parser) matrix() error {
	flags, err := p.arrayFlags()
	if err != nil {
		return err
	}
	mclass := flags & 0xff
	if mclass == mxOPAQUE {
		// Opaque objects (MATLAB classdef objects, strings, tables) have
		// no dimensions: the name follows the flags directly.
		if err := p.readName(); err != nil {
			return err
		}
		if err := p.charge(p.overhead(0)); err != nil {
			return err
		}
		p.info = &Var{Name: p.name, Class: Object, flags: flags}
		return nil
	}
	dims, dimsAt, err := p.readDims()
	if err != nil {
		return err
	}
	if err := p.readName(); err != nil {
		return err
	}
	if p.nameOnly {
		return nil
	}
	over := p.overhead(len(dims))
	count, err := dimsProduct(dims)
	if err != nil {
		return p.errAt(dimsAt, "dimensions %s: the number of elements overflows int64", dimsText(dims))
	}
	class, supported := classOf(mclass, flags)
	complex := flags&flagComplex != 0
	if !supported || complex {
		if err := p.charge(over); err != nil {
			return err
		}
		p.info = &Var{Name: p.name, Class: class, Dims: dims, Complex: complex, flags: flags}
		return nil
	}
	if err := p.reserve(over, count, dims, class); err != nil {
		return err
	}
	return p.values(&Var{Name: p.name, Class: class, Dims: dims}, count)
}

// arrayFlags reads the array flags sub-element and returns its first word
// (the class in the low byte, the complex, global and logical bits above).
func (p *parser) arrayFlags() (uint32, error) {
	s, err := p.need("array flags")
	if err != nil {
		return 0, err
	}
	if (s.typ != miUINT32 && s.typ != miINT32) || s.size < 4 || s.size > maxFlagsBytes {
		return 0, p.errAt(s.at, "array flags: data type %d with %d bytes, want miUINT32 with 8 bytes", s.typ, s.size)
	}
	body, err := p.body(s)
	if err != nil {
		return 0, err
	}
	return p.order.Uint32(body), nil
}

// readDims reads the dimensions sub-element (2 to maxDims non-negative
// 32-bit sizes) and returns the dimensions and the payload position of its
// tag.
func (p *parser) readDims() (dims []int, at int64, err error) {
	s, err := p.need("dimensions")
	if err != nil {
		return nil, 0, err
	}
	if (s.typ != miINT32 && s.typ != miUINT32) || s.size%4 != 0 {
		return nil, 0, p.errAt(s.at, "dimensions: data type %d with %d bytes, want miINT32 with a multiple of 4 bytes", s.typ, s.size)
	}
	if s.size < 8 {
		return nil, 0, p.errAt(s.at, "dimensions: %d entries, need at least 2", s.size/4)
	}
	if s.size > 4*maxDims {
		return nil, 0, p.errAt(s.at, "dimensions: %d entries, at most %d supported", s.size/4, maxDims)
	}
	body, err := p.body(s)
	if err != nil {
		return nil, 0, err
	}
	dims = make([]int, len(body)/4)
	for i := range dims {
		d := p.order.Uint32(body[4*i:])
		if s.typ == miINT32 && int32(d) < 0 {
			return nil, 0, p.errAt(s.at, "dimensions: negative dimension %d", int32(d))
		}
		if d > math.MaxInt32 {
			return nil, 0, p.errAt(s.at, "dimensions: dimension %d too large", d)
		}
		dims[i] = int(d)
	}
	return dims, s.at, nil
}

// classOf returns the Class of a MAT-file array class (mclass, with the
// array flags) and whether such variables are read (char, numeric and
// logical arrays); the others are only described.
func classOf(mclass, flags uint32) (class Class, supported bool) {
	switch {
	case mclass == mxCHAR:
		return Char, true
	case mclass >= mxDOUBLE && mclass <= mxUINT64:
		if flags&flagLogical != 0 {
			return Logical, true
		}
		return Double + Class(mclass-mxDOUBLE), true
	case mclass == mxCELL:
		return Cell, false
	case mclass == mxSTRUCT:
		return Struct, false
	case mclass == mxOBJECT:
		return Object, false
	case mclass == mxSPARSE:
		return Sparse, false
	case mclass == mxFUNCTION:
		return Function, false
	}
	return Unknown, false
}

// reserve charges a supported variable to the read budget before its data
// is read: its overhead over and 8 bytes for each of its count elements (a
// float64, or the decoded text), which are set aside in p.charged.
func (p *parser) reserve(over int64, count int, dims []int, class Class) error {
	if over > p.rd.b.left() {
		return p.charge(over) // the error
	}
	if int64(count) > (p.rd.b.left()-over)/8 {
		return p.limitErr("declares %s %s (%s in memory), over the %s read budget%s", dimsText(dims), class,
			sizeString(8*float64(count)+float64(over)), sizeString(float64(p.rd.b.limit)), p.rd.b.usedNote())
	}
	p.charged = 8 * int64(count)
	p.rd.b.used += over + p.charged
	return nil
}

// values reads the data sub-element of v, a supported variable of count
// elements, and sets p.v to v.
func (p *parser) values(v *Var, count int) error {
	s, ok, err := p.next("data")
	if err != nil {
		return err
	}
	if !ok {
		if count != 0 {
			return p.errAt(s.at, "matrix ends before its data (%s array needs %d elements)", dimString(v.Dims), count)
		}
		if v.Class != Char {
			v.Data = []float64{}
		}
		p.v = v
		return nil
	}
	if v.Class == Char {
		v.Str, err = p.chars(s, v.Dims, count)
	} else {
		v.Data, err = p.numeric(s, count, v.Class)
		if err == nil && count == 1 && (v.Class == Int64 || v.Class == Uint64) && (s.typ == miINT64 || s.typ == miUINT64) {
			v.exact, v.hasExact = p.lastBits, true
		}
	}
	if err != nil {
		return err
	}
	p.v = v
	return nil
}

// limitErr returns a LimitError for the variable being read: its message is
// format with args, which tell what exceeds the read budget.
func (p *parser) limitErr(format string, args ...any) *LimitError {
	return &LimitError{Offset: p.fileOff, Var: p.name, Limit: p.rd.b.limit, Msg: fmt.Sprintf(format, args...)}
}

// varOverhead approximates the memory that a variable takes besides its
// values: the Var, its entry in File and their slices.
const varOverhead = 256

// overhead returns the memory of a variable besides its values: its name,
// its dimensions and its records. It is charged to the read budget too, so
// that a file of many small variables (which compress to almost nothing)
// cannot exceed the budget either.
func (p *parser) overhead(ndims int) int64 {
	return int64(varOverhead + len(p.name) + 8*ndims)
}

// charge charges n bytes of variable overhead to the read budget.
func (p *parser) charge(n int64) error {
	if n > p.rd.b.left() {
		return p.limitErr("brings the memory used by the file's variables past the %s read budget%s",
			sizeString(float64(p.rd.b.limit)), p.rd.b.usedNote())
	}
	p.rd.b.used += n
	return nil
}

// readName reads the array name sub-element into p.name.
func (p *parser) readName() error {
	s, err := p.need("array name")
	if err != nil {
		return err
	}
	if s.typ != miINT8 && s.typ != miUINT8 && s.typ != miUTF8 {
		return p.errAt(s.at, "array name: data type %d, want miINT8", s.typ)
	}
	if s.size > maxNameBytes {
		return p.errAt(s.at, "array name: %d bytes, at most %d supported", s.size, maxNameBytes)
	}
	body, err := p.body(s)
	if err != nil {
		return err
	}
	p.name = strings.TrimRight(string(body), "\x00")
	return nil
}

// chars decodes the data of a char array of count characters.
func (p *parser) chars(s sub, dims []int, count int) (string, error) {
	var body []byte
	if s.isSm {
		body = s.small[:s.size]
	} else {
		// No character takes more than 8 bytes in any data type.
		if s.size > 8*int64(count) {
			return "", p.errAt(s.at, "char data: %d bytes for %d characters", s.size, count)
		}
		var err error
		if body, err = p.bigBody(s.size, "char data"); err != nil {
			return "", err
		}
		defer func() { p.rd.b.used -= s.size }()
		if err := p.pad(s.size); err != nil {
			return "", err
		}
	}
	str, err := decodeChars(s.typ, body, dims, count, p.order)
	if err != nil {
		return "", p.errAt(s.at, "%v", err)
	}
	return str, nil
}

// chunkBytes is the size of the chunks in which numeric data is read.
const chunkBytes = 64 << 10

// numeric decodes the data of a numeric or logical array of count
// elements, reading it in chunks. Data stored in a type other than the
// class's own (as MATLAB does to save space) is converted as MATLAB would
// on load.
func (p *parser) numeric(s sub, count int, class Class) ([]float64, error) {
	esize := int64(elemSize(s.typ))
	if esize == 0 {
		return nil, p.errAt(s.at, "data of type %d, which is not a numeric data type", s.typ)
	}
	if s.size%esize != 0 {
		return nil, p.errAt(s.at, "data: %d bytes is not a whole number of %d-byte values", s.size, esize)
	}
	if n := s.size / esize; n != int64(count) {
		return nil, p.errAt(s.at, "data has %d values, dimensions need %d", n, count)
	}
	var out []float64
	if s.isSm {
		out = make([]float64, count)
		decodeInto(out, s.typ, s.small[:], p.order)
	} else {
		trust, err := p.trusted(s.size, "data")
		if err != nil {
			return nil, err
		}
		if trust {
			out = make([]float64, count)
		} else {
			out = make([]float64, 0, min(count, chunkBytes/8))
		}
		chunk := make([]byte, min(s.size, chunkBytes))
		for n := 0; n < count; {
			c := chunk[:min(int64(len(chunk)), int64(count-n)*esize)]
			if err := p.read(c); err != nil {
				return nil, err
			}
			k := len(c) / int(esize)
			if !trust {
				out = growFloats(out, n+k, count)
			}
			decodeInto(out[n:n+k], s.typ, c, p.order)
			if count == 1 && esize == 8 {
				p.lastBits = p.order.Uint64(c)
			}
			n += k
		}
		if err := p.pad(s.size); err != nil {
			return nil, err
		}
	}
	if s.typ != nativeType(class) || class == Logical {
		for i, x := range out {
			out[i] = convertValue(class, x)
		}
	}
	return out, nil
}

// growFloats extends s to length n (at most total), reallocating so that
// the last reallocation copies at most half of total: the transient memory
// stays below 1.5 times the final size.
func growFloats(s []float64, n, total int) []float64 {
	if n <= cap(s) {
		return s[:n]
	}
	c := max(2*cap(s), n)
	if c > total/2 {
		if cap(s) >= total/2 {
			c = total
		} else {
			c = max(total/2, n)
		}
	}
	c = min(c, total)
	t := make([]float64, n, c)
	copy(t, s)
	return t
}

// inflate is a zlib decompressor with its input buffer, kept in a pool:
// each costs about 50 KB to allocate.
type inflate struct {
	br *bufio.Reader
	zr io.ReadCloser
}

var inflatePool sync.Pool

// getInflate returns a decompressor reading src; call reset before use.
func getInflate(src io.Reader) *inflate {
	z, _ := inflatePool.Get().(*inflate)
	if z == nil {
		return &inflate{br: bufio.NewReaderSize(src, 4096)}
	}
	z.br.Reset(src)
	return z
}

// reset reads the zlib header.
func (z *inflate) reset() error {
	if z.zr == nil {
		zr, err := zlib.NewReader(z.br)
		if err != nil {
			return err
		}
		z.zr = zr
		return nil
	}
	return z.zr.(zlib.Resetter).Reset(z.br, nil)
}

// putInflate returns z to the pool.
func putInflate(z *inflate) {
	z.br.Reset(nil)
	inflatePool.Put(z)
}

// dimsText formats dimensions for messages: "65536 x 65536"; many
// dimensions are abbreviated.
func dimsText(dims []int) string {
	const most = 8
	if len(dims) > most {
		return strings.ReplaceAll(dimString(dims[:most-2]), "x", " x ") + fmt.Sprintf(" x ... x %d (%d dimensions)", dims[len(dims)-1], len(dims))
	}
	return strings.ReplaceAll(dimString(dims), "x", " x ")
}
