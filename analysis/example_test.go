package analysis_test

import (
	"fmt"

	"github.com/spikernn/spikernn/analysis"
)

// A unit's spike counts on the trials of two conditions, tested with the
// rank-sum test, and a population of three units tested for mixed
// selectivity over two task variables.
func ExampleMixedSelectivity() {
	u, p, _ := analysis.RankSum([]float64{1, 2, 3}, []float64{4, 5, 6})
	fmt.Printf("U = %g, p = %.4f\n", u, p)

	// counts[trial][unit]; unit 0 follows variable a, unit 1 both, unit 2 neither.
	a := []float64{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}
	b := []float64{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}
	noise := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}
	var counts [][]float64
	for k := range a {
		counts = append(counts, []float64{2 + 10*a[k] + noise[k]/10, 10*a[k] + 10*b[k] + noise[k]/10, noise[k]})
	}
	s, err := analysis.MixedSelectivity(counts, [][]float64{a, b}, []string{"a", "b"}, 0.05)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("mixed:", s.Mixed, "fraction:", s.Fraction)
	// Output:
	// U = 0, p = 0.0809
	// mixed: [false true false] fraction: 0.3333333333333333
}
