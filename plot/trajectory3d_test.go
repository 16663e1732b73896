package plot

import (
	"math"
	"testing"
)

func TestProjectHelix(t *testing.T) {
	front := View3D{Azimuth: 0, Elevation: 0}
	top := View3D{Azimuth: 0, Elevation: 90}
	for k := range 50 {
		a := 2 * math.Pi * float64(k) / 25
		x, y, z := math.Cos(a), math.Sin(a), a/(2*math.Pi)
		// From the front (looking along +y) the helix is a cosine in x against z.
		if sx, sy := front.Project(x, y, z); math.Abs(sx-x) > 1e-12 || math.Abs(sy-z) > 1e-12 {
			t.Fatalf("front view of (%v, %v, %v) = (%v, %v), want (x, z)", x, y, z, sx, sy)
		}
		// From the top it is the unit circle.
		if sx, sy := top.Project(x, y, z); math.Abs(sx-x) > 1e-12 || math.Abs(sy-y) > 1e-12 {
			t.Fatalf("top view of (%v, %v, %v) = (%v, %v), want (x, y)", x, y, z, sx, sy)
		}
	}
	// MATLAB's default view: x to the right and up, y to the left and up, z straight up.
	if sx, sy := DefaultView.Project(1, 0, 0); !(sx > 0.79 && sx < 0.8 && sy > 0.3 && sy < 0.31) {
		t.Errorf("default view of x: (%v, %v), want (0.793, 0.304)", sx, sy)
	}
	if sx, sy := DefaultView.Project(0, 1, 0); !(sx < -0.6 && sx > -0.61 && sy > 0.39 && sy < 0.4) {
		t.Errorf("default view of y: (%v, %v), want (-0.609, 0.397)", sx, sy)
	}
	if sx, sy := DefaultView.Project(0, 0, 1); math.Abs(sx) > 1e-12 || math.Abs(sy-math.Sqrt(3)/2) > 1e-12 {
		t.Errorf("default view of z: (%v, %v), want (0, 0.866)", sx, sy)
	}
	// Orthographic: lengths along the view direction vanish.
	d := DefaultView.toward()
	if sx, sy := DefaultView.Project(d[0], d[1], d[2]); math.Hypot(sx, sy) > 1e-12 {
		t.Errorf("the view direction projects to (%v, %v)", sx, sy)
	}
}

func TestTrajectory3D(t *testing.T) {
	var goPts, noGoPts [][3]float64
	for k := range 100 {
		a := 4 * math.Pi * float64(k) / 99
		goPts = append(goPts, [3]float64{3 * math.Cos(a), 50 + 100*math.Sin(a), a / 10})
		noGoPts = append(noGoPts, [3]float64{float64(k) / 99, 50, -0.5})
	}
	fig, err := Trajectory3D([]Track3D{{Label: "Go", Color: ExcColor, Points: goPts}, {Label: "NoGo", Color: InhColor, Points: noGoPts}},
		Trajectory3DOptions{Title: "helix"})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "trajectory3d", fig)
	if n := countPaths(paths, "stroke:"+svgColor(ExcColor)); n < 3 {
		t.Errorf("%d red paths (line, end, onset), want >= 3", n)
	}
	// The onset of the Go track sits where the box maps its first point.
	b := box3D{view: DefaultView, lo: [3]float64{0, 0, 0}, hi: [3]float64{1, 1, 1}}
	if x, y := b.project([3]float64{0.5, 0.5, 0.5}); x != 0 || y != 0 {
		t.Errorf("the box centre projects to (%v, %v)", x, y)
	}
	if x, y := b.project([3]float64{1, 0, 0}); math.Abs(x-0.5*(math.Cos(-37.5*math.Pi/180)-math.Sin(-37.5*math.Pi/180))) > 1e-12 || !(y < 0) {
		t.Errorf("corner (1, 0, 0) projects to (%v, %v)", x, y)
	}
	side := View3D{Azimuth: 120, Elevation: -20}
	if _, err := Trajectory3D([]Track3D{{Points: goPts[:1]}}, Trajectory3DOptions{View: &side, AxisLabels: [3]string{"a", "b", "c"}}); err != nil {
		t.Errorf("one point, other view: %v", err)
	}
	bad := map[string][]Track3D{
		"no tracks": nil,
		"no points": {{Label: "x"}},
		"NaN":       {{Points: [][3]float64{{0, math.NaN(), 0}}}},
		"Inf":       {{Points: [][3]float64{{0, 0, math.Inf(1)}}}},
	}
	for what, tr := range bad {
		_, err := Trajectory3D(tr, Trajectory3DOptions{})
		wantInputError(t, what, err)
	}
	steep := View3D{Elevation: 91}
	_, err = Trajectory3D([]Track3D{{Points: goPts}}, Trajectory3DOptions{View: &steep})
	wantInputError(t, "elevation 91", err)
}

func TestPCProjection(t *testing.T) {
	// Activity on a 2-D plane of 4 units, offset from the origin.
	u1 := []float64{0.5, 0.5, 0.5, 0.5}
	u2 := []float64{0.5, -0.5, 0.5, -0.5}
	var trajs [][][]float64
	for tr := range 3 {
		var rows [][]float64
		for k := range 40 {
			a, b := float64(k)/10+float64(tr), math.Sin(float64(k)/5)
			row := make([]float64, 4)
			for i := range row {
				row[i] = 2 + 3*a*u1[i] + b*u2[i]
			}
			rows = append(rows, row)
		}
		trajs = append(trajs, rows)
	}
	for _, centre := range []bool{true, false} {
		proj, ex, err := PCProjection(trajs, 3, centre)
		if err != nil {
			t.Fatal(err)
		}
		if len(proj) != 3 || len(proj[0]) != 40 || len(proj[0][0]) != 3 || len(ex) != 3 {
			t.Fatalf("centre %v: shapes %d x %d x %d, %d fractions", centre, len(proj), len(proj[0]), len(proj[0][0]), len(ex))
		}
		if s := ex[0] + ex[1]; math.Abs(s-1) > 1e-9 {
			t.Errorf("centre %v: two components explain %v, want 1", centre, s)
		}
		if ex[0] < ex[1] || ex[1] < ex[2] {
			t.Errorf("centre %v: fractions %v not decreasing", centre, ex)
		}
		var pc1 float64
		for _, tr := range proj {
			for _, x := range tr {
				pc1 += x[0]
			}
		}
		if !centre && !(pc1 > 0) {
			t.Errorf("uncentred PC1 of positive activity sums to %v", pc1)
		}
		if centre && math.Abs(pc1) > 1e-9 {
			t.Errorf("centred PC1 sums to %v, want 0", pc1)
		}
	}
	// The centred fractions are PCA's.
	_, pcaEx, err := PCA(trajs, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, ex, _ := PCProjection(trajs, 3, true); math.Abs(ex[0]-pcaEx[0]) > 1e-12 {
		t.Errorf("PCProjection %v, PCA %v", ex, pcaEx)
	}
	_, _, err = PCProjection(nil, 3, true)
	wantInputError(t, "no trials", err)
	_, _, err = PCProjection([][][]float64{{{1, 1}, {1, 1}}}, 3, true)
	wantInputError(t, "no variance", err)
}
