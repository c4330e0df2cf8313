#include "linalg_matrix.hpp"

#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::linalg_detail {

void check_matrix(const char* op, const Tensor& t, const char* name) {
  if (!t.defined()) throw Error(fmt::format("{}: {} is undefined", op, name));
  if (t.dtype() != kFloat32 && t.dtype() != kFloat64)
    throw Error(fmt::format("{}: {} of shape {} has dtype {}; only float32 and float64 are supported", op, name,
                            shape_str(t.shape()), dtype_name(t.dtype())));
  if (t.dim() < 2)
    throw Error(fmt::format("{}: {} must have at least 2 dimensions [..., m, n], got shape {}", op, name,
                            shape_str(t.shape())));
}

void check_square(const char* op, const Tensor& t, const char* name) {
  check_matrix(op, t, name);
  if (t.size(-1) != t.size(-2))
    throw Error(fmt::format("{}: {} must be a batch of square matrices, got shape {}", op, name, shape_str(t.shape())));
}

void check_same_dtype(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor& first = **tensors.begin();
  for (const Tensor* t : tensors)
    if (t->dtype() != first.dtype())
      throw Error(fmt::format("{}: dtypes differ ({} and {}); convert one with .to()", op, dtype_name(first.dtype()),
                              dtype_name(t->dtype())));
}

Shape batch_shape(const Tensor& t) { return Shape(t.shape().begin(), t.shape().end() - 2); }
std::int64_t batch_count(const Tensor& t) { return shape_numel(batch_shape(t)); }
Shape with_matrix(Shape batch, std::int64_t rows, std::int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }

namespace {
// A constant 0/1 mask of the last two dims; multiplying by it is differentiable (and linear).
Tensor band_mask(const Tensor& t, std::int64_t diagonal, bool lower) {
  const std::int64_t rows = t.size(-2), cols = t.size(-1);
  std::vector<double> v(static_cast<std::size_t>(rows * cols), 0.0);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      if (lower ? c <= r + diagonal : c >= r + diagonal) v[static_cast<std::size_t>(r * cols + c)] = 1.0;
  return tensor(v, {rows, cols}, t.dtype());
}
}  // namespace

Tensor tril(const Tensor& t, std::int64_t diagonal) { return t * band_mask(t, diagonal, true); }
Tensor triu(const Tensor& t, std::int64_t diagonal) { return t * band_mask(t, diagonal, false); }

Tensor diagonal(const Tensor& t) { return sum(t * eye(t.size(-1), t.dtype()), {-1}); }
Tensor diag_embed(const Tensor& v) { return unsqueeze(v, -1) * eye(v.size(-1), v.dtype()); }
Tensor sym(const Tensor& t) { return (t + mT(t)) * 0.5; }

void throw_failure(const char* op, const Tensor& a, const lapack::Failure& failure, const std::string& what) {
  throw Error(fmt::format("{}: the matrix at batch index {} of A with shape {} {}", op, failure.batch,
                          shape_str(a.shape()), what));
}

Tensor raw_copy(const Tensor& t) { return t.detach().contiguous().clone(); }

bool building_graph() { return GradMode::is_enabled(); }

}  // namespace xgrad::linalg_detail

namespace xgrad {

Tensor eye(std::int64_t n, Dtype dtype) {
  std::vector<double> v(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i * n + i)] = 1.0;
  return tensor(v, {n, n}, dtype);
}

}  // namespace xgrad
