package matfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
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

// DefaultMaxBytes is the read budget used when [ReadOptions].MaxBytes is 0:
// 1 GiB.
const DefaultMaxBytes int64 = 1 << 30

// ReadOptions controls how a MAT-file is read.
type ReadOptions struct {
	// MaxBytes is the read budget of one file, in bytes. It bounds the
	// memory the reader holds for the file's content: the decoded values
	// (8 bytes per element of every numeric, logical and char array,
	// whatever its class in the file: values are held as float64), the
	// names, dimensions and records of the variables and, for UpdateFile,
	// the raw bytes of the elements it keeps. Each
	// variable's declared dimensions are checked against what is left of
	// the budget before any of its data is read, inflated or converted.
	// MaxBytes also bounds the total number of bytes inflated from the
	// file's compressed elements, so that a zip bomb stops at the limit.
	// Input over the budget gives a *[LimitError].
	//
	// Zero means [DefaultMaxBytes]; a negative value means no limit (for
	// trusted files only).
	MaxBytes int64
}

// limit returns the effective budget.
func (o ReadOptions) limit() int64 {
	switch {
	case o.MaxBytes == 0:
		return DefaultMaxBytes
	case o.MaxBytes < 0:
		return math.MaxInt64
	}
	return o.MaxBytes
}

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
		fmt.Fprintf(&b, ": variable %s", quoteName(e.Var))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// quoteName quotes a variable name for a message, shortening a long one.
func quoteName(name string) string {
	const max = 64
	if len(name) <= max {
		return strconv.Quote(name)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (a %d-byte name)", name[:cut], len(name))
}

// LimitError reports a file whose content would exceed the read budget,
// [ReadOptions].MaxBytes. The file may be valid: reading it with a larger
// budget may succeed.
type LimitError struct {
	// Offset is the byte offset in the file of the top-level element
	// concerned.
	Offset int64
	// Var is the name of the variable concerned, if known.
	Var string
	// Limit is the read budget in bytes.
	Limit int64
	// Msg describes what exceeds the budget.
	Msg string
}

// Error implements the error interface.
func (e *LimitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "matfile: offset %d: ", e.Offset)
	if e.Var != "" {
		fmt.Fprintf(&b, "variable %s ", quoteName(e.Var))
	}
	b.WriteString(e.Msg)
	b.WriteString(" (matfile.ReadOptions.MaxBytes)")
	return b.String()
}

// ReadFile reads the MAT-file at path with the default read budget. See
// [Read] and [ReadFileWith].
func ReadFile(path string) (*File, error) {
	return readFile(path, false, ReadOptions{})
}

// ReadFileWith reads the MAT-file at path with the given options. See
// [ReadWith].
func ReadFileWith(path string, opt ReadOptions) (*File, error) {
	return readFile(path, false, opt)
}

func readFile(path string, keepRaw bool, opt ReadOptions) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	defer fh.Close()
	avail := inputLen(fh)
	f, err := read(bufio.NewReaderSize(fh, 1<<16), avail, keepRaw, opt)
	if err != nil {
		return nil, fmt.Errorf("%w (reading %s)", err, path)
	}
	return f, nil
}

// Read reads a Level 5 MAT-file from r with the default read budget
// ([DefaultMaxBytes]). See [ReadWith].
func Read(r io.Reader) (*File, error) {
	return read(r, inputLen(r), false, ReadOptions{})
}

// ReadWith reads a Level 5 MAT-file from r, uncompressed or compressed,
// little- or big-endian. Supported variables are in File.Vars; variables of
// other kinds are listed in File.Unsupported (and their names in
// File.Skipped). Malformed content gives a *[FormatError], content over the
// read budget (opt.MaxBytes) a *[LimitError]; a read error from r is
// returned wrapped.
//
// When r is an *os.File, a *bytes.Reader, a *bytes.Buffer or a
// *strings.Reader, the number of bytes left in it is used to detect a
// truncated element before its content is parsed.
func ReadWith(r io.Reader, opt ReadOptions) (*File, error) {
	return read(r, inputLen(r), false, opt)
}

// inputLen returns the number of bytes left in r, or -1 if unknown.
func inputLen(r io.Reader) int64 {
	switch r := r.(type) {
	case *bytes.Reader:
		return int64(r.Len())
	case *bytes.Buffer:
		return int64(r.Len())
	case *strings.Reader:
		return int64(r.Len())
	case *os.File:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		pos, err := r.Seek(0, io.SeekCurrent)
		if err != nil || pos > st.Size() {
			return -1
		}
		return st.Size() - pos
	}
	return -1
}

