// Package matfile reads and writes MATLAB Level 5 MAT-files (the format of
// MATLAB's "save -v6" and "save -v7", GNU Octave's "save -v6"/"-v7" and
// Python's scipy.io.savemat).
//
// It supports the array kinds a numerical model needs: real numeric arrays of
// every class (double, single, int8 ... uint64), logical arrays and char
// arrays, of any number of dimensions, stored uncompressed or zlib-compressed
// (miCOMPRESSED), in little- or big-endian files. Other kinds (complex
// arrays, sparse matrices, cell arrays, structs, objects, function handles)
// are not decoded: they are listed in [File.Unsupported] with their name,
// class, dimensions and complex flag, so that a caller can say "w is a
// complex double" rather than "w is missing" (see [File.Lookup] and
// [Var.Kind]); their names are also in [File.Skipped], and [UpdateFile]
// writes them back byte-for-byte. MAT-file version 7.3 (HDF5) and version
// 4 files are not supported.
//
// Values are held as float64 in MATLAB's column-major order, whatever the
// class; int64 and uint64 values beyond ±2^53 therefore lose precision.
//
// Reading is defensive: malformed, truncated or hostile input yields an error
// (a *[FormatError] for malformed content, a *[LimitError] for content over
// the read budget) that names the problem, the byte offset and, when known,
// the variable; no input makes the reader panic.
//
// Limits: a file is read within a memory budget, [ReadOptions].MaxBytes, by
// default [DefaultMaxBytes] (1 GiB). Each variable's declared dimensions
// (overflow-checked) times 8 bytes per element, its size in memory whatever
// its class in the file, are checked against what is left of the budget
// before its data is read, inflated or converted; its name and dimensions
// count too, and so do the bytes inflated from compressed elements, so that
// a zip bomb stops at the limit. Over the budget, reading stops with a
// *[LimitError] naming the variable and its size in memory. Buffers grow as
// data arrives unless the input is known to hold the bytes, so that no file,
// however crafted, makes [Read] or [ReadFile] hold much more than MaxBytes (a
// compressed variable read from a stream of unknown length may need half
// its size again while it grows). Use [ReadFileWith] or [ReadWith] to set
// another budget.
//
// Writing follows scipy.io.savemat: a 128-byte header, one miMATRIX element
// per variable (or one miCOMPRESSED element per variable with
// WriteOptions.Compress, as MATLAB and Octave do for -v7), each class in its
// native data type, logical as uint8 with the logical flag, and ASCII char
// data as miUTF8. Non-ASCII text is written as miUTF16 with MATLAB's
// dimensions (UTF-16 code units), which MATLAB and Octave read; scipy reads
// it too unless it has characters outside the Basic Multilingual Plane
// (scipy counts code points), and Octave cannot hold non-ASCII char
// matrices of more than one row. [WriteFile] and [UpdateFile] replace files
// atomically.
package matfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Class is the MATLAB class of an array.
type Class uint8

// The MATLAB array classes. Double through Logical are the classes this
// package decodes and writes; the others (Cell and after) describe
// variables that are read only as entries of [File.Unsupported].
const (
	Double   Class = iota + 1 // double: 64-bit floating point
	Single                    // single: 32-bit floating point
	Int8                      // int8
	Uint8                     // uint8
	Int16                     // int16
	Uint16                    // uint16
	Int32                     // int32
	Uint32                    // uint32
	Int64                     // int64 (values held as float64: exact up to ±2^53)
	Uint64                    // uint64 (values held as float64: exact up to 2^53)
	Char                      // char: text, held in Var.Str
	Logical                   // logical: values 0 or 1
	Cell                      // cell array (not decoded)
	Struct                    // struct array (not decoded)
	Object                    // object: classdef or old-style class instance, string, table, ... (not decoded)
	Sparse                    // sparse matrix (not decoded)
	Function                  // function handle (not decoded)
	Unknown                   // a class code this package does not know (not decoded)
)

var classNames = [...]string{
	Double: "double", Single: "single", Int8: "int8", Uint8: "uint8",
	Int16: "int16", Uint16: "uint16", Int32: "int32", Uint32: "uint32",
	Int64: "int64", Uint64: "uint64", Char: "char", Logical: "logical",
	Cell: "cell", Struct: "struct", Object: "object", Sparse: "sparse",
	Function: "function_handle", Unknown: "unknown",
}

