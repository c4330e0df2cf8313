// Row-major matrix products for the ops: C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n] on every
// row) (+ C itself when accumulating). float32 and bfloat16 inputs run on oneDNN's matmul kernels
// (AVX-512 / AMX on CPUs that have them) and write float32; float64 runs on OpenBLAS.
//
// Threads and determinism: C is cut into tiles fixed by (m, n, k) alone, every tile is one
// single-threaded product over the whole k, and the tiles are spread over the pool. Each element is
// therefore computed the same way whatever the number of threads.
#pragma once
#include <cstdint>

#include "xgrad/dtype.hpp"

namespace xgrad::kernels {

struct GemmArgs {
  bool ta = false, tb = false;  // A stored as [k, m] / B stored as [n, k]
  std::int64_t m = 0, n = 0, k = 0;
  const void* a = nullptr;
  std::int64_t lda = 0;  // row stride of A as stored
  const void* b = nullptr;
  std::int64_t ldb = 0;
  void* c = nullptr;  // float32 for float32/bfloat16 inputs, float64 for float64
  std::int64_t ldc = 0;
  const void* bias = nullptr;  // n values of C's dtype, or null
  bool accumulate = false;     // C += product instead of C = product
};

// `input` is the dtype of A and B: kFloat32, kBFloat16 or kFloat64. `batch` products at the given
// element strides between consecutive matrices (a batch of one ignores them).
void gemm(Dtype input, const GemmArgs& args, std::int64_t batch = 1, std::int64_t stride_a = 0,
          std::int64_t stride_b = 0, std::int64_t stride_c = 0);

}  // namespace xgrad::kernels