// budget tracks the read budget of one file.
type budget struct {
	limit    int64
	used     int64 // memory held: decoded values, kept raw bytes, buffers
	inflated int64 // bytes inflated from compressed elements so far
}

func (b *budget) left() int64 { return b.limit - b.used }

// usedNote describes the part of the budget already used, for messages.
func (b *budget) usedNote() string {
	if b.used == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s of it already used)", sizeString(float64(b.used)))
}

// reader holds the state of one file being read.
type reader struct {
	r       io.Reader
	avail   int64 // bytes left in r, or -1 if unknown
	order   binary.ByteOrder
	keepRaw bool
	b       budget
	scratch [max(maxFlagsBytes, 4*maxDims, maxNameBytes)]byte // header sub-elements
}

// read parses a whole file. avail is the number of bytes in r, or -1 if
// unknown. With keepRaw, the raw bytes of every top-level element are kept
// (for UpdateFile).
func read(r io.Reader, avail int64, keepRaw bool, opt ReadOptions) (*File, error) {
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

	rd := &reader{r: r, avail: avail, order: order, keepRaw: keepRaw, b: budget{limit: opt.limit()}}
	if rd.avail >= 0 {
		rd.avail -= headerLen
	}
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
		if rd.avail >= 0 {
			rd.avail -= 8
		}
		first := order.Uint32(tag[:4])
		if first>>16 != 0 {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("small data element (type %d) at top level, want miMATRIX or miCOMPRESSED", first&0xffff)}
		}
		typ, size := first, int64(order.Uint32(tag[4:]))
		if typ != miMATRIX && typ != miCOMPRESSED {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("top-level element of data type %d, want miMATRIX (14) or miCOMPRESSED (15)", typ)}
		}
		res, err := rd.element(off, tag[:], typ, size)
		if err != nil {
			return nil, err
		}
		e := entry{name: res.name, v: res.v, raw: res.raw}
		switch {
		case off == subsys && res.name == "":
			// Not a variable: kept for UpdateFile only.
			e.v, e.subsys = nil, true
			rd.b.used -= res.charged
		case res.v == nil || res.name == "":
			// Unsupported kinds, and nameless elements, which MATLAB's
			// load ignores.
			f.Skipped = append(f.Skipped, res.name)
			if res.info != nil && res.name != "" {
				f.Unsupported = append(f.Unsupported, res.info)
				e.info = res.info
			}
			e.v = nil
			rd.b.used -= res.charged
		default:
			f.Vars = append(f.Vars, res.v)
		}
		f.entries = append(f.entries, e)
		off += 8 + size
		if rd.avail >= 0 {
			rd.avail -= size
		}
	}
	return f, nil
}

// elemResult is the outcome of reading one top-level element.
type elemResult struct {
	v       *Var   // a supported variable
	info    *Var   // an unsupported one (no values)
	name    string // the variable name
	raw     []byte // the element bytes, tag included (keepRaw only)
	charged int64  // budget charged for v's values
}

// element is the top-level element being read.
type element struct {
	off       int64
	size      int64 // declared payload size
	truncated bool  // known before parsing to extend past the end of the input
	present   int64 // payload bytes present, when truncated
	eof       *eofReader
	lr        *io.LimitedReader // the payload, limited to the bytes present
}

// fileEnded reports whether the input ended inside the element.
func (el *element) fileEnded() bool {
	return el.truncated || el.eof.hit && el.lr.N > 0
}

// truncErr reports a truncated element.
func (el *element) truncErr(name string) error {
	present := el.present
	if !el.truncated {
		present = el.size - el.lr.N
	}
	return &FormatError{Offset: el.off, Var: name, Msg: fmt.Sprintf("truncated element: declares %d bytes, only %d present", el.size, present)}
}