// String returns the MATLAB name of the class ("double", "int8", "char",
// "cell", "struct", "function_handle", ...), "unknown" for Unknown, or
// "Class(n)" for an invalid value.
func (c Class) String() string {
	if c >= Double && c <= Unknown {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// valid reports whether c is a class this package decodes and writes.
func (c Class) valid() bool { return c >= Double && c <= Logical }

// isInt reports whether c is one of the integer classes.
func (c Class) isInt() bool { return c >= Int8 && c <= Uint64 }

// intRange returns the range of an integer class as float64 values. For the
// 64-bit classes the upper bound is the float64 nearest to the true maximum
// (2^63 and 2^64), so that values read from a file always fit.
func (c Class) intRange() (lo, hi float64) {
	switch c {
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Uint8, Logical:
		return 0, math.MaxUint8
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Uint16:
		return 0, math.MaxUint16
	case Int32:
		return math.MinInt32, math.MaxInt32
	case Uint32:
		return 0, math.MaxUint32
	case Int64:
		return math.MinInt64, math.MaxInt64
	case Uint64:
		return 0, math.MaxUint64
	}
	return math.Inf(-1), math.Inf(1)
}

// Var is one MATLAB variable: a real numeric, logical or char array, or,
// in [File.Unsupported], a variable of another kind, described without its
// values.
type Var struct {
	// Name is the variable name. Written names must be valid MATLAB names:
	// a letter followed by letters, digits or underscores, at most 63
	// characters.
	Name string
	// Class is the MATLAB class of the array. For a complex array it is
	// the class of its parts (Double for complex double, ...) and Complex
	// is set.
	Class Class
	// Dims holds the MATLAB dimensions (rows, columns, pages, ...); it
	// always has at least 2 entries, except for the objects of
	// File.Unsupported stored without dimensions (nil).
	Dims []int
	// Data holds the values of numeric and logical arrays in MATLAB's
	// column-major order; len(Data) is the product of Dims. It is nil for
	// Char arrays and for the variables of File.Unsupported.
	Data []float64
	// Str holds the text of a Char array: for a 1-by-n char row the text
	// itself; for an m-by-n char matrix the m rows joined with "\n". Data
	// decoded from the file as UTF-16 (MATLAB's own character unit) is
	// converted to UTF-8; the number of columns in Dims counts UTF-16 code
	// units. Empty for other classes.
	Str string
	// Complex is set for a complex array, which is not decoded: it is
	// listed in File.Unsupported with its class and dimensions but no
	// Data, so that it cannot be taken for its real part.
	Complex bool

	flags uint32 // array flags of an unsupported variable, as read

	// exact holds the exact value of an int64 or uint64 scalar (Data
	// holds it as a float64, exact only up to 2^53).
	exact    uint64
	hasExact bool
}

// NewUint64 returns a 1-by-1 uint64 variable holding u exactly (seeds:
// all 64 bits survive a write and a read, beyond float64's 2^53).
func NewUint64(name string, u uint64) *Var {
	return &Var{Name: name, Class: Uint64, Dims: []int{1, 1}, Data: []float64{float64(u)}, exact: u, hasExact: true}
}

// Uint64 returns the exact value of a uint64 or non-negative int64 scalar
// and true; false for other variables (use Data or Scalar for them).
func (v *Var) Uint64() (uint64, bool) {
	if v == nil || len(v.Data) != 1 || (v.Class != Uint64 && v.Class != Int64) {
		return 0, false
	}
	if v.hasExact {
		if v.Class == Int64 && int64(v.exact) < 0 {
			return 0, false
		}
		return v.exact, true
	}
	x := v.Data[0]
	if x < 0 || x > 1<<53 || x != math.Trunc(x) {
		return 0, false
	}
	return uint64(x), true
}

// Kind returns a short human description of the kind of array: the class
// name for a supported variable ("double", "int8", "logical", "char"),
// "complex double" (and so on) for a complex array, "sparse" (or "complex
// sparse", "sparse logical"), "cell array", "struct", "object", "function
// handle", or "unknown class N" for a class code this package does not
// know. It is meant for messages such as "variable w is a cell array".
func (v *Var) Kind() string {
	var k string
	switch v.Class {
	case Cell:
		k = "cell array"
	case Sparse:
		k = "sparse"
		if v.flags&flagLogical != 0 {
			k = "sparse logical"
		}
	case Function:
		k = "function handle"
	case Unknown:
		k = fmt.Sprintf("unknown class %d", v.flags&0xff)
	default:
		k = v.Class.String()
	}
	if v.Complex {
		k = "complex " + k
	}
	return k
}

// withArticle prefixes a kind with "a" or "an".
func withArticle(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// Supported reports whether v is a variable of a kind this package decodes
// and writes: a real numeric, logical or char array.
func (v *Var) Supported() bool { return v.Class.valid() && !v.Complex }

// Rows returns the number of rows, Dims[0] (0 when Dims is empty).
func (v *Var) Rows() int {
	if len(v.Dims) == 0 {
		return 0
	}
	return v.Dims[0]
}

// Cols returns the number of columns of the 2-D view of the array: the
// product of Dims[1:] (0 when Dims is empty).
func (v *Var) Cols() int {
	if len(v.Dims) == 0 {
		return 0
	}
	n := 1
	for _, d := range v.Dims[1:] {
		n *= d
	}
	return n
}

// Len returns the number of elements, the product of Dims (for a Char array,
// the number of characters as MATLAB counts them). It is 0 when Dims is
// empty.
func (v *Var) Len() int {
	if len(v.Dims) == 0 {
		return 0
	}
	return v.Rows() * v.Cols()
}

// At returns element (i, j) of the 2-D view (Rows() by Cols()) of a numeric
// or logical array, using column-major lookup. It panics if i or j is out of
// range, like a slice index, or if v is a Char array.
func (v *Var) At(i, j int) float64 {
	r, c := v.Rows(), v.Cols()
	if i < 0 || i >= r || j < 0 || j >= c {
		panic(fmt.Sprintf("matfile: index (%d, %d) out of range for %s variable %q of size %s", i, j, v.Class, v.Name, dimString(v.Dims)))
	}
	return v.Data[i+j*r]
}

// RowMajor returns a copy of Data in row-major order for the 2-D view of the
// array (Rows() by Cols()): element (i, j) is at index i*Cols()+j. It
// returns nil for Char arrays and for arrays whose Data does not match Dims.
func (v *Var) RowMajor() []float64 {
	r, c := v.Rows(), v.Cols()
	if v.Class == Char || len(v.Data) != r*c {
		return nil
	}
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[i*c+j] = v.Data[i+j*r]
		}
	}
	return out
}

// Scalar returns the only value of a numeric or logical array with exactly
// one element. Otherwise it returns an error naming the variable.
func (v *Var) Scalar() (float64, error) {
	if v.Class == Char {
		return 0, fmt.Errorf("matfile: variable %q is a char array, not a numeric scalar", v.Name)
	}
	if !v.Supported() {
		return 0, fmt.Errorf("matfile: variable %q is %s, not a real numeric scalar", v.Name, withArticle(v.Kind()))
	}
	if v.Len() != 1 || len(v.Data) != 1 {
		return 0, fmt.Errorf("matfile: variable %q is a %s %s array, not a scalar", v.Name, dimString(v.Dims), v.Class)
	}
	return v.Data[0], nil
}

// NewMatrix returns a rows-by-cols numeric or logical variable of the given
// class from values in row-major order (as in Go's [][]float64 or gonum's
// mat.Dense); they are copied into column-major order. It panics if
// len(rowMajor) != rows*cols, if a dimension is negative or if class is Char
// (use [NewString]).
func NewMatrix(name string, class Class, rows, cols int, rowMajor []float64) *Var {
	checkNumericClass("NewMatrix", class)
	if rows < 0 || cols < 0 || len(rowMajor) != rows*cols {
		panic(fmt.Sprintf("matfile: NewMatrix(%q): %d values for a %dx%d matrix", name, len(rowMajor), rows, cols))
	}
	data := make([]float64, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			data[i+j*rows] = rowMajor[i*cols+j]
		}
	}
	return &Var{Name: name, Class: class, Dims: []int{rows, cols}, Data: data}
}

