#!/usr/bin/env bash
# Installs the built xgrad into a fresh prefix, then configures, builds and runs tests/consumer
# against it with find_package(xgrad CONFIG REQUIRED), as a user's project would.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
cmake -S "$source_dir/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
start=$(date +%s%N)
cmake --build "$work/build" > /dev/null
end=$(date +%s%N)
echo "consumer built in $(( (end - start) / 1000000 )) ms (one translation unit including <xgrad/xgrad.hpp>, plus link)"
"$work/build/consumer"
