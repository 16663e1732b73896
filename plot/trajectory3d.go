package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// View3D is an orthographic view of 3-D data in MATLAB's convention:
// Azimuth (degrees) rotates the viewpoint about the z axis, counter-
// clockwise seen from above, from the negative y axis; Elevation (degrees,
// -90..90) raises it above the x-y plane.
type View3D struct {
	Azimuth, Elevation float64
}

// DefaultView is MATLAB's default 3-D view (azimuth -37.5°, elevation
// 30°), the one of the paper's SI Fig S2: x runs to the lower right, y to
// the lower left (away from the viewer), z up.
var DefaultView = View3D{Azimuth: -37.5, Elevation: 30}

// Project maps the point (x, y, z) to screen coordinates (sx, sy) by the
// orthographic projection of view v:
//
//	sx = cos(az) x + sin(az) y
//	sy = -sin(el) sin(az) x + sin(el) cos(az) y + cos(el) z
//
// so azimuth 0 and elevation 0 look along +y (sx = x, sy = z) and
// elevation 90 looks down on the x-y plane (sx = x, sy = y).
func (v View3D) Project(x, y, z float64) (sx, sy float64) {
	az, el := v.Azimuth*math.Pi/180, v.Elevation*math.Pi/180
	sx = math.Cos(az)*x + math.Sin(az)*y
	sy = -math.Sin(el)*math.Sin(az)*x + math.Sin(el)*math.Cos(az)*y + math.Cos(el)*z
	return sx, sy
}

// toward returns the unit vector from the scene toward the viewer.
func (v View3D) toward() [3]float64 {
	az, el := v.Azimuth*math.Pi/180, v.Elevation*math.Pi/180
	return [3]float64{math.Sin(az) * math.Cos(el), -math.Cos(az) * math.Cos(el), math.Sin(el)}
}

// Track3D is one trajectory of Trajectory3D: its points in order, drawn as
// a line in Color with an open circle at the first point (onset) and a
// filled circle at the last (end), and Label in the legend.
type Track3D struct {
	Label  string
	Color  color.Color
	Points [][3]float64
}

// Trajectory3DOptions controls Trajectory3D.
type Trajectory3DOptions struct {
	// Title labels the panel.
	Title string
	// AxisLabels name the x, y and z axes (default "PC 1", "PC 2", "PC 3").
	AxisLabels [3]string
	// View is the view direction (nil: DefaultView).
	View *View3D
}

