#include "single_thread_pieces.hpp"

#include <atomic>
#include <exception>
#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "xgrad/detail/parallel.hpp"
#include "xgrad/error.hpp"

namespace xgrad::kernels {

void run_single_thread_pieces(std::int64_t count, std::int64_t flops, std::int64_t grain,
                              const std::function<void(std::int64_t)>& piece,
                              const std::function<std::string()>& describe) {
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto guarded = [&](std::int64_t i) {
    if (failed.load(std::memory_order_relaxed)) return;
    try {
      piece(i);
    } catch (const dnnl::error& e) {
      if (!failed.exchange(true)) failure = std::make_exception_ptr(Error(fmt::format("{}: {}", describe(), e.what())));
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  if (count == 1 || flops < 2 * grain || detail::in_parallel_region()) {
    const SingleThreadScope one_thread;
    for (std::int64_t i = 0; i < count; ++i) guarded(i);
  } else {
    detail::prepare_threads();
    // A piece the pool runs on the calling thread outside a region must not let oneDNN start
    // threads of its own either.
    detail::parallel_blocks(count, flops, grain, [&](std::int64_t i) {
      if (detail::in_parallel_region()) return guarded(i);
      const SingleThreadScope one_thread;
      guarded(i);
    });
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace xgrad::kernels