// NewArray returns an N-D numeric or logical variable with the given MATLAB
// dimensions (at least 2) and values in column-major order. dims is copied;
// colMajor is retained, not copied. It panics if len(colMajor) is not the
// product of dims, if fewer than 2 dimensions are given, if a dimension is
// negative, or if class is Char (use [NewString]).
func NewArray(name string, class Class, dims []int, colMajor []float64) *Var {
	checkNumericClass("NewArray", class)
	n, err := dimsProduct(dims)
	if err != nil || len(dims) < 2 || n != len(colMajor) {
		panic(fmt.Sprintf("matfile: NewArray(%q): %d values for dimensions %v", name, len(colMajor), dims))
	}
	return &Var{Name: name, Class: class, Dims: append([]int(nil), dims...), Data: colMajor}
}

// NewScalar returns a 1x1 numeric or logical variable. It panics if class is
// Char.
func NewScalar(name string, class Class, x float64) *Var {
	checkNumericClass("NewScalar", class)
	return &Var{Name: name, Class: class, Dims: []int{1, 1}, Data: []float64{x}}
}

// NewString returns a 1-by-n char row holding s (a UTF-8 string); n counts
// UTF-16 code units, as MATLAB does. Newlines in s are kept as characters of
// the single row. The empty string gives a 0x0 char array, like MATLAB's
// empty string literal.
func NewString(name, s string) *Var {
	if s == "" {
		return &Var{Name: name, Class: Char, Dims: []int{0, 0}}
	}
	return &Var{Name: name, Class: Char, Dims: []int{1, utf16Len(s)}, Str: s}
}