// Trajectory3D draws 3-D trajectories (e.g. condition-averaged population
// activity on PC1-PC3, as in SI Fig S2) in an orthographic projection.
// As in MATLAB's default axes, each coordinate is first scaled to the unit
// interval over its (padded) data range, so the box is a cube whatever the
// units, and the cube is then projected with View3D.Project. The three
// back walls of the box carry light grid lines at the tick values; the x
// and y axes run along the bottom front edges and the z axis along the
// vertical edge furthest left on screen, with ticks, values and labels.
// Each track starts with an open circle and ends with a filled one.
func Trajectory3D(tracks []Track3D, opt Trajectory3DOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(tracks) == 0 {
		return nil, badInput("no tracks")
	}
	v := DefaultView
	if opt.View != nil {
		v = *opt.View
	}
	if isBad(v.Azimuth) || isBad(v.Elevation) || math.Abs(v.Elevation) > 90 {
		return nil, badInput("view azimuth %v, elevation %v (elevation must be within -90..90)", v.Azimuth, v.Elevation)
	}
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for i, tr := range tracks {
		if len(tr.Points) == 0 {
			return nil, badInput("track %d (%q) has no points", i, tr.Label)
		}
		for t, p := range tr.Points {
			for a, x := range p {
				if isBad(x) {
					return nil, badInput("track %d point %d coordinate %d is %v", i, t, a, x)
				}
				lo[a], hi[a] = min(lo[a], x), max(hi[a], x)
			}
		}
	}
	var ticks [3][]float64
	for a := range 3 {
		lo[a], hi[a] = padRange(lo[a], hi[a], 0.05)
		for _, tk := range (niceTicks{}).Ticks(lo[a], hi[a]) {
			if tk.Label != "" && tk.Value >= lo[a] && tk.Value <= hi[a] {
				ticks[a] = append(ticks[a], tk.Value)
			}
		}
	}
	b := box3D{view: v, lo: lo, hi: hi}
	p := newPanel(opt.Title, "", "")
	p.HideAxes()
	b.drawWalls(p, ticks)
	labels := opt.AxisLabels
	for a, def := range []string{"PC 1", "PC 2", "PC 3"} {
		if labels[a] == "" {
			labels[a] = def
		}
	}
	b.drawAxes(p, ticks, labels)
	var markers []gplot.Plotter // drawn over all the lines
	for _, tr := range tracks {
		c := tr.Color
		if c == nil {
			c = black
		}
		xs, ys := make([]float64, len(tr.Points)), make([]float64, len(tr.Points))
		for t, q := range tr.Points {
			xs[t], ys[t] = b.project(q)
		}
		l := newLine(xs, ys, lineStyle(c, 2))
		end := newScatter(xs[len(xs)-1:], ys[len(ys)-1:], c, 3.5)
		start := newScatter(xs[:1], ys[:1], c, 3.5)
		start.GlyphStyle.Shape = openCircle{}
		p.Add(l)
		markers = append(markers, end, start)
		if tr.Label != "" {
			p.Legend.Add(tr.Label, l)
		}
	}
	p.Add(markers...)
	// The frame: the projected cube plus room for the labels.
	p.X.Min, p.X.Max = math.Inf(1), math.Inf(-1)
	p.Y.Min, p.Y.Max = math.Inf(1), math.Inf(-1)
	for _, c := range b.corners() {
		x, y := b.projectUnit(c)
		p.X.Min, p.X.Max = min(p.X.Min, x), max(p.X.Max, x)
		p.Y.Min, p.Y.Max = min(p.Y.Min, y), max(p.Y.Max, y)
	}
	p.X.Min, p.X.Max = p.X.Min-0.42, p.X.Max+0.22
	p.Y.Min, p.Y.Max = p.Y.Min-0.32, p.Y.Max+0.08
	fig := NewFigure(1, 1).WithSize(5*vg.Inch, 4.6*vg.Inch)
	fig.EqualAspect = true
	fig.SetPanel(0, 0, p)
	return fig, nil
}

// box3D is the axes box: data coordinates lo..hi scaled to the unit cube
// and projected, centred on the cube's centre.
type box3D struct {
	view   View3D
	lo, hi [3]float64
}

// unit scales a data point to the unit cube.
func (b box3D) unit(q [3]float64) [3]float64 {
	var u [3]float64
	for a := range 3 {
		u[a] = (q[a] - b.lo[a]) / (b.hi[a] - b.lo[a])
	}
	return u
}

func (b box3D) projectUnit(u [3]float64) (float64, float64) {
	return b.view.Project(u[0]-0.5, u[1]-0.5, u[2]-0.5)
}

func (b box3D) project(q [3]float64) (float64, float64) { return b.projectUnit(b.unit(q)) }

func (b box3D) corners() [][3]float64 {
	var cs [][3]float64
	for _, x := range []float64{0, 1} {
		for _, y := range []float64{0, 1} {
			for _, z := range []float64{0, 1} {
				cs = append(cs, [3]float64{x, y, z})
			}
		}
	}
	return cs
}

// back returns, per axis, the unit coordinate (0 or 1) of the walls
// furthest from the viewer.
func (b box3D) back() [3]float64 {
	d := b.view.toward()
	var bk [3]float64
	for a := range 3 {
		if d[a] < 0 || (d[a] == 0 && a != 2) {
			bk[a] = 1
		}
	}
	return bk
}

func (b box3D) segment(p *gplot.Plot, u0, u1 [3]float64, st draw.LineStyle) {
	x0, y0 := b.projectUnit(u0)
	x1, y1 := b.projectUnit(u1)
	p.Add(newLine([]float64{x0, x1}, []float64{y0, y1}, st))
}

