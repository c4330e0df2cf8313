// Work cut into pieces fixed by the shapes alone, each piece run by oneDNN (or OpenBLAS) on one
// thread, the pieces spread over the pool: how gemm and the oneDNN convolutions give the same bits
// whatever the number of threads.
#pragma once
#include <omp.h>

#include <cstdint>
#include <functional>
#include <string>

namespace xgrad::kernels {

// Lowers this thread's OpenMP setting to one (what oneDNN and OpenBLAS read) and restores it.
struct SingleThreadScope {
  int previous = omp_get_max_threads();
  SingleThreadScope() { omp_set_num_threads(1); }
  ~SingleThreadScope() { omp_set_num_threads(previous); }
  SingleThreadScope(const SingleThreadScope&) = delete;
  SingleThreadScope& operator=(const SingleThreadScope&) = delete;
};

// piece(i) for every i in [0, count), each under a SingleThreadScope: on the calling thread when the
// `flops` of all pieces are under two `grain`s (or a region is already running), else over the pool.
// An exception must not leave an OpenMP region: the first is kept and rethrown after all pieces, a
// oneDNN error as an xgrad::Error reading "<describe()>: oneDNN failed...: <its message>".
void run_single_thread_pieces(std::int64_t count, std::int64_t flops, std::int64_t grain,
                              const std::function<void(std::int64_t)>& piece,
                              const std::function<std::string()>& describe);

}  // namespace xgrad::kernels
