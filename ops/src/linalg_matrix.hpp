// Small matrix helpers for the linalg ops and their gradients: argument checks, and differentiable
// building blocks (transpose of the last two dims, triangles, diagonals) made of existing ops, so
// the gradient formulas that use them stay differentiable.
#pragma once
#include <initializer_list>
#include <string>

#include "lapack_kernels.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::linalg_detail {

// Throws unless t is a float32/float64 tensor with at least 2 dims (and square, for the second).
void check_matrix(const char* op, const Tensor& t, const char* name = "A");
void check_square(const char* op, const Tensor& t, const char* name = "A");
// Throws unless all tensors share one dtype.
void check_same_dtype(const char* op, std::initializer_list<const Tensor*> tensors);

Shape batch_shape(const Tensor& t);  // all but the last two dims
std::int64_t batch_count(const Tensor& t);
Shape with_matrix(Shape batch, std::int64_t rows, std::int64_t cols);

Tensor mT(const Tensor& t);                          // transpose of the last two dims
Tensor tril(const Tensor& t, std::int64_t diagonal = 0);  // keeps column <= row + diagonal
Tensor triu(const Tensor& t, std::int64_t diagonal = 0);  // keeps column >= row + diagonal
Tensor diagonal(const Tensor& t);                    // [..., n, n] -> [..., n]
Tensor diag_embed(const Tensor& v);                  // [..., n] -> [..., n, n]
Tensor sym(const Tensor& t);                         // (t + tᵀ) / 2

// Calls f with a typed tag for float32 or float64 (check_matrix let only those through).
template <class F>
void on_float(Dtype dtype, F&& f) {
  if (dtype == kFloat64) f(double{});
  else f(float{});
}

// "op: the matrix at batch index i of A with shape [...] <what>".
[[noreturn]] void throw_failure(const char* op, const Tensor& a, const lapack::Failure& failure, const std::string& what);

// A fresh contiguous copy of t's data with no history (LAPACK kernels overwrite their arguments).
Tensor raw_copy(const Tensor& t);

// Where a backward needs an op's output X as a function of its inputs: under create_graph
// (grad mode on in backward) it is recomputed differentiably, otherwise the raw saved value serves.
bool building_graph();

}  // namespace xgrad::linalg_detail
