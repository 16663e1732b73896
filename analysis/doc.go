// Package analysis holds the population analyses of the paper's SI Fig S5
// on the context-dependent integration task: targeted dimensionality
// reduction (TDR, Mante, Sussillo, Shenoy & Newsome, Nature 2013) and
// mixed selectivity (a Wilcoxon rank-sum test per unit and task variable),
// plus what feeds them: a context task whose trials take chosen offsets
// and contexts (ContextTask), and collectors that run rate or spiking
// trials and bin their activity (RateTrials, SpikingTrials).
//
// Every function checks its input and returns an error (wrapped with the
// function's name) instead of panicking.
package analysis
