#!/bin/bash
# Set-up for the janpfeifer/gonb_jupyterlab container of docker-compose.yml.
#
# The image runs /root/autostart/autostart.sh as root at start-up when it is
# mounted read-only and executable, then starts JupyterLab in /notebooks as
# $NB_USER (jovyan) through "su -l", which drops the container's environment:
# so the variables the notebooks need go into the GoNB kernelspec instead.
#
# "go run ./kernelconfig install --no-jupyter" (as $NB_USER, in the mounted
# repository) builds GoNB v0.11.4, goimports and gopls into ~/go/bin (the
# version the notebooks' first cell pins; the image's own GoNB is built from
# GoNB's main branch) and rewrites ~/.local/share/jupyter/kernels/gonb with
# SPIKERNN_ROOT, GOMLX_BACKEND=go and GOEXPERIMENT=simd. It takes a few
# minutes on the first start of a new container, about a second afterwards.
# If it fails, the image's own GoNB kernel stays, and the notebooks' first
# cell falls back to the notebook folder's parent for the repository.

REPO="${SPIKERNN_ROOT:-/notebooks/spikernn}"
USER_NAME="${NB_USER:-jovyan}"

if [[ ! -f "${REPO}/go.mod" ]]; then
  echo "autostart: no repository at ${REPO} (see the volumes in docker-compose.yml)" >&2
  exit 0
fi

echo "autostart: setting up the GoNB kernel for ${REPO} as ${USER_NAME}"
# GOTOOLCHAIN=auto fetches the Go release go.mod asks for when the image's
# Go is older.
if ! su -l "${USER_NAME}" -c "cd '${REPO}' && GOTOOLCHAIN=auto GOFLAGS=-buildvcs=false go run ./kernelconfig install --no-jupyter"; then
  echo "autostart: kernelconfig install failed; keeping the image's GoNB kernel" >&2
fi
exit 0
