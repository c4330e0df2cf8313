// Tensor's method forms of ops (t.sum(), t.matmul(u), ...), forwarding to the free functions.
#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/error.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad {

Tensor Tensor::sum() const { return xgrad::sum(*this); }
Tensor Tensor::sum(const std::vector<std::int64_t>& dims, bool keepdim) const { return xgrad::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return xgrad::mean(*this); }
Tensor Tensor::mean(const std::vector<std::int64_t>& dims, bool keepdim) const { return xgrad::mean(*this, dims, keepdim); }
Tensor Tensor::exp() const { return xgrad::exp(*this); }
Tensor Tensor::log() const { return xgrad::log(*this); }
Tensor Tensor::sqrt() const { return xgrad::sqrt(*this); }
Tensor Tensor::abs() const { return xgrad::abs(*this); }
Tensor Tensor::tanh() const { return xgrad::tanh(*this); }
Tensor Tensor::sigmoid() const { return xgrad::sigmoid(*this); }
Tensor Tensor::relu() const { return xgrad::relu(*this); }
Tensor Tensor::pow(double exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::matmul(const Tensor& other) const { return xgrad::matmul(*this, other); }
Tensor Tensor::t() const {
  // torch's t() is for matrices only: swapping two of three dims silently would hide a bug
  if (dim() > 2)
    throw Error(fmt::format("t: expects a tensor with at most 2 dimensions, got shape {} ({}-D); use transpose",
                            shape_str(shape()), dim()));
  return dim() < 2 ? *this : xgrad::transpose(*this, 0, 1);
}
Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const { return xgrad::transpose(*this, d0, d1); }
Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const { return xgrad::permute(*this, dims); }
Tensor Tensor::reshape(const Shape& shape) const { return xgrad::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return xgrad::view(*this, shape); }
Tensor Tensor::flatten(std::int64_t start, std::int64_t end) const { return xgrad::flatten(*this, start, end); }
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return xgrad::select(*this, dim, index); }
Tensor Tensor::operator[](std::int64_t index) const { return xgrad::select(*this, 0, index); }
Tensor Tensor::slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                     std::int64_t step) const {
  return xgrad::slice(*this, dim, start, end, step);
}
Tensor Tensor::unfold(std::int64_t dim, std::int64_t size, std::int64_t step) const {
  return xgrad::unfold(*this, dim, size, step);
}
Tensor Tensor::as_strided(const std::vector<std::int64_t>& size, const std::vector<std::int64_t>& stride,
                          std::optional<std::int64_t> storage_offset) const {
  return xgrad::as_strided(*this, size, stride, storage_offset);
}
Tensor Tensor::squeeze() const { return xgrad::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t dim) const { return xgrad::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(std::int64_t dim) const { return xgrad::unsqueeze(*this, dim); }
Tensor Tensor::expand(const Shape& shape) const { return xgrad::expand(*this, shape); }
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return xgrad::narrow(*this, dim, start, length);
}
Tensor Tensor::index_select(std::int64_t dim, const Tensor& index) const { return xgrad::index_select(*this, dim, index); }
Tensor Tensor::gather(std::int64_t dim, const Tensor& index) const { return xgrad::gather(*this, dim, index); }
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const { return xgrad::argmax(*this, dim, keepdim); }
Tensor Tensor::softmax(std::int64_t dim) const { return xgrad::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return xgrad::log_softmax(*this, dim); }
Tensor Tensor::max() const { return xgrad::max(*this); }
Tensor Tensor::min() const { return xgrad::min(*this); }

}  // namespace xgrad
