// Small matrix helpers for the linalg ops and their gradients: argument checks, and differentiable
// building blocks (transpose of the last two dims, triangles, diagonals) made of existing ops, so
// the gradient formulas that use them stay differentiable.
#pragma once
#include <initializer_list>

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

// Where a backward needs an op's output X as a function of its inputs: under create_graph
// (grad mode on in backward) it is recomputed differentiably, otherwise the raw saved value serves.
bool building_graph();

}  // namespace xgrad::linalg_detail
