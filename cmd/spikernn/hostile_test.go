package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// int8Bomb returns a MAT v5 file of 250 KB whose one compressed variable,
// w, inflates to a rows x rows int8 matrix (256 MiB for rows = 16384: 2 GiB
// as float64).
func int8Bomb(t *testing.T, rows uint32) []byte {
	t.Helper()
	le := binary.LittleEndian
	tag := func(typ, n uint32) []byte { return le.AppendUint32(le.AppendUint32(nil, typ), n) }
	const miINT8, miINT32, miUINT32, miMATRIX, miCOMPRESSED, mxINT8 = 1, 5, 6, 14, 15, 8
	n := uint64(rows) * uint64(rows)
	var head bytes.Buffer
	head.Write(tag(miMATRIX, uint32(16+16+16+8+n)))
	head.Write(tag(miUINT32, 8))
	head.Write(le.AppendUint32(le.AppendUint32(nil, mxINT8), 0))
	head.Write(tag(miINT32, 8))
	head.Write(le.AppendUint32(le.AppendUint32(nil, rows), rows))
	head.Write(tag(miINT8, 1))
	head.Write([]byte{'w', 0, 0, 0, 0, 0, 0, 0})
	head.Write(tag(miINT8, uint32(n)))
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(head.Bytes())
	if _, err := io.CopyN(zw, zeroReader{}, int64(n)); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	hdr := make([]byte, 128)
	copy(hdr, "MATLAB 5.0 MAT-file, hostile test file")
	for i := len("MATLAB 5.0 MAT-file, hostile test file"); i < 116; i++ {
		hdr[i] = ' '
	}
	le.PutUint16(hdr[124:], 0x0100)
	copy(hdr[126:], "IM")
	out := append(hdr, tag(miCOMPRESSED, uint32(z.Len()))...)
	return append(out, z.Bytes()...)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestHostileModelFileMemory runs the commands that read a model on a
// compressed file that inflates to 256 MiB of int8 (2 GiB as doubles; it
// once made inspect peak at 3.2 GB): each must fail with an error naming
// the variable and the read budget, without a panic, and the whole
// process's peak memory (measured: the child's maximum resident set) must
// stay far below the 1 GiB budget.
func TestHostileModelFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and writes a 256 MiB zlib stream")
	}
	bin := buildBinary(t)
	bomb := filepath.Join(t.TempDir(), "bomb.mat")
	data := int8Bomb(t, 1<<14)
	if len(data) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(data))
	}
	if err := os.WriteFile(bomb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(bomb)
	for _, args := range [][]string{{"inspect", bomb}, {"lif", bomb, "--trials", "2"}, {"lambda-search", bomb, "--trials", "2"}} {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		msg := stderr.String()
		if err == nil {
			t.Errorf("%s: no error", args[0])
		}
		if !strings.Contains(msg, `"w"`) || !strings.Contains(msg, "read budget") {
			t.Errorf("%s: error does not name the variable and the budget:\n%s", args[0], msg)
		}
		if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
			t.Errorf("%s: crashed:\n%s", args[0], msg)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		peak := ru.Maxrss * 1024 // kilobytes on Linux
		t.Logf("%s: peak RSS %.0f MiB: %s", args[0], float64(peak)/(1<<20), strings.TrimSpace(msg))
		if peak > 300<<20 {
			t.Errorf("%s: peak RSS %d MiB", args[0], peak>>20)
		}
	}
	if after, _ := os.ReadFile(bomb); !bytes.Equal(before, after) {
		t.Error("a command modified the hostile file")
	}
}
