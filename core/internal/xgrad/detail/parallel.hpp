// Splitting kernels' work over the thread pool (xgrad/parallel.hpp has parallel_for). OpenMP itself
// stays inside core/src/parallel.cpp; lambdas cross into it as a function pointer and a context.
//
// parallel_blocks(count, work, grain, body(block)) runs `count` pieces fixed by the caller (blocks
// of 4096 values of a sum, columns of a reduction, gemm tiles): a reduction that combines its
// per-block results in block order gives the same bits for any thread count. `work` (elements in
// all) decides whether threads are worth starting at all.
#pragma once
#include <cstdint>

#include "xgrad/parallel.hpp"

namespace xgrad::detail {

// Below this many elements of simple work (a load, a store, a few flops) threads cost more than
// they save; kernels with heavier elements (exp, softmax rows) pass a smaller grain.
inline constexpr std::int64_t kElementwiseGrain = 32768;
inline constexpr std::int64_t kTranscendentalGrain = 4096;

void parallel_block_range(std::int64_t count, std::int64_t work, std::int64_t grain, RangeFn fn, void* context);
bool in_parallel_region();
// Brings OpenMP's setting on this thread in line with set_num_threads and returns it.
int prepare_threads();

template <class Body>
void parallel_blocks(std::int64_t count, std::int64_t work, std::int64_t grain, Body&& body) {
  if (count <= 1 || work < 2 * grain) {
    for (std::int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  parallel_block_range(
      count, work, grain,
      [](void* c, std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) (*static_cast<std::remove_reference_t<Body>*>(c))(i);
      },
      &body);
}

}  // namespace xgrad::detail
