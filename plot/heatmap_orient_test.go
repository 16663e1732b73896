package plot

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestHeatmapRowZeroOnTop checks the orientation of a weight matrix: row 0
// (positive, red) is drawn at the top, the last row (negative, blue) at the
// bottom, as a matrix is printed.
func TestHeatmapRowZeroOnTop(t *testing.T) {
	fig, err := Heatmap(mat.NewDense(2, 2, []float64{1, 1, -1, -1}), HeatmapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img := pngImage(t, fig)
	size := img.Bounds().Size()
	// Scan the middle column of the matrix panel for the first and last
	// strongly red and blue pixels.
	x := size.X * 45 / 100
	firstRed, firstBlue := -1, -1
	for y := 0; y < size.Y; y++ {
		r, g, bl, _ := img.At(x, y).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		if firstRed < 0 && r > g+50 && r > bl+50 {
			firstRed = y
		}
		if firstBlue < 0 && bl > r+50 && bl > g+30 {
			firstBlue = y
		}
	}
	if firstRed < 0 || firstBlue < 0 || firstRed > firstBlue {
		t.Errorf("row 0 (red) should be above the last row (blue): first red pixel at y = %d, first blue at y = %d (x = %d of %v)", firstRed, firstBlue, x, size)
	}
}
