// The thread pool, as torch::set_num_threads / get_num_threads / at::parallel_for. xgrad runs its
// kernels and oneDNN's on one OpenMP pool; results never depend on the number of threads (every
// reduction and every matrix product splits its work into pieces fixed by the shapes alone and
// combines them in a fixed order).
#pragma once
#include <cstdint>
#include <type_traits>

namespace xgrad {

// Threads for every later op, on every thread of the program (torch's meaning). n >= 1.
void set_num_threads(int n);
// The current setting: the machine's cores unless OMP_NUM_THREADS or set_num_threads said otherwise.
int get_num_threads();

// torch.set_flush_denormal: treat denormal floats as zero (x86 FTZ and DAZ) on the calling thread
// and on every thread of the pool. Intel cores take a slow path for each arithmetic operation that
// meets a denormal (a 256-wide MLP trained until its softmax saturates ran 2.5x slower); this trades
// the values below 1.2e-38 (2.2e-308 in float64) for that speed. Returns false where unsupported.
bool set_flush_denormal(bool enabled);

namespace detail {
using RangeFn = void (*)(void* context, std::int64_t begin, std::int64_t end);
void parallel_range(std::int64_t begin, std::int64_t end, std::int64_t grain, RangeFn fn, void* context);
}  // namespace detail

// f(chunk_begin, chunk_end) over [begin, end) split across the pool, as at::parallel_for: ranges
// shorter than 2 * grain run on the calling thread (so tiny work keeps its tiny cost). f must give
// the same result however the range is split (elementwise work). Nested calls run serially.
template <class F>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, F&& f) {
  if (end - begin < 2 * grain) {
    if (end > begin) f(begin, end);
    return;
  }
  detail::parallel_range(
      begin, end, grain, [](void* c, std::int64_t b, std::int64_t e) { (*static_cast<std::remove_reference_t<F>*>(c))(b, e); },
      &f);
}

}  // namespace xgrad