// drawWalls draws the edges of the three back walls and grid lines on them
// at the tick values.
func (b box3D) drawWalls(p *gplot.Plot, ticks [3][]float64) {
	bk := b.back()
	edge := lineStyle(lightGrey, 0.8)
	grid := lineStyle(color.Gray{Y: 225}, 0.5)
	for w := range 3 { // the wall where axis w is at its back value
		a1, a2 := (w+1)%3, (w+2)%3
		for _, pair := range [][2]int{{a1, a2}, {a2, a1}} {
			along, across := pair[0], pair[1]
			for _, s := range []float64{0, 1} {
				var u0, u1 [3]float64
				u0[w], u1[w] = bk[w], bk[w]
				u0[across], u1[across] = s, s
				u0[along], u1[along] = 0, 1
				b.segment(p, u0, u1, edge)
			}
			for _, tv := range ticks[across] {
				s := (tv - b.lo[across]) / (b.hi[across] - b.lo[across])
				var u0, u1 [3]float64
				u0[w], u1[w] = bk[w], bk[w]
				u0[across], u1[across] = s, s
				u0[along], u1[along] = 0, 1
				b.segment(p, u0, u1, grid)
			}
		}
	}
}

// drawAxes draws the x and y axes along the bottom front edges and the z
// axis along the vertical edge furthest left on screen, with tick marks,
// tick values and axis labels placed outwards from the box.
func (b box3D) drawAxes(p *gplot.Plot, ticks [3][]float64, labels [3]string) {
	bk := b.back()
	floor := bk[2]
	// Each axis: the fixed unit coordinates of its edge.
	var edges [3][3]float64
	edges[0] = [3]float64{0, 1 - bk[1], floor}
	edges[1] = [3]float64{1 - bk[0], 0, floor}
	best := math.Inf(1)
	for _, x := range []float64{0, 1} {
		for _, y := range []float64{0, 1} {
			if sx, _ := b.projectUnit([3]float64{x, y, 0.5}); sx < best {
				best, edges[2] = sx, [3]float64{x, y, 0}
			}
		}
	}
	cx, cy := b.projectUnit([3]float64{0.5, 0.5, 0.5})
	axisStyle := lineStyle(black, 0.8)
	for a := range 3 {
		u0, u1 := edges[a], edges[a]
		u0[a], u1[a] = 0, 1
		b.segment(p, u0, u1, axisStyle)
		// Outward: from the box centre to the edge's midpoint, on screen,
		// minus its component along the edge.
		mid := edges[a]
		mid[a] = 0.5
		mx, my := b.projectUnit(mid)
		ex0, ey0 := b.projectUnit(u0)
		ex1, ey1 := b.projectUnit(u1)
		ox, oy := outward(mx-cx, my-cy, ex1-ex0, ey1-ey0)
		var lx, ly []float64
		var texts []string
		for _, tv := range ticks[a] {
			u := edges[a]
			u[a] = (tv - b.lo[a]) / (b.hi[a] - b.lo[a])
			tx, ty := b.projectUnit(u)
			p.Add(newLine([]float64{tx, tx + 0.03*ox}, []float64{ty, ty + 0.03*oy}, axisStyle))
			lx, ly = append(lx, tx+0.06*ox), append(ly, ty+0.06*oy)
			texts = append(texts, formatTick(tv, ticks[a]))
		}
		addTexts(p, lx, ly, texts, ox, oy, tickSize)
		addTexts(p, []float64{mx + 0.2*ox}, []float64{my + 0.2*oy}, []string{labels[a]}, ox, oy, labelSize)
	}
}

// outward returns the unit vector of (dx, dy) with its component along
// the edge (ex, ey) removed (or (dx, dy) itself if that leaves nothing).
func outward(dx, dy, ex, ey float64) (float64, float64) {
	if n := ex*ex + ey*ey; n > 0 {
		k := (dx*ex + dy*ey) / n
		if rx, ry := dx-k*ex, dy-k*ey; math.Hypot(rx, ry) > 1e-9 {
			dx, dy = rx, ry
		}
	}
	n := math.Hypot(dx, dy)
	if n == 0 {
		return 0, -1
	}
	return dx / n, dy / n
}

