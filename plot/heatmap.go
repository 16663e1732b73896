package plot

import (
	"cmp"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// HeatmapOptions controls Heatmap.
type HeatmapOptions struct {
	// Title labels the matrix panel; XLabel and YLabel its axes (default
	// "Presynaptic unit" and "Postsynaptic unit": W[i][j] is the weight
	// from unit j onto unit i).
	Title, XLabel, YLabel string
	// Limit fixes the colour scale to [-Limit, Limit] (values beyond it get
	// the end colours); 0 uses the largest absolute entry.
	Limit float64
	// Order, for a square matrix, permutes rows and columns together: row
	// and column k show unit Order[k] (e.g. from SortEI).
	Order []int
	// Separators are drawn as lines before row and column k for each k
	// (e.g. the number of excitatory units after SortEI).
	Separators []int
	// ColorbarLabel labels the colour bar (default "Weight").
	ColorbarLabel string
}

// SortEI returns the unit order that lists the excitatory units first and
// then the inhibitory ones, each in index order, and the number of
// excitatory units (the boundary to mark), for HeatmapOptions.
func SortEI(inh []bool) (order []int, nExc int) {
	for i, b := range inh {
		if !b {
			order = append(order, i)
		}
	}
	nExc = len(order)
	for i, b := range inh {
		if b {
			order = append(order, i)
		}
	}
	return order, nExc
}

// Heatmap draws matrix m (e.g. the effective recurrent weights) as an
// image, row 0 at the top, with a diverging blue-white-red colour scale
// centred at 0 and a colour bar.
//
// It serves the weight-matrix views behind Fig 1 (initial vs trained
// weights) and SI Fig S3/S4 (SST motif, no Dale).
func Heatmap(m mat.Matrix, opt HeatmapOptions) (_ *Figure, err error) {
	defer guard(&err)
	if m == nil {
		return nil, badInput("no matrix")
	}
	rows, cols := m.Dims()
	if rows == 0 || cols == 0 {
		return nil, badInput("empty %d x %d matrix", rows, cols)
	}
	lim := 0.0
	for i := range rows {
		for j := range cols {
			v := m.At(i, j)
			if isBad(v) {
				return nil, badInput("m[%d][%d] is %v", i, j, v)
			}
			lim = max(lim, math.Abs(v))
		}
	}
	if opt.Limit != 0 {
		if err := checkPositive("Limit", opt.Limit); err != nil {
			return nil, err
		}
		lim = opt.Limit
	}
	if lim == 0 {
		lim = 1
	}
	order := opt.Order
	if order != nil {
		if rows != cols {
			return nil, badInput("Order needs a square matrix, got %d x %d", rows, cols)
		}
		if err := checkPermutation(order, rows); err != nil {
			return nil, err
		}
	}
	for _, s := range opt.Separators {
		if s <= 0 || s >= max(rows, cols) {
			return nil, badInput("separator %d outside (0, %d)", s, max(rows, cols))
		}
	}
	cm := newDiverging(-lim, lim)
	img := matrixRGBA(m, order, cm)
	xl, yl := opt.XLabel, opt.YLabel
	if xl == "" {
		xl = "Presynaptic unit"
	}
	if yl == "" {
		yl = "Postsynaptic unit"
	}
	if order != nil {
		xl += " (sorted)"
		yl += " (sorted)"
	}
	p := newPanel(opt.Title, xl, yl)
	// Image row 0 (matrix row 0) at y = -0.5, the top of the inverted axis.
	p.Add(&rectImage{Img: img, X0: -0.5, X1: float64(cols) - 0.5, Y0: float64(rows) - 0.5, Y1: -0.5})
	for _, s := range opt.Separators {
		st := lineStyle(color.Gray{Y: 60}, 0.8)
		if s < rows {
			p.Add(hLine{Y: float64(s) - 0.5, Style: st})
		}
		if s < cols {
			p.Add(vLine{X: float64(s) - 0.5, Style: st})
		}
	}
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.Y.Scale = gplot.InvertedScale{Normalizer: gplot.LinearScale{}}
	p.X.Tick.Marker = countTicks{Offset: 1}
	p.Y.Tick.Marker = countTicks{Offset: 1}
	p.X.Padding, p.Y.Padding = 0, 0

	return withColorbar(p, cm, cmp.Or(opt.ColorbarLabel, "Weight"), 0.05).WithSize(5.6*vg.Inch, 4.6*vg.Inch), nil
}

// withColorbar returns a figure of panel p and, to its right, a vertical
// colour bar of cm labelled label, widthRatio as wide as p.
func withColorbar(p *gplot.Plot, cm palette.ColorMap, label string, widthRatio float64) *Figure {
	cb := newPanel("", "", label)
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true, Colors: 256})
	cb.HideX()
	cb.X.Padding, cb.Y.Padding = 0, 0
	cb.Title.Text = p.Title.Text // keeps the rows' data areas aligned
	cb.Title.TextStyle.Color = color.Transparent
	fig := NewFigure(1, 2).SetWidths(1, widthRatio)
	fig.SetPanel(0, 0, p)
	fig.SetPanel(0, 1, cb)
	return fig
}

// matrixRGBA colours m (rows and columns permuted by order when not nil)
// into an image whose pixel (j, i) is entry (i, j).
func matrixRGBA(m mat.Matrix, order []int, cm *gradientMap) *image.RGBA {
	rows, cols := m.Dims()
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	for i := range rows {
		for j := range cols {
			r, c := i, j
			if order != nil {
				r, c = order[i], order[j]
			}
			img.Set(j, i, cm.color(m.At(r, c)))
		}
	}
	return img
}

func checkPermutation(order []int, n int) error {
	if len(order) != n {
		return badInput("Order has %d entries for %d units", len(order), n)
	}
	seen := make([]bool, n)
	for k, i := range order {
		if i < 0 || i >= n || seen[i] {
			return badInput("Order is not a permutation (entry %d = %d)", k, i)
		}
		seen[i] = true
	}
	return nil
}

// upscale repeats each pixel k times in x and l times in y so that the
// image has at least w x h pixels (capped at 4096 per side), flipping
// vertically if asked.
func upscale(src *image.RGBA, w, h float64, flip bool) image.Image {
	b := src.Bounds()
	k := max(1, min(int(math.Ceil(w/float64(b.Dx()))), 4096/b.Dx()))
	l := max(1, min(int(math.Ceil(h/float64(b.Dy()))), 4096/b.Dy()))
	if k == 1 && l == 1 && !flip {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*l))
	for y := range dst.Rect.Dy() {
		sy := y / l
		if flip {
			sy = b.Dy() - 1 - sy
		}
		for x := range dst.Rect.Dx() {
			off := src.PixOffset(x/k, sy)
			doff := dst.PixOffset(x, y)
			copy(dst.Pix[doff:doff+4], src.Pix[off:off+4])
		}
	}
	return dst
}

// rdBu is a blue-white-red colour map (ColorBrewer RdBu, reversed, with a
// white centre), for signed values such as weights.
var rdBu = []color.RGBA{
	{5, 48, 97, 255}, {33, 102, 172, 255}, {67, 147, 195, 255}, {146, 197, 222, 255}, {209, 229, 240, 255},
	{255, 255, 255, 255},
	{253, 219, 199, 255}, {244, 165, 130, 255}, {214, 96, 77, 255}, {178, 24, 43, 255}, {103, 0, 31, 255},
}

// newDiverging returns the RdBu colour map over [lo, hi].
func newDiverging(lo, hi float64) *gradientMap {
	return &gradientMap{stops: rdBu, lo: lo, hi: hi, alpha: 1}
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }
