// Walking two operands broadcast against an output shape, row by row. Kernels get whole rows
// (with each operand's stride along the row: 1, or 0 when broadcast) so their inner loops vectorize.
#pragma once
#include <cstdint>
#include <vector>

#include "xgrad/shape.hpp"

namespace xgrad::detail {

// Element strides of a contiguous tensor of shape `in`, seen as broadcast to `out`: 0 on the
// dimensions it is broadcast along (including missing leading ones).
inline std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<std::int64_t> strides(out.size(), 0);
  std::int64_t stride = 1;
  const std::size_t offset = out.size() - in.size();
  for (std::size_t i = in.size(); i-- > 0;) {
    strides[i + offset] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

// Calls row(out_offset, a_offset, a_step, b_offset, b_step, length) for the innermost rows
// [first, last) of `out` (rows counted in row-major order); a range starts mid-tensor by turning
// its first row number into an index, so ranges can go to different threads.
template <class RowFn>
void for_each_row_range(const Shape& out, const std::vector<std::int64_t>& sa, const std::vector<std::int64_t>& sb,
                        std::int64_t first, std::int64_t last, RowFn&& row) {
  const std::size_t nd = out.size();
  if (nd == 0) {
    if (first == 0 && last > 0) row(0, 0, 0, 0, 0, 1);
    return;
  }
  if (first >= last) return;  // no rows (an empty shape: its sizes would divide by 0 below)
  const std::int64_t inner = out[nd - 1];
  std::vector<std::int64_t> index(nd, 0);
  std::int64_t a = 0, b = 0;
  for (std::int64_t rest = first, d = static_cast<std::int64_t>(nd) - 2; d >= 0; --d) {
    index[d] = rest % out[d];
    rest /= out[d];
    a += index[d] * sa[d];
    b += index[d] * sb[d];
  }
  for (std::int64_t r = first; r < last; ++r) {
    row(r * inner, a, sa[nd - 1], b, sb[nd - 1], inner);
    for (std::size_t d = nd - 1; d-- > 0;) {
      a += sa[d];
      b += sb[d];
      if (++index[d] < out[d]) break;
      a -= sa[d] * out[d];
      b -= sb[d] * out[d];
      index[d] = 0;
    }
  }
}

// The number of innermost rows of `out` (0 for an empty tensor; a 0-d tensor is one row of one).
inline std::int64_t row_count(const Shape& out) {
  if (out.empty()) return 1;
  std::int64_t total = 1;
  for (auto d : out) total *= d;
  return total == 0 ? 0 : total / out.back();
}

// Every innermost row of `out`, in order, on the calling thread.
template <class RowFn>
void for_each_row(const Shape& out, const std::vector<std::int64_t>& sa, const std::vector<std::int64_t>& sb,
                  RowFn&& row) {
  for_each_row_range(out, sa, sb, 0, row_count(out), row);
}

}  // namespace xgrad::detail