// addTexts writes texts at (xs, ys), aligned away from the box along the
// outward direction (ox, oy).
func addTexts(p *gplot.Plot, xs, ys []float64, texts []string, ox, oy float64, size vg.Length) {
	if len(texts) == 0 {
		return
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy(xs, ys), Labels: texts})
	if err != nil {
		panic(err)
	}
	side := func(o float64) int { // -1, 0 or 1: which way the text leans
		switch {
		case o > 0.35:
			return 1
		case o < -0.35:
			return -1
		}
		return 0
	}
	st := textStyle(size)
	st.XAlign = [...]draw.XAlignment{draw.XRight, draw.XCenter, draw.XLeft}[side(ox)+1]
	st.YAlign = [...]draw.YAlignment{draw.YTop, draw.YCenter, draw.YBottom}[side(oy)+1]
	for i := range l.TextStyle {
		l.TextStyle[i] = st
	}
	p.Add(l)
}

// formatTick writes tick value v with the decimals its tick step needs.
func formatTick(v float64, all []float64) string {
	dec := 0
	if len(all) > 1 {
		step := math.Abs(all[1] - all[0])
		dec = max(0, int(-math.Floor(math.Log10(step)+1e-9)))
		if r := step * math.Pow(10, float64(dec)); math.Abs(r-math.Round(r)) > 1e-6 {
			dec++
		}
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return fmt.Sprintf("%.*f", dec, v)
}

// PCProjection projects trajectories (trial, time, unit, as PCA takes
// them) onto their first k principal components (k <= 0: 3), pooled over
// trials and time, and returns the projections (trial, time, component)
// with the fraction of the total variance each component explains.
//
// With centre true the components and variances are PCA's (eigenvectors
// of the covariance; projections of the activity minus its mean). With
// centre false nothing is subtracted: the components are the top right
// singular vectors of the raw activity (eigenvectors of its second-moment
// matrix), the projections those of the raw activity and the fractions
// shares of its total sum of squares: SI Fig S2's axes (all-positive PC1
// for positive rates) suggest the paper projected this way. Each
// component's sign is chosen so that its loadings sum to >= 0.
func PCProjection(trajectories [][][]float64, k int, centre bool) (_ [][][]float64, _ []float64, err error) {
	defer guard(&err)
	N, samples, err := checkTrajectories(trajectories, nil)
	if err != nil {
		return nil, nil, err
	}
	if k <= 0 {
		k = 3
	}
	k = min(k, N)
	var mean []float64
	var vecs *mat.Dense
	var vars []float64
	if centre {
		mean, vecs, vars = principalComponents(trajectories, N, samples)
	} else {
		mean = make([]float64, N)
		vecs, vars = secondMomentComponents(trajectories, N, samples)
	}
	explained, err := shares(vars, k)
	if err != nil {
		return nil, nil, err
	}
	for c := range k {
		var s float64
		for i := range N {
			s += vecs.At(i, c)
		}
		if s < 0 {
			for i := range N {
				vecs.Set(i, c, -vecs.At(i, c))
			}
		}
	}
	proj := make([][][]float64, len(trajectories))
	for i, tr := range trajectories {
		proj[i] = make([][]float64, len(tr))
		for t, x := range tr {
			row := make([]float64, k)
			for c := range k {
				for u, v := range x {
					row[c] += (v - mean[u]) * vecs.At(u, c)
				}
			}
			proj[i][t] = row
		}
	}
	return proj, explained, nil
}

// secondMomentComponents returns the eigenvectors (columns, by decreasing
// eigenvalue) and eigenvalues of the uncentred second-moment matrix of all
// time points.
func secondMomentComponents(trajs [][][]float64, N, samples int) (*mat.Dense, []float64) {
	m := mat.NewSymDense(N, nil)
	for _, tr := range trajs {
		a := mat.NewDense(N, len(tr), nil)
		for t, x := range tr {
			for i, v := range x {
				a.Set(i, t, v)
			}
		}
		m.SymRankK(m, 1/float64(samples), a)
	}
	return eigenDescending(m, "second moments")
}
