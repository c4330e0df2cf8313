// Fast, accurate sums of contiguous runs, as a cascade: independent lanes (which let the compiler
// vectorize without reassociating anything) each add only a few values of a chunk of 256, the lanes
// fold pairwise, and the chunks add up in double. A float32 sum of a million equal values keeps its
// accuracy (the lanes' rounding errors, all of one sign for equal values, stay short).
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "xgrad/detail/parallel.hpp"

namespace xgrad::detail {

// lanes[0] = the pairwise sum of lanes[0 .. 2 * width). Each level is a loop of constant length, so
// the whole fold unrolls into a few vector adds (a runtime `width` loop compiled to branchy scalar
// code that took half the time of summing 1024-value rows).
template <int width, class T>
inline void fold_pairwise(T* lanes) {
  for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];
  if constexpr (width > 1) fold_pairwise<width / 2>(lanes);
}

inline constexpr std::int64_t kSumBlock = 4096;  // the unit of work a thread takes
inline constexpr std::int64_t kSumChunk = 256;   // the values one lane run covers

// The sum of p[start, end), at most one chunk: lanes folded pairwise.
template <class T>
T sum_chunk(const T* p, std::int64_t start, std::int64_t end) {
  constexpr int kLanes = 256 / sizeof(T);  // eight 256-bit vectors in flight hide the add latency
  T lanes[kLanes] = {};
  std::int64_t i = start;
  for (; i + kLanes <= end; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] += p[i + j];
  fold_pairwise<kLanes / 2>(lanes);
  T block = lanes[0];
  for (; i < end; ++i) block += p[i];
  return block;
}

// The sum of p[start, end), at most one block: its chunks added in double.
template <class T>
double sum_block(const T* p, std::int64_t start, std::int64_t end) {
  double block = 0;
  for (std::int64_t c = start; c < end; c += kSumChunk)
    block += static_cast<double>(sum_chunk(p, c, std::min(end, c + kSumChunk)));
  return block;
}

// Blocks of 4096 summed on their own, their sums added in order in double. Long runs compute the
// blocks on several threads; the blocks and the order of adding them are the same on one thread, so
// the bits do not depend on the thread count.
template <class T>
T sum_contiguous(const T* p, std::int64_t n) {
  const std::int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  double total = 0;
  // What parallel_blocks would run serially anyway, summed without allocating the partial sums.
  if (n < 2 * kElementwiseGrain || in_parallel_region()) {
    for (std::int64_t b = 0; b < blocks; ++b)
      total += sum_block(p, b * kSumBlock, b + 1 == blocks ? n : (b + 1) * kSumBlock);
    return static_cast<T>(total);
  }
  std::vector<double> partial(static_cast<std::size_t>(blocks));
  parallel_blocks(blocks, n, kElementwiseGrain, [&](std::int64_t b) {
    partial[b] = sum_block(p, b * kSumBlock, b + 1 == blocks ? n : (b + 1) * kSumBlock);
  });
  for (const double block : partial) total += block;
  return static_cast<T>(total);
}

// The largest value of a contiguous run (n >= 1); NaN if any value is NaN, as torch.
template <class T>
T max_contiguous(const T* p, std::int64_t n) {
  constexpr int kLanes = 16;
  T lanes[kLanes];
  for (int j = 0; j < kLanes; ++j) lanes[j] = p[0];
  bool nan = false;
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      const T v = p[i + j];
      nan |= v != v;
      lanes[j] = v > lanes[j] ? v : lanes[j];
    }
  T m = lanes[0];
  for (int j = 1; j < kLanes; ++j) m = lanes[j] > m ? lanes[j] : m;
  for (; i < n; ++i) {
    nan |= p[i] != p[i];
    m = p[i] > m ? p[i] : m;
  }
  return nan ? std::numeric_limits<T>::quiet_NaN() : m;
}

}  // namespace xgrad::detail
