#!/usr/bin/env bash
# run_reference.sh: run the reference spiking simulator (LIF_network_fnc.m of
# github.com/rkim35/spikeRNN, unchanged) under GNU Octave on the models in
# lifsim/testdata/reference/ and write the JSON fixtures that
# lifsim's TestReferenceAgreement compares spikernn with.
#
# Usage (from anywhere in the repository):
#
#   SPIKERNN_REFERENCE=/path/to/spikeRNN scripts/refcheck/run_reference.sh [NAME ...]
#
# SPIKERNN_REFERENCE is a checkout of the reference (a work tree with
# spiking/LIF_network_fnc.m, or a bare git directory, whose HEAD is used).
# Unset, the script clones https://github.com/rkim35/spikeRNN into
# ${XDG_CACHE_HOME:-$HOME/.cache}/spikernn/spikeRNN. NAMEs select fixtures of
# the table below (default: all). JOBS (default 2) fixtures run at once, each
# under nice. TRIALS overrides the trials per factor (for a quick try).
# Nothing of the reference is copied into this repository: the script only
# puts its spiking/ folder on Octave's path.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
outdir="$root/lifsim/testdata/reference"

# name | model file (under lifsim/testdata/) | task | factors | trials per factor | seed
fixtures=(
  "gonogo|gonogo_trained.mat|go-nogo|20 60|40|1"
  "mante|reference/mante_n250.mat|mante|40 70|30|2"
)

command -v octave >/dev/null || { echo "run_reference.sh: GNU Octave not found (apt-get install --no-install-recommends octave)" >&2; exit 1; }

ref=${SPIKERNN_REFERENCE:-}
if [ -z "$ref" ]; then
  ref="${XDG_CACHE_HOME:-$HOME/.cache}/spikernn/spikeRNN"
  if [ ! -d "$ref" ]; then
    mkdir -p "$(dirname "$ref")"
    git clone --quiet https://github.com/rkim35/spikeRNN "$ref"
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
parts=${REFCHECK_WORK:-${TMPDIR:-/tmp}/spikernn-refcheck}
mkdir -p "$parts"
if [ -f "$ref/spiking/LIF_network_fnc.m" ]; then
  spiking="$ref/spiking"
  commit=$(git -C "$ref" rev-parse HEAD 2>/dev/null || echo unknown)
elif git --git-dir="$ref" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  # A bare git directory: export its spiking/ folder.
  git --git-dir="$ref" archive HEAD spiking | tar -x -C "$work"
  spiking="$work/spiking"
  commit=$(git --git-dir="$ref" rev-parse HEAD)
else
  echo "run_reference.sh: $ref has no spiking/LIF_network_fnc.m and is not a git directory" >&2
  exit 1
fi
echo "reference: $spiking (commit $commit)"
octave_version=$(octave --no-gui --quiet --eval 'disp(OCTAVE_VERSION)' 2>/dev/null)

selected=("$@")

# One Octave run per (fixture, factor), JOBS at a time; then one JSON per
# fixture. Factor k of a fixture uses seed 100*seed + k.
run_factor() {
  local name=$1 model=$2 task=$3 s=$4 trials=$5 seed=$6
  (cd "$root/lifsim/testdata" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 octave --no-gui --no-window-system --quiet --eval \
    "addpath('$spiking'); addpath('$here'); refcheck_driver('$model', '$task', $s, $trials, $seed, '$parts/$name.$s.json', 500);") >"$parts/$name.$s.log" 2>&1
  echo "$name s = $s: $(grep -E '^s = .*: perf' "$parts/$name.$s.log" | tail -n 1)"
}

names=()
for line in "${fixtures[@]}"; do
  IFS='|' read -r name model task factors trials seed <<<"$line"
  if [ ${#selected[@]} -gt 0 ] && ! printf '%s\n' "${selected[@]}" | grep -qx "$name"; then
    continue
  fi
  names+=("$name")
  trials=${TRIALS:-$trials}
  echo "$name: $model, task $task, factors $factors, $trials trials each"
  [ "${MERGE_ONLY:-}" = 1 ] && continue
  k=0
  for s in $factors; do
    k=$((k + 1))
    while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do sleep 5; done
    run_factor "$name" "$model" "$task" "$s" "$trials" "$((100 * seed + k))" &
  done
done
wait

status=0
for line in "${fixtures[@]}"; do
  IFS='|' read -r name model task factors trials seed <<<"$line"
  printf '%s\n' "${names[@]}" | grep -qx "$name" || continue
  files=()
  for s in $factors; do files+=("$parts/$name.$s.json"); done
  cat "$parts/$name".*.log >"$outdir/$name.log"
  # Merge the factors and record where the numbers come from.
  python3 - "$outdir/$name.json" "$commit" "$octave_version" "$root/lifsim/testdata/$model" "${files[@]}" <<'PY' || status=1
import hashlib, json, sys
dst, commit, octv, model = sys.argv[1:5]
out = None
complete = True
for src in sys.argv[5:]:
    d = json.load(open(src))
    if out is None:
        out = {k: v for k, v in d.items() if k != "factors"}
        out["factors"] = []
        out["seeds"] = []
    out["seeds"].append(d["seed"])
    complete = complete and d.get("complete", True)
    out["factors"].extend(d["factors"])
del out["seed"]
out["complete"] = complete
out["reference_commit"] = commit
out["octave_version"] = octv
out["model_sha256"] = hashlib.sha256(open(model, "rb").read()).hexdigest()
out["driver"] = "scripts/refcheck/refcheck_driver.m"
out["seconds"] = sum(f["seconds"] for f in out["factors"])
for f in out["factors"]:
    # One trial comes back as a vector, not a matrix: keep lists of rows.
    t = f["traces"]
    if t and not isinstance(t[0], list):
        f["traces"] = [t]
    for k in ("labels", "correct", "exc_rates", "inh_rates", "window_max", "window_min"):
        if not isinstance(f[k], list):
            f[k] = [f[k]]
json.dump(out, open(dst, "w"), separators=(",", ":"))
PY
  echo "$name: wrote $outdir/$name.json"
done
exit $status
