package matfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

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
	decodeInto(out, typ, body, order)
	return out, nil
}

// decodeInto converts the values of body, of numeric data type typ, into
// out, which has room for exactly len(body)/elemSize(typ) values.
func decodeInto(out []float64, typ uint32, body []byte, order binary.ByteOrder) {
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
