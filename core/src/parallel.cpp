// The one thread pool: OpenMP's, which oneDNN uses too (no second pool to oversubscribe the cores).
// set_num_threads is global, as in torch: the setting lives here and every parallel region passes
// it explicitly, because OpenMP's own setting belongs to the thread that made it.
#include "xgrad/parallel.hpp"

#include <omp.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <fmt/format.h>

#include "xgrad/detail/parallel.hpp"
#include "xgrad/error.hpp"

namespace xgrad {

namespace {

std::atomic<int>& thread_setting() {
  static std::atomic<int> threads{std::max(1, omp_get_max_threads())};
  return threads;
}

// OpenMP's per-thread setting, brought in line with ours before a region (oneDNN reads it too).
void sync_openmp_threads(int threads) {
  thread_local int applied = -1;
  if (applied != threads) {
    omp_set_num_threads(threads);
    applied = threads;
  }
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw Error(fmt::format("set_num_threads: expected a positive number of threads, got {}", n));
  thread_setting().store(n, std::memory_order_relaxed);
  sync_openmp_threads(n);
}

int get_num_threads() { return thread_setting().load(std::memory_order_relaxed); }

bool set_flush_denormal(bool enabled) {
#if defined(__SSE__) || defined(__x86_64__)
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  const auto apply = [enabled] {
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(enabled ? csr | kFlushToZero | kDenormalsAreZero : csr & ~(kFlushToZero | kDenormalsAreZero));
  };
  apply();
  const int threads = get_num_threads();
  // Every thread of the pool sets its own register (threads started later copy the caller's).
#pragma omp parallel num_threads(threads)
  apply();
  return true;
#else
  (void)enabled;
  return false;
#endif
}

namespace detail {

int prepare_threads() {
  const int threads = get_num_threads();
  sync_openmp_threads(threads);
  return threads;
}

bool in_parallel_region() { return omp_in_parallel() != 0; }

void parallel_range(std::int64_t begin, std::int64_t end, std::int64_t grain, RangeFn fn, void* context) {
  const std::int64_t n = end - begin;
  const int threads = static_cast<int>(std::min<std::int64_t>(get_num_threads(), n / std::max<std::int64_t>(grain, 1)));
  if (threads <= 1 || omp_in_parallel()) {
    fn(context, begin, end);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    // Equal ranges, each starting on a multiple of 64 elements so vector loops stay aligned.
    const std::int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    const auto boundary = [&](std::int64_t i) {
      return i == count ? n : std::min(n, (n * i / count) & ~std::int64_t{63});
    };
    const std::int64_t first = boundary(t), last = boundary(t + 1);
    if (first < last) fn(context, begin + first, begin + last);
  }
}

void parallel_block_range(std::int64_t count, std::int64_t work, std::int64_t grain, RangeFn fn, void* context) {
  const int threads =
      static_cast<int>(std::min<std::int64_t>({get_num_threads(), count, work / std::max<std::int64_t>(grain, 1)}));
  if (threads <= 1 || omp_in_parallel()) {
    fn(context, 0, count);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t i = 0; i < count; ++i) fn(context, i, i + 1);
}

}  // namespace detail

}  // namespace xgrad
