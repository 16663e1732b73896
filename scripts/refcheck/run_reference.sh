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
  "gonogo|gonogo_trained.mat|go-nogo|[20 60]|40|1"
  #"mante|reference/mante_n250.mat|mante|[50 70]|30|2"
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
run_one() {
  local name=$1 model=$2 task=$3 factors=$4 trials=$5 seed=$6
  local json="$outdir/$name.json" log="$outdir/$name.log"
  trials=${TRIALS:-$trials}
  echo "$name: $model, task $task, factors $factors, $trials trials each, seed $seed (log: $log)"
  (cd "$root/lifsim/testdata" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 octave --no-gui --no-window-system --quiet --eval \
    "addpath('$spiking'); addpath('$here'); refcheck_driver('$model', '$task', $factors, $trials, $seed, '$json.tmp', 500);") >"$log" 2>&1
  # Record where the numbers come from.
  python3 - "$json.tmp" "$json" "$commit" "$octave_version" "$root/lifsim/testdata/$model" <<'PY'
import hashlib, json, sys
src, dst, commit, octv, model = sys.argv[1:6]
d = json.load(open(src))
d["reference_commit"] = commit
d["octave_version"] = octv
d["model_sha256"] = hashlib.sha256(open(model, "rb").read()).hexdigest()
d["driver"] = "scripts/refcheck/refcheck_driver.m"
# Traces come back as a matrix (trials x points); keep them as a list of rows.
for f in d["factors"]:
    t = f["traces"]
    if t and not isinstance(t[0], list):
        f["traces"] = [t]
    for k in ("labels", "correct", "exc_rates", "inh_rates", "window_max", "window_min"):
        if not isinstance(f[k], list):
            f[k] = [f[k]]
json.dump(d, open(dst, "w"), indent=None, separators=(",", ":"))
PY
  rm -f "$json.tmp"
  echo "$name: done, $(tail -n 2 "$log" | head -n 1)"
}

pids=()
for line in "${fixtures[@]}"; do
  IFS='|' read -r name model task factors trials seed <<<"$line"
  if [ ${#selected[@]} -gt 0 ] && ! printf '%s\n' "${selected[@]}" | grep -qx "$name"; then
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do sleep 5; done
  run_one "$name" "$model" "$task" "$factors" "$trials" "$seed" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
