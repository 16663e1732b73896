package analysis

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// RankSum is the two-sided Wilcoxon rank-sum (Mann-Whitney U) test of x
// against y: it returns U (the statistic of x: the number of pairs with
// x above y, ties counting one half) and the p-value of the normal
// approximation with the tie correction of the variance and a continuity
// correction of 0.5 (as R's wilcox.test(exact = FALSE) and SciPy's
// mannwhitneyu(method = "asymptotic") compute it). When every value is
// tied the p-value is 1. Both samples need at least one value, and no
// value may be NaN.
func RankSum(x, y []float64) (u, p float64, err error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return 0, 0, fmt.Errorf("analysis: RankSum: empty sample (%d and %d values)", n1, n2)
	}
	type obs struct {
		v     float64
		first bool
	}
	all := make([]obs, 0, n1+n2)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	for _, o := range all {
		if math.IsNaN(o.v) {
			return 0, 0, errors.New("analysis: RankSum: NaN in a sample")
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	n := float64(n1 + n2)
	var r1, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].first {
				r1 += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	f1, f2 := float64(n1), float64(n2)
	u = r1 - f1*(f1+1)/2
	mu := f1 * f2 / 2
	v := f1 * f2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if v <= 0 || n < 2 {
		return u, 1, nil
	}
	d := math.Abs(u-mu) - 0.5
	if d < 0 {
		d = 0
	}
	z := d / math.Sqrt(v)
	return u, math.Min(1, math.Erfc(z/math.Sqrt2)), nil
}

// Selectivity is the outcome of MixedSelectivity.
type Selectivity struct {
	Names    []string    // the task variables, in the order given
	P        [][]float64 // P[unit][variable]: the rank-sum p-value between the variable's two levels
	Selected [][]bool    // Selected[unit][variable]: P < Alpha
	// Diff[unit][variable] is the mean activity at the variable's higher
	// level minus that at its lower level.
	Diff     [][]float64
	Count    []int   // per unit: the number of variables it is selective for
	Mixed    []bool  // per unit: selective for at least two variables
	Fraction float64 // the fraction of mixed-selective units
	Pure     float64 // the fraction of units selective for exactly one variable
	Alpha    float64 // the significance level
}

// MixedSelectivity tests every unit's activity (counts[trial][unit], e.g.
// spike counts or mean rates) for a difference between the two levels of
// each task variable (levels[variable][trial], exactly two distinct
// values per variable, e.g. context 1 or 2, offset sign -1 or +1) with
// RankSum, and calls a unit mixed-selective when p < alpha for at least
// two variables (alpha 0: 0.05). names label the variables (nil: "var1",
// "var2", ...).
func MixedSelectivity(counts [][]float64, levels [][]float64, names []string, alpha float64) (*Selectivity, error) {
	if alpha == 0 {
		alpha = 0.05
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("analysis: MixedSelectivity: alpha = %v: must be in (0, 1)", alpha)
	}
	nt := len(counts)
	if nt < 2 {
		return nil, fmt.Errorf("analysis: MixedSelectivity: %d trials: need at least 2", nt)
	}
	nu := len(counts[0])
	if nu == 0 {
		return nil, errors.New("analysis: MixedSelectivity: no units")
	}
	for i, c := range counts {
		if len(c) != nu {
			return nil, fmt.Errorf("analysis: MixedSelectivity: trial %d has %d units, trial 0 %d", i, len(c), nu)
		}
	}
	if len(levels) == 0 {
		return nil, errors.New("analysis: MixedSelectivity: no task variables")
	}
	if names == nil {
		for v := range levels {
			names = append(names, fmt.Sprintf("var%d", v+1))
		}
	}
	if len(names) != len(levels) {
		return nil, fmt.Errorf("analysis: MixedSelectivity: %d names for %d variables", len(names), len(levels))
	}
	// split[v][trial]: true at the variable's higher level.
	split := make([][]bool, len(levels))
	for v, lv := range levels {
		if len(lv) != nt {
			return nil, fmt.Errorf("analysis: MixedSelectivity: variable %s has %d trials, the counts %d", names[v], len(lv), nt)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range lv {
			if math.IsNaN(x) {
				return nil, fmt.Errorf("analysis: MixedSelectivity: variable %s: NaN level", names[v])
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		split[v] = make([]bool, nt)
		for t, x := range lv {
			switch x {
			case hi:
				split[v][t] = true
			case lo:
			default:
				return nil, fmt.Errorf("analysis: MixedSelectivity: variable %s takes more than two values (%v, %v, %v)", names[v], lo, x, hi)
			}
		}
		if lo == hi {
			return nil, fmt.Errorf("analysis: MixedSelectivity: variable %s takes one value only (%v)", names[v], lo)
		}
	}
	s := &Selectivity{Names: names, Alpha: alpha, P: make([][]float64, nu), Selected: make([][]bool, nu), Diff: make([][]float64, nu), Count: make([]int, nu), Mixed: make([]bool, nu)}
	var a, b []float64
	mixed, pure := 0, 0
	for u := range nu {
		s.P[u], s.Selected[u], s.Diff[u] = make([]float64, len(levels)), make([]bool, len(levels)), make([]float64, len(levels))
		for v := range levels {
			a, b = a[:0], b[:0]
			for t := range nt {
				if split[v][t] {
					a = append(a, counts[t][u])
				} else {
					b = append(b, counts[t][u])
				}
			}
			s.Diff[u][v] = mean(a) - mean(b)
			_, p, err := RankSum(a, b)
			if err != nil {
				return nil, fmt.Errorf("analysis: MixedSelectivity: unit %d, variable %s: %w", u, names[v], err)
			}
			s.P[u][v], s.Selected[u][v] = p, p < alpha
			if p < alpha {
				s.Count[u]++
			}
		}
		s.Mixed[u] = s.Count[u] >= 2
		if s.Mixed[u] {
			mixed++
		} else if s.Count[u] == 1 {
			pure++
		}
	}
	s.Fraction, s.Pure = float64(mixed)/float64(nu), float64(pure)/float64(nu)
	return s, nil
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Strongest returns, of the units with keep[unit] true (nil: all), the one
// whose activity differs most between the levels of the task variables
// (the largest sum of |Diff| over the variables), or -1 when none is kept.
func (s *Selectivity) Strongest(keep []bool) int {
	best, bestSum := -1, -1.0
	for u, d := range s.Diff {
		if keep != nil && (u >= len(keep) || !keep[u]) {
			continue
		}
		var sum float64
		for _, x := range d {
			sum += math.Abs(x)
		}
		if sum > bestSum {
			best, bestSum = u, sum
		}
	}
	return best
}
