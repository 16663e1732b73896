#!/usr/bin/env bash
# The README's speed table, measured: every row's spikernn benchmark in the
# default build and with GOEXPERIMENT=simd, and the peers (the PyTorch port
# of the reference's training, the Brian2 port of its LIF simulator, from
# /work/shared/peers or $PEERS) in the same run on the same machine. Raw
# results go to a file; scripts/bench/speedtable turns them into the table
# and, with -readme, writes it into README.md between its markers.
#
#   scripts/bench/speed.sh [-count K] [-out FILE] [-readme] [-no-peers]
#
# -count K    repetitions of each spikernn benchmark, builds alternated so
#             both see the same load (default 2); the table shows medians
# -out FILE   raw results (default scripts/bench/speed-results.txt)
# -readme     rewrite README.md's speed table from the results
# -no-peers   skip PyTorch and Brian2 (their columns then stay empty)
#
# About 8 minutes on a quiet 2-core machine with -count 2 and the peers.
# The peers need Debian's python3-torch, python3-brian, python3-scipy,
# cython3 and g++ (see $PEERS/README.md); a missing one leaves its column
# empty. Times are wall times of whole benchmark iterations; run on a quiet
# machine, and trust ratios measured in the same run over absolute times.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=2
OUT=scripts/bench/speed-results.txt
README=0
PEERRUN=1
while [ $# -gt 0 ]; do
	case "$1" in
	-count) COUNT=$2; shift 2 ;;
	-out) OUT=$2; shift 2 ;;
	-readme) README=1; shift ;;
	-no-peers) PEERRUN=0; shift ;;
	*) echo "usage: $0 [-count K] [-out FILE] [-readme] [-no-peers]" >&2; exit 2 ;;
	esac
done
PEERS=${PEERS:-/work/shared/peers}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RAW=$TMP/raw.txt

{
	echo "# date $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "# cpu $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores$(grep -q avx512f /proc/cpuinfo && echo ', AVX-512')"
	echo "# go $(go env GOVERSION)"
	echo "# commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
	echo "# load-start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RAW"

echo "building the benchmarks (default and GOEXPERIMENT=simd)" >&2
for pkg in gomlxmodels lifsim; do
	go test -c -o "$TMP/$pkg.def.test" "./$pkg"
	GOEXPERIMENT=simd go test -c -o "$TMP/$pkg.simd.test" "./$pkg"
done

# bench PKG BUILD REGEXP BENCHTIME: one run, lines tagged with the build
# (go test splits REGEXP at slashes, one part per sub-benchmark level).
bench() {
	(cd "$1" && nice "$TMP/$1.$2.test" -test.run '^$' -test.bench "$3" -test.benchtime "$4" 2>&1) |
		grep '^Benchmark' | sed "s/^/go $2 /" >>"$RAW" || true
}
for k in $(seq "$COUNT"); do
	for b in def simd; do
		echo "spikernn benchmarks, run $k of $COUNT, $b build" >&2
		bench gomlxmodels "$b" '^BenchmarkTrainStepN200$' 200x
		bench gomlxmodels "$b" '^(BenchmarkTrainGoNoGo|BenchmarkTrainContext300)$' 1x
		bench lifsim "$b" '^BenchmarkTrialTrained$' 40x
		bench lifsim "$b" '^BenchmarkBatch$/^trained$' 5x
		bench lifsim "$b" '^BenchmarkGridSearchTrained$/^single$' 1x
	done
done

if [ "$PEERRUN" = 1 ]; then
	if $PY -c 'import torch' 2>/dev/null; then
		echo "PyTorch port: Go-NoGo to the stopping rule, context task 300 trials" >&2
		(cd "$TMP" && OPENBLAS_NUM_THREADS=1 nice $PY "$PEERS/torch_rate.py" --seed 0 --n_trials 6000 --threads 1 --quiet 2>/dev/null) |
			grep '^{' | sed 's/^/torch gonogo /' >>"$RAW" || true
		(cd "$TMP" && OPENBLAS_NUM_THREADS=1 nice $PY "$PEERS/torch_rate.py" --task mante --N 250 --seed 0 --n_trials 300 --threads 1 --quiet 2>/dev/null) |
			grep '^{' | sed 's/^/torch mante /' >>"$RAW" || true
	else
		echo "(python3-torch not installed: no PyTorch column)" >&2
	fi
	if $PY -c 'import brian2, scipy' 2>/dev/null; then
		echo "Brian2 port: 1-s LIF trials of the same trained network (the first compiles)" >&2
		nice $PY "$PEERS/brian_lif.py" --model lifsim/testdata/gonogo_trained.mat --sf 20 --target cython --trials 4 \
			--cache_dir "$TMP/cython" 2>/dev/null | grep '^{' | tail -n +2 | sed 's/^/brian lif /' >>"$RAW" || true
	else
		echo "(python3-brian/scipy not installed: no Brian2 column)" >&2
	fi
fi
echo "# load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW"
mkdir -p "$(dirname "$OUT")"
cp "$RAW" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
echo "raw results: $OUT" >&2
args=(-results "$OUT")
[ "$README" = 1 ] && args+=(-readme README.md)
go run ./scripts/bench/speedtable "${args[@]}"
