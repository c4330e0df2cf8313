#include "xgrad/detail/strided_copy.hpp"

#include <cstdint>
#include <cstring>

#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/parallel.hpp"

namespace xgrad::detail {

namespace {

// Merges neighbouring dimensions that both layouts walk as one (a transposed matrix's rows stay
// rows, but a narrowed-but-dense block becomes a single long row), so the inner loop gets long rows.
void coalesce(Shape& shape, Strides& a, Strides& b) {
  Shape s;
  Strides sa, sb;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!s.empty() && sa.back() == a[i] * shape[i] && sb.back() == b[i] * shape[i]) {
      s.back() *= shape[i];
      sa.back() = a[i];
      sb.back() = b[i];
      continue;
    }
    s.push_back(shape[i]);
    sa.push_back(a[i]);
    sb.push_back(b[i]);
  }
  shape = std::move(s);
  a = std::move(sa);
  b = std::move(sb);
}

template <class Word>
void copy_words(const Shape& shape, const Word* src, const Strides& ss, Word* dst, const Strides& ds) {
  const std::int64_t rows = row_count(shape), row_length = shape.empty() ? 1 : shape.back();
  parallel_for(0, rows, std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(row_length, 1)),
               [&](std::int64_t first, std::int64_t last) {
                 for_each_row_range(shape, ss, ds, first, last,
                                    [&](std::int64_t, std::int64_t i, std::int64_t si, std::int64_t o, std::int64_t so,
                                        std::int64_t n) {
                                      if (si == 1 && so == 1) {
                                        std::memcpy(dst + o, src + i, static_cast<std::size_t>(n) * sizeof(Word));
                                        return;
                                      }
                                      for (std::int64_t k = 0; k < n; ++k) dst[o + k * so] = src[i + k * si];
                                    });
               });
}

}  // namespace

void copy_strided(std::size_t element_size, const Shape& shape_in, const void* src, const Strides& src_strides, void* dst,
                  const Strides& dst_strides) {
  if (shape_numel(shape_in) == 0) return;
  Shape shape = shape_in;
  Strides ss = src_strides, ds = dst_strides;
  coalesce(shape, ss, ds);
  switch (element_size) {
    case 1: return copy_words(shape, static_cast<const std::uint8_t*>(src), ss, static_cast<std::uint8_t*>(dst), ds);
    case 2: return copy_words(shape, static_cast<const std::uint16_t*>(src), ss, static_cast<std::uint16_t*>(dst), ds);
    case 4: return copy_words(shape, static_cast<const std::uint32_t*>(src), ss, static_cast<std::uint32_t*>(dst), ds);
    default: return copy_words(shape, static_cast<const std::uint64_t*>(src), ss, static_cast<std::uint64_t*>(dst), ds);
  }
}

}  // namespace xgrad::detail
