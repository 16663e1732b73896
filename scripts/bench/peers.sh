#!/usr/bin/env bash
# Side-by-side LIF benchmarks: spikernn's lifsim (default build and
# GOEXPERIMENT=simd) against the Brian2 port of the reference simulator
# (/work/shared/peers/brian_lif.py, or $PEERS/brian_lif.py), in one run on
# one machine, on the trained Go-NoGo fixture (N = 200, s = 20, about 3 Hz).
#
#   scripts/bench/peers.sh [-count K] [-trials T] [-grid]
#
# -count K   repetitions of each Go benchmark (default 3); the table shows
#            the range (min-max) over them
# -trials T  Brian2 trials (default 4; the first one, which includes code
#            generation and compilation, is left out)
# -grid      also time the whole grid search (12 factors x 100 trials,
#            2 workers), batched and one trial at a time (about a minute
#            per run and build on a quiet 2-core machine)
#
# Brian2 needs Debian's python3-brian (2.5), python3-scipy, cython3 and g++
# (see $PEERS/README.md); without them the Brian2 column is skipped.
# Run it on a quiet machine: times are CPU times of the simulating thread
# (Go) and wall times of the simulation loop (Brian2); on a loaded machine
# both grow, and only ratios measured in the same run mean much.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=3
TRIALS=4
GRID=0
while [ $# -gt 0 ]; do
	case "$1" in
	-count) COUNT=$2; shift 2 ;;
	-trials) TRIALS=$2; shift 2 ;;
	-grid) GRID=1; shift ;;
	*) echo "usage: $0 [-count K] [-trials T] [-grid]" >&2; exit 2 ;;
	esac
done
PEERS=${PEERS:-/work/shared/peers}
MODEL=lifsim/testdata/gonogo_trained.mat
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

go test -c -o "$TMP/def.test" ./lifsim
GOEXPERIMENT=simd go test -c -o "$TMP/simd.test" ./lifsim
# Interleave the builds, so that both see the same load.
for k in $(seq "$COUNT"); do
	for b in def simd; do
		(cd lifsim && nice "$TMP/$b.test" -test.run '^$' -test.bench '^(BenchmarkTrialTrained|BenchmarkBatch)$' -test.benchtime 8x 2>&1) |
			grep '^Benchmark' | sed "s/^/$b /" >>"$TMP/go.txt" || true
		if [ "$GRID" = 1 ]; then
			(cd lifsim && nice "$TMP/$b.test" -test.run '^$' -test.bench '^BenchmarkGridSearchTrained$' -test.benchtime 1x 2>&1) |
				grep '^Benchmark' | sed "s/^/$b /" >>"$TMP/go.txt" || true
		fi
	done
done

BRIAN=""
if /usr/bin/python3 -c 'import brian2, scipy' 2>/dev/null; then
	nice /usr/bin/python3 "$PEERS/brian_lif.py" --model "$MODEL" --sf 20 --target cython --trials "$TRIALS" \
		--cache_dir "$TMP/cython" 2>/dev/null | grep '^{' >"$TMP/brian.txt" || true
	BRIAN=$TMP/brian.txt
else
	echo "(python3 brian2/scipy not installed: no Brian2 column)" >&2
fi

/usr/bin/python3 - "$TMP/go.txt" "$BRIAN" <<'PY'
import json, re, sys
go, brian = sys.argv[1], sys.argv[2]
rows = {}  # key -> build -> [(cpu, wall)]
for line in open(go):
    f = line.split()
    build, name = f[0], re.sub(r'-\d+$', '', f[1])
    vals = {f[i + 1]: float(f[i]) for i in range(3, len(f) - 1) if re.match(r'^[0-9.e+-]+$', f[i])}
    if name == 'BenchmarkTrialTrained':
        key, v = 'one 1-s trial, single path (ms)', (vals['cpu-ns/op'] / 1e6, vals['ns/op'] / 1e6)
    elif name == 'BenchmarkBatch/trained':
        key, v = 'one 1-s trial in a batch of 8, effective (ms)', (vals['cpu-ns/trial'] / 1e6, vals['ns/trial'] / 1e6)
    elif name == 'BenchmarkBatch/random':
        key, v = 'random N=200 net (83 Hz), in a batch of 8 (ms)', (vals['cpu-ns/trial'] / 1e6, vals['ns/trial'] / 1e6)
    elif name.startswith('BenchmarkGridSearchTrained/'):
        key, v = 'grid search 12x100, 2 workers, %s (s)' % name.split('/')[1], (vals['cpu-ns/op'] / 1e9, vals['ns/op'] / 1e9)
    else:
        continue
    rows.setdefault(key, {}).setdefault(build, []).append(v)
bl = []
if brian:
    for k, line in enumerate(open(brian)):
        if k > 0:
            bl.append(json.loads(line)['loop_999ms_s'] * 1e3)
def rng(x):
    return '-' if not x else ('%.3g' % min(x) if len(x) == 1 else '%.3g-%.3g' % (min(x), max(x)))
def cell(v):
    if not v:
        return '-'
    return 'cpu %s, wall %s' % (rng([c for c, _ in v]), rng([w for _, w in v]))
print('Go: CPU time of the simulating thread(s) and wall time, range over the runs.')
print('Brian2: wall time of the simulation loop (first trial, with compilation, left out).')
print('Ratio: Brian2 wall / spikernn simd wall, fastest runs of each.')
print()
print('| job | default build | GOEXPERIMENT=simd | Brian2 cython | Brian2 / simd |')
print('|---|---|---|---|---|')
for key, by in rows.items():
    peer = bl and 'trial' in key and 'random' not in key
    ratio = '-'
    if peer and by.get('simd'):
        ratio = '%.0fx' % (min(bl) / min(w for _, w in by['simd']))
    b = 'wall ' + rng(bl) if peer else '-'
    print('| %s | %s | %s | %s | %s |' % (key, cell(by.get('def')), cell(by.get('simd')), b, ratio))
PY
