#!/usr/bin/env bash
# Regenerates tests/fixtures/torch_compat.txt by building tests/torch_compat/programs.hpp against
# libtorch (Debian's libtorch-dev 1.13) and running it; prints the compile time of that one file,
# which README's compile-time comparison quotes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
torch_include="${TORCH_INCLUDE:-/usr/include/torch/csrc/api/include}"
start=$(date +%s.%N)
g++ -std=c++17 -O1 -I"$torch_include" -I"$root/tests/torch_compat" -c "$root/scripts/make_torch_compat_fixtures.cpp" \
  -o "$work/fixtures.o"
end=$(date +%s.%N)
echo "compile time against <torch/torch.h>: $(echo "$end - $start" | bc) s" >&2
g++ "$work/fixtures.o" -o "$work/fixtures" -ltorch -ltorch_cpu -lc10
"$work/fixtures" "$work" > "$root/tests/fixtures/torch_compat.txt"
echo "wrote tests/fixtures/torch_compat.txt" >&2