// NewLogical returns a rows-by-cols logical variable from values in
// row-major order. It panics if len(rowMajor) != rows*cols or a dimension is
// negative.
func NewLogical(name string, rows, cols int, rowMajor []bool) *Var {
	if rows < 0 || cols < 0 || len(rowMajor) != rows*cols {
		panic(fmt.Sprintf("matfile: NewLogical(%q): %d values for a %dx%d matrix", name, len(rowMajor), rows, cols))
	}
	data := make([]float64, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rowMajor[i*cols+j] {
				data[i+j*rows] = 1
			}
		}
	}
	return &Var{Name: name, Class: Logical, Dims: []int{rows, cols}, Data: data}
}

func checkNumericClass(fn string, class Class) {
	if !class.valid() || class == Char {
		panic(fmt.Sprintf("matfile: %s: class %v is not a numeric or logical class", fn, class))
	}
}

// File is the content of a MAT-file.
type File struct {
	// Header is the descriptive text of the 128-byte file header, with
	// trailing spaces and NUL bytes removed.
	Header string
	// Vars holds the supported variables in file order.
	Vars []*Var
	// Unsupported holds, in file order, the variables of kinds this
	// package does not decode (complex, sparse, cell, struct, object,
	// function handle, unknown classes), which are read without error.
	// Each has its Name, its Class (Cell, Struct, Object, Sparse,
	// Function or Unknown; for a complex array its numeric class, with
	// Complex set) and, except for objects stored without them, its Dims;
	// Data and Str are empty. See [Var.Kind] and [File.Lookup].
	Unsupported []*Var
	// Skipped holds, in file order, the names of the variables of
	// unsupported kinds (those of Unsupported). Nameless top-level
	// elements, which MATLAB's load ignores, are skipped too and listed as
	// "". (MATLAB's subsystem data element, which the header points to, is
	// not listed.)
	Skipped []string

	entries   []entry // every top-level variable in file order
	bigEndian bool
}

// entry is one top-level element of a file, kept so that UpdateFile can
// write the file back in order. Exactly one of v and raw is used when
// writing: v if set, otherwise raw, the complete element bytes (tag
// included) in the byte order of the file they were read from. subsys marks
// the element that the header's subsystem data offset points to (MATLAB's
// class data for objects); it is not a variable.
type entry struct {
	name   string
	v      *Var
	raw    []byte
	subsys bool
	info   *Var // an unsupported variable, as listed in File.Unsupported
}

// Get returns the supported variable with the given name, or nil if the
// file holds no supported variable of that name. If several have the name,
// the last one wins, as in MATLAB's load. A nil result does not mean that
// the file has no variable of that name: use [File.Lookup] to tell a
// missing variable from one of an unsupported kind.
func (f *File) Get(name string) *Var {
	for i := len(f.Vars) - 1; i >= 0; i-- {
		if f.Vars[i].Name == name {
			return f.Vars[i]
		}
	}
	return nil
}

// Lookup returns the variable with the given name, of any kind: a
// supported one (from Vars) or an unsupported one (from Unsupported, with
// no values; see [Var.Supported] and [Var.Kind]). If several have the name,
// the last one in the file wins, as in MATLAB's load. It returns nil if the
// file has no variable of that name.
//
// A caller wanting numbers can thus report precisely:
//
//	v := f.Lookup("w")
//	switch {
//	case v == nil:
//		return errors.New("variable w is missing")
//	case !v.Supported():
//		return fmt.Errorf("variable w is a %s, expected a real matrix", v.Kind())
//	}
func (f *File) Lookup(name string) *Var {
	if f.entries == nil {
		// A File built by hand.
		if v := f.Get(name); v != nil {
			return v
		}
		for i := len(f.Unsupported) - 1; i >= 0; i-- {
			if f.Unsupported[i].Name == name {
				return f.Unsupported[i]
			}
		}
		return nil
	}
	for i := len(f.entries) - 1; i >= 0; i-- {
		e := f.entries[i]
		if e.subsys || e.name != name {
			continue
		}
		if e.v != nil {
			return e.v
		}
		if e.info != nil {
			return e.info
		}
	}
	return nil
}

// dimsProduct returns the product of dims, or an error if a dimension is
// negative or the product overflows an int.
func dimsProduct(dims []int) (int, error) {
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in %v", dims)
		}
	}
	for _, d := range dims {
		if d == 0 {
			return 0, nil
		}
	}
	n := 1
	for _, d := range dims {
		if n > math.MaxInt/d {
			return 0, fmt.Errorf("dimensions %v overflow", dims)
		}
		n *= d
	}
	return n, nil
}

// dimString formats dimensions the way MATLAB displays them: "2x3x4".
func dimString(dims []int) string {
	if len(dims) == 0 {
		return "0x0"
	}
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// utf16Len returns the number of UTF-16 code units needed to encode s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= 0x10FFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}
