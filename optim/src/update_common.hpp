// Small helpers shared by the optimizers' update loops.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"
#include "xgrad/parallel.hpp"

// The kernels take restrict pointers: a parameter, its gradient and its state never overlap, and
// saying so lets the compiler vectorize the fused loops.
#if defined(__GNUC__) || defined(__clang__)
#define XGRAD_RESTRICT __restrict__
#else
#define XGRAD_RESTRICT
#endif

namespace xgrad::optim::detail {

// Calls f(T{}) with T = float or double for the parameter's dtype.
template <class F>
void dispatch_floating(Dtype dtype, F&& f) {
  if (dtype == kFloat64)
    f(double{});
  else
    f(float{});
}

// Runs update(begin, count) over [0, n) in ranges spread across the pool: every update is
// elementwise, so the result is the same on any number of threads. Pointers move with `offset`.
template <class F>
void for_each_range(std::int64_t n, F&& update) {
  constexpr std::int64_t kGrain = 16384;  // an update reads and writes four or five arrays
  parallel_for(0, n, kGrain, [&](std::int64_t begin, std::int64_t end) { update(begin, end - begin); });
}
// part(begin, end) of each block of 4096 of [0, n), computed on the pool, returned in block order:
// a caller that combines them in that order gets the same result on any number of threads.
template <class F>
std::vector<double> block_parts(std::int64_t n, F&& part) {
  constexpr std::int64_t kBlock = 4096;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> parts(static_cast<std::size_t>(blocks));
  parallel_for(0, blocks, 8, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) parts[b] = part(b * kBlock, std::min(n, (b + 1) * kBlock));
  });
  return parts;
}

template <class T>
T* offset(T* p, std::int64_t by) {
  return p ? p + by : nullptr;
}

inline void require(bool ok, const std::string& where, const char* what, double value) {
  if (!ok) throw Error(fmt::format("{}: invalid {}: {}", where, what, value));
}

}  // namespace xgrad::optim::detail
