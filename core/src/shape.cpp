#include "xgrad/shape.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/error.hpp"

namespace xgrad {

std::int64_t shape_numel(const Shape& shape) {
  // A zero anywhere makes the tensor empty, however large the other sizes (a file may declare that).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::int64_t n = 1;
  for (auto d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      throw Error(fmt::format("shape {} has more elements than an int64 can count", shape_str(shape)));
  return n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const std::size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    const std::int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    const std::int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(fmt::format("{}: shapes {} and {} cannot be broadcast (dimension {}: {} vs {})", op,
                              shape_str(a), shape_str(b), i, da, db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::int64_t wrap_dim(const char* op, std::int64_t dim, std::int64_t ndim) {
  const std::int64_t range = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts dim 0 and -1, as torch
  if (dim < -range || dim >= range)
    throw Error(fmt::format("{}: dimension {} is out of range for a tensor with {} dimensions", op, dim, ndim));
  return dim < 0 ? dim + range : dim;
}

}  // namespace xgrad

namespace xgrad {

Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<std::int64_t>(shape[i], 1);
  }
  return strides;
}

bool is_contiguous_layout(const Shape& shape, const Strides& strides) {
  std::int64_t expected = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return true;
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

}  // namespace xgrad
