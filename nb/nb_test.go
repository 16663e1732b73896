package nb

import (
	"os"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/plot"
)

// Outside a notebook every display call falls back to text and never fails.
func TestOutsideNotebook(t *testing.T) {
	if InNotebook() {
		t.Skip("running inside GoNB")
	}
	fig, err := plot.Histogram([]float64{1, 2, 2, 3, 3, 3}, 3, "x")
	if err != nil {
		t.Fatal(err)
	}
	r, w, _ := os.Pipe()
	stdout := os.Stdout
	os.Stdout = w
	err = Show(fig)
	Compare("check", Comparison{"perf", "98%", "97%"})
	w.Close()
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := r.Read(buf)
	out := string(buf[:n])
	if !strings.Contains(out, "bytes of PNG") {
		t.Errorf("Show printed %q", out)
	}
	if err := Show(nil); err == nil {
		t.Error("Show(nil) must be an error")
	}
	if err := ShowErr(nil, os.ErrNotExist); err == nil {
		t.Error("ShowErr must pass the error on")
	}
	p := NewProgress("t", 10)
	p.Set(5, "half")
	p.Add(5, "all")
	p.Done("finished")
	p.Set(7, "after done is ignored")
	if p.done != 10 {
		t.Errorf("progress done = %d, want 10", p.done)
	}
}
