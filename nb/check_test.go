package nb

import (
	"errors"
	"testing"
)

// TestNbCheck checks that Check and Must pass values through and stop on
// an error with exit status 1.
func TestNbCheck(t *testing.T) {
	code := -1
	defer func(old func(int)) { exit = old }(exit)
	exit = func(c int) { code = c }
	if v := Must(42, nil); v != 42 || code != -1 {
		t.Fatalf("Must(42, nil) = %d, exit %d", v, code)
	}
	Check(nil)
	if code != -1 {
		t.Fatalf("Check(nil) exited with %d", code)
	}
	Must(0, errors.New("boom"))
	if code != 1 {
		t.Fatalf("Must with an error: exit %d, want 1", code)
	}
}
