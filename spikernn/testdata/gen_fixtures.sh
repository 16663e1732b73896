#!/bin/sh
# Regenerates the reference-tool model fixtures in this folder:
#   ref_*.mat          scipy.io.savemat, as the reference's rate/main.py writes
#   ref_gonogo_v7.mat  the same loaded and saved by GNU Octave with save -v7 (zlib)
#   ref_gonogo_v6.mat  ... with save -v6 (uncompressed)
# Needs Debian's python3-numpy, python3-scipy and octave.
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 make_fixtures.py
octave --no-gui --quiet --eval "load('ref_gonogo.mat'); clear ans; save('-v7', 'ref_gonogo_v7.mat'); save('-v6', 'ref_gonogo_v6.mat');"
ls -l ref_*.mat