// element reads the top-level element at offset off, whose tag has been
// read.
func (rd *reader) element(off int64, tag []byte, typ uint32, size int64) (*elemResult, error) {
	el := &element{off: off, size: size, eof: &eofReader{r: rd.r}}
	present := size
	if rd.avail >= 0 && size > rd.avail {
		// Parse what is there only to name the variable in the error.
		el.truncated, el.present, present = true, rd.avail, rd.avail
	}
	el.lr = &io.LimitedReader{R: el.eof, N: present}
	var src io.Reader = el.lr
	var raw *rawBuf
	if rd.keepRaw && !el.truncated {
		raw = &rawBuf{b: &rd.b, off: off}
		if err := raw.start(tag, size, rd.avail >= 0); err != nil {
			return nil, err
		}
		src = io.TeeReader(el.lr, raw)
	}
	p := &parser{rd: rd, el: el, src: src, order: rd.order, fileOff: off, base: 8, nameOnly: el.truncated, trust: -1}
	var err error
	if typ == miMATRIX {
		p.size = size
		if rd.avail >= 0 {
			p.trust = size // present: checked above
		}
		err = p.matrix()
		if err == nil && !el.truncated {
			err = p.skip(p.size - p.pos)
		}
	} else {
		err = p.compressedMatrix(src, present, rd.avail >= 0)
	}
	if el.truncated {
		return nil, el.truncErr(p.name)
	}
	if err != nil {
		return nil, err
	}
	// The rest of the element: the bytes after the zlib stream, or all the
	// compressed data of an unsupported variable, which is not inflated.
	if _, err := io.Copy(io.Discard, src); err != nil {
		return nil, p.ioErr(err)
	}
	if el.lr.N > 0 {
		return nil, el.truncErr(p.name)
	}
	res := &elemResult{v: p.v, info: p.info, name: p.name, charged: p.charged}
	if raw != nil {
		res.raw = raw.buf
	}
	return res, nil
}

// eofReader records whether its reader reached the end of its input, or
// failed.
type eofReader struct {
	r   io.Reader
	hit bool  // io.EOF was returned
	err error // another error was returned
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	switch {
	case err == io.EOF:
		e.hit = true
	case err != nil && e.err == nil:
		e.err = err
	}
	return n, err
}

// rawBuf collects the bytes of a top-level element for UpdateFile, charging
// them to the read budget.
type rawBuf struct {
	b       *budget
	off     int64
	buf     []byte
	charged bool // the whole element was charged in advance
}

// start begins the buffer with the element tag. If the element is known to
// be present in full, its whole size is charged and allocated at once.
func (r *rawBuf) start(tag []byte, size int64, present bool) error {
	if present {
		if 8+size > r.b.left() {
			return r.limitErr(8 + size)
		}
		r.b.used += 8 + size
		r.buf = make([]byte, 0, 8+size)
		r.charged = true
		r.buf = append(r.buf, tag...)
		return nil
	}
	_, err := r.Write(tag)
	return err
}

func (r *rawBuf) Write(p []byte) (int, error) {
	if !r.charged {
		if int64(len(p)) > r.b.left() {
			return 0, r.limitErr(int64(len(r.buf) + len(p)))
		}
		r.b.used += int64(len(p))
	}
	r.buf = append(r.buf, p...)
	return len(p), nil
}

func (r *rawBuf) limitErr(n int64) error {
	return &LimitError{Offset: r.off, Limit: r.b.limit, Msg: fmt.Sprintf(
		"element of %s or more, kept whole to update the file, is over the %s read budget%s", sizeString(float64(n)), sizeString(float64(r.b.limit)), r.b.usedNote())}
}

// errInflateLimit is returned by an inflater at the read budget.
var errInflateLimit = errors.New("matfile: inflation limit reached")

// inflater reads decompressed data, counting it against the read budget.
type inflater struct {
	r io.Reader
	b *budget
}

func (f *inflater) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	left := f.b.limit - f.b.inflated
	if left <= 0 {
		// At the limit: more data is an error, the end of the stream is not.
		var one [1]byte
		n, err := f.r.Read(one[:])
		if n > 0 {
			return 0, errInflateLimit
		}
		return 0, err
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := f.r.Read(p)
	f.b.inflated += int64(n)
	return n, err
}

// readFull reads len(b) bytes from r. Unlike io.ReadFull it returns the
// reader's own error: io.EOF if r ended, whatever the number of bytes read.
func readFull(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			if err == io.EOF && n == len(b) {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}

// sizeString formats a number of bytes for messages: "512 bytes",
// "32 GiB", "1.5 MiB".
func sizeString(n float64) string {
	if n < 1024 {
		return fmt.Sprintf("%.0f bytes", n)
	}
	const units = "KMGTPEZY"
	u := -1
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return strings.TrimSuffix(strconv.FormatFloat(n, 'f', 1, 64), ".0") + " " + units[u:u+1] + "iB"
}
