package plot

import (
	"testing"
)

func TestRasterGroups(t *testing.T) {
	rng := newRng(3)
	inh := cellTypes(rng, 100)
	sp := poissonSpikes(rng, inh, 1)
	// Three populations: PYR (the excitatory units), PV and SST (the
	// first 10 inhibitory units), SST on top as in SI Fig S3.
	var pyr, pv, sst []int
	for u, in := range inh {
		switch {
		case !in:
			pyr = append(pyr, u)
		case len(sst) < 10:
			sst = append(sst, u)
		default:
			pv = append(pv, u)
		}
	}
	groups := []RasterGroup{{"PYR", pyr, ExcColor}, {"PV", pv, InhColor}, {"SST", sst, SSTColor}}
	fig, err := Raster(sp, inh, RasterOptions{Groups: groups, Duration: 1})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "raster_groups", fig)
	count := map[int]int{}
	for _, s := range sp {
		switch {
		case !inh[s.Unit]:
			count[0]++
		case contains(sst, s.Unit):
			count[2]++
		default:
			count[1]++
		}
	}
	for i, style := range []string{"stroke:#D62728", "stroke:#1F77B4", "stroke:#E6B400"} {
		if got := countMoves(paths, style, "stroke-width:0.6"); got != count[i] {
			t.Errorf("%s marks: %d, want %d", groups[i].Label, got, count[i])
		}
	}
	_, pyrY := markYs(paths, "stroke:#D62728;stroke-width:0.6")
	_, pvY := markYs(paths, "stroke:#1F77B4;stroke-width:0.6")
	_, sstY := markYs(paths, "stroke:#E6B400;stroke-width:0.6")
	if maxOf(pyrY) >= minOf(pvY) || maxOf(pvY) >= minOf(sstY) {
		t.Errorf("groups should stack PYR < PV < SST from the bottom")
	}

	// One black group with inh nil: the units are those of the group.
	all := make([]int, len(inh))
	for i := range all {
		all[i] = i
	}
	fig, err = Raster(sp, nil, RasterOptions{Groups: []RasterGroup{{Units: all}}, Duration: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := countMoves(render(t, "raster_black", fig), "stroke:#000000", "stroke-width:0.6"); got != len(sp) {
		t.Errorf("black marks: %d, want %d", got, len(sp))
	}

	// A unit in no group, or in two, is an error.
	for name, g := range map[string][]RasterGroup{
		"missing": {{Units: pyr}, {Units: pv}},
		"twice":   {{Units: pyr}, {Units: pv}, {Units: sst}, {Units: sst[:1]}},
		"outside": {{Units: append(all, len(all))}},
	} {
		if _, err := Raster(sp, inh, RasterOptions{Groups: g}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
