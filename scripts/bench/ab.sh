#!/bin/sh
# ab.sh BASE_DIR NEW_DIR [bench regexp] [count] [benchtime]: lifsim benchmarks of two
# checkouts, interleaved run by run (base, new, base, new, ...) so that both
# sides see the same load on a shared machine; both builds (default and
# GOEXPERIMENT=simd). Prints one line per run; compare the medians.
set -e
base=$1 new=$2 re=${3:-TrialTrained} count=${4:-5} bt=${5:-1s}
tmp=$(mktemp -d)
for exp in default simd; do
	for side in base new; do
		dir=$base; [ $side = new ] && dir=$new
		if [ $exp = simd ]; then e=simd; else e=; fi
		(cd "$dir/lifsim" && GOEXPERIMENT=$e go test -c -o "$tmp/$side-$exp.test" .)
	done
done
for exp in default simd; do
	for i in $(seq "$count"); do
		for side in base new; do
			(cd "$base/lifsim" && "$tmp/$side-$exp.test" -test.run XXX -test.bench "$re" -test.count 1 -test.benchtime "$bt" 2>&1) |
				grep '^Benchmark' | sed "s/^/$exp $side /"
		done
	done
done
rm -rf "$tmp"
