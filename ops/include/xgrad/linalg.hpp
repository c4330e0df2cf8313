// Matrix products through BLAS gemm (transposes as gemm flags, never copies).
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad {

// torch.matmul: 1-D·1-D dot, 2-D·2-D, 1-D promoted on either side, batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
// op(a)·op(b), op transposing when the flag is set: a [n,k] or [k,n], b [k,m] or [m,k].
Tensor mm_transposed(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);
// x·wᵀ + bias with x [..., in], w [out, in], bias [out] or undefined: one gemm onto the bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace xgrad
