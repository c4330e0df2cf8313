#!/usr/bin/env bash
# Installs the Debian packages xgrad builds and tests with, skipping what is already there.
# Usage: scripts/install_deps.sh [extra packages...]
set -euo pipefail

packages=(g++ make cmake pkg-config xtensor-dev libxtensor-blas-dev libxsimd-dev doctest-dev libfmt-dev
          libopenblas-dev libdnnl-dev nlohmann-json3-dev python3-numpy gnuplot-nox zlib1g-dev dataset-fashion-mnist
          libcli11-dev libopenmpi-dev openmpi-bin "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
