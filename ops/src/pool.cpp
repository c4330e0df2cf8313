// Pooling. max_pool2d is an op of its own, as torch's: x's values at the argmax indices (the index
// search is the kernel here; 2x2 / stride 2 in max_pool_2x2.cpp), whose backward adds the gradient at
// the indices and whose double backward gathers it again (rules in index_rules.hpp). The averages
// are compositions of differentiable ops, so every order of derivative comes from theirs:
//   avg_pool2d          = depthwise conv2d with a ones kernel, times constant 1/divisor per window
//   adaptive_avg_pool2d = P_h · x · P_wᵀ with constant averaging matrices
#include "xgrad/pool.hpp"

#include "index_rules.hpp"
#include "max_pool_2x2.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/pad.hpp"
#include "xgrad/parallel.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

std::string pair_str(IntPair p) { return fmt::format("({}, {})", p[0], p[1]); }

// A CHW input is pooled as a batch of one, as torch.
Tensor as_batch(const char* op, const Tensor& x) {
  if (x.dim() == 4) return x;
  if (x.dim() == 3) return unsqueeze(x, 0);
  throw Error(fmt::format("{}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got shape {}", op, shape_str(x.shape())));
}
Tensor restore(const Tensor& out, const Tensor& x) { return x.dim() == 3 ? squeeze(out, 0) : out; }

void check_floating(const char* op, const Tensor& x) {
  if (x.dtype() != kFloat32 && x.dtype() != kFloat64)
    throw Error(fmt::format("{}: input must be float32 or float64, got {} of shape {}", op, dtype_name(x.dtype()),
                            shape_str(x.shape())));
}

struct Window {
  IntPair kernel, stride, padding, dilation;
  std::int64_t oh, ow;
};

// Windows along one axis, as torch: floor((in + 2·pad − span) / stride) + 1, or with ceil_mode
// rounded up, less a last window that would start past the input and its left padding.
std::int64_t windows(std::int64_t in, std::int64_t span, std::int64_t stride, std::int64_t pad, bool ceil_mode) {
  const std::int64_t room = in + 2 * pad - span + (ceil_mode ? stride - 1 : 0);
  if (room < 0) return 0;
  std::int64_t out = room / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Checks the options as torch does and gives the output size.
Window window(const char* op, const Tensor& x, IntPair kernel, IntPair stride, IntPair padding, IntPair dilation,
              bool ceil_mode) {
  if (stride[0] == 0 && stride[1] == 0) stride = kernel;
  for (int d = 0; d < 2; ++d) {
    if (kernel[d] < 1 || stride[d] < 1 || dilation[d] < 1)
      throw Error(fmt::format("{}: kernel {}, stride {} and dilation {} must be positive", op, pair_str(kernel),
                              pair_str(stride), pair_str(dilation)));
    if (padding[d] < 0 || padding[d] > kernel[d] / 2)
      throw Error(fmt::format("{}: padding {} must be non-negative and at most half the kernel {}", op,
                              pair_str(padding), pair_str(kernel)));
  }
  const std::int64_t span_h = dilation[0] * (kernel[0] - 1) + 1, span_w = dilation[1] * (kernel[1] - 1) + 1;
  Window w{kernel, stride, padding, dilation, windows(x.size(-2), span_h, stride[0], padding[0], ceil_mode),
           windows(x.size(-1), span_w, stride[1], padding[1], ceil_mode)};
  if (w.oh < 1 || w.ow < 1)
    throw Error(fmt::format("{}: kernel {} (dilation {}) is larger than the padded input of shape {} (padding {}{})",
                            op, pair_str(kernel), pair_str(dilation), shape_str(x.shape()), pair_str(padding),
                            ceil_mode ? ", ceil_mode" : ""));
  return w;
}

// The kernel taps k in [lo, hi) of one window whose input position k·dilation − pad + start lies in
// [0, in): found once per window, so the search loop has no bounds checks.
struct Taps {
  std::int64_t lo, hi;
};
Taps inside(std::int64_t in, std::int64_t kernel, std::int64_t dilation, std::int64_t pad, std::int64_t start) {
  const std::int64_t first = pad - start, last = in - 1 + pad - start;
  const std::int64_t lo = first <= 0 ? 0 : (first + dilation - 1) / dilation;
  const std::int64_t hi = last < 0 ? 0 : std::min(kernel, last / dilation + 1);
  return {std::min(lo, kernel), std::max(std::min(lo, kernel), hi)};
}

// Each output row's (column's) taps: the same for every plane, so found once (the divisions would
// otherwise dominate small windows). A dilated window can fall wholly on padding; torch returns −inf
// there, we refuse it.
struct TapTable {
  std::vector<Taps> rows, cols;
};
TapTable tap_table(const char* op, const Tensor& x, const Window& win) {
  TapTable t{std::vector<Taps>(static_cast<std::size_t>(win.oh)), std::vector<Taps>(static_cast<std::size_t>(win.ow))};
  for (std::int64_t oy = 0; oy < win.oh; ++oy)
    t.rows[oy] = inside(x.size(-2), win.kernel[0], win.dilation[0], win.padding[0], oy * win.stride[0]);
  for (std::int64_t ox = 0; ox < win.ow; ++ox)
    t.cols[ox] = inside(x.size(-1), win.kernel[1], win.dilation[1], win.padding[1], ox * win.stride[1]);
  const auto empty = [](const Taps& taps) { return taps.lo >= taps.hi; };
  if (std::any_of(t.rows.begin(), t.rows.end(), empty) || std::any_of(t.cols.begin(), t.cols.end(), empty))
    throw Error(fmt::format("{}: with kernel {}, dilation {} and padding {} a window of input shape {} covers only "
                            "padding",
                            op, pair_str(win.kernel), pair_str(win.dilation), pair_str(win.padding),
                            shape_str(x.shape())));
  return t;
}

// One window's search: its taps in row-major order; a tap wins if greater than the best so far or
// NaN (so the last NaN wins, as torch's kernel).
template <class T>
std::int64_t argmax_window(const T* plane, std::int64_t w, const Window& win, Taps rows, Taps cols, std::int64_t y0,
                           std::int64_t x0) {
  std::int64_t best_at = (y0 + rows.lo * win.dilation[0]) * w + x0 + cols.lo * win.dilation[1];
  T best = plane[best_at];
  for (std::int64_t i = rows.lo; i < rows.hi; ++i)
    for (std::int64_t j = cols.lo; j < cols.hi; ++j) {
      const std::int64_t at = (y0 + i * win.dilation[0]) * w + x0 + j * win.dilation[1];
      const T v = plane[at];
      const bool take = (v > best) | (v != v);
      best = take ? v : best;
      best_at = take ? at : best_at;
    }
  return best_at;
}

// The flat H·W index of each window's maximum. Columns whose windows lie wholly inside the input
// (all of them without padding or ceil_mode) are searched tap by tap across the whole output row:
// the same comparisons in the same order per window, but as a loop over independent windows the
// compiler turns into selects (and vectors). Searched one window at a time, the comparison (a coin
// flip on real data) compiled to a branch and its mispredictions cost 4x the whole search.
template <class T>
void argmax_windows(const T* x, std::int64_t planes, std::int64_t h, std::int64_t w, const Window& win,
                    const TapTable& taps, std::int64_t* out) {
  const std::int64_t spatial = win.oh * win.ow;
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(1, spatial * win.kernel[0] * win.kernel[1]));
  const std::vector<Taps>&row_taps = taps.rows, &col_taps = taps.cols;
  std::int64_t full_lo = 0, full_hi = 0;  // [full_lo, full_hi): the columns with every tap inside
  {
    const auto full = [&](std::int64_t ox) { return col_taps[ox].lo == 0 && col_taps[ox].hi == win.kernel[1]; };
    while (full_lo < win.ow && !full(full_lo)) ++full_lo;
    full_hi = full_lo;
    while (full_hi < win.ow && full(full_hi)) ++full_hi;
  }
  const std::int64_t sx = win.stride[1], dy = win.dilation[0], dx = win.dilation[1], px = win.padding[1],
                     kw = win.kernel[1];
  // Captured by value: read through captured references, each store to the output could change
  // them, so the loops would reload them and nothing would vectorize.
  parallel_for(0, planes, grain, [=, &win, &row_taps, &col_taps](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* plane = x + p * h * w;
      std::int64_t* dst = out + p * spatial;
      for (std::int64_t oy = 0; oy < win.oh; ++oy) {
        const Taps rows = row_taps[oy];
        const std::int64_t y0 = oy * win.stride[0] - win.padding[0];
        std::int64_t* row_out = dst + oy * win.ow;
        for (std::int64_t ox = 0; ox < win.ow; ++ox) {
          if (ox == full_lo) ox = full_hi;  // the full columns are done below
          if (ox >= win.ow) break;
          row_out[ox] = argmax_window(plane, w, win, rows, col_taps[ox], y0, ox * sx - px);
        }
        // Tap-major over the full columns: the first tap seeds every window, each further tap is
        // compared across all of them against the value at the window's best index so far. The
        // select is a mask, not `take ? at : old`, which the compiler turns back into a branch.
        std::int64_t* __restrict row_at = row_out;
        const T* __restrict in = plane;
        const std::int64_t seed = (y0 + rows.lo * dy) * w - px;
        for (std::int64_t ox = full_lo; ox < full_hi; ++ox) row_at[ox] = seed + ox * sx;
        for (std::int64_t i = rows.lo; i < rows.hi; ++i)
          for (std::int64_t j = 0; j < kw; ++j) {
            const std::int64_t base = (y0 + i * dy) * w + j * dx - px;
            for (std::int64_t ox = full_lo; ox < full_hi; ++ox) {
              const std::int64_t at = base + ox * sx, old_at = row_at[ox];
              const T v = in[at];
              const std::int64_t take = (v > in[old_at]) | (v != v);
              row_at[ox] = old_at ^ ((at ^ old_at) & -take);
            }
          }
      }
    }
  });
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x_in, IntPair kernel, IntPair stride, IntPair padding,
                                                   IntPair dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  const Tensor x = as_batch(op, x_in);
  check_floating(op, x);
  const Window win = window(op, x, kernel, stride, padding, dilation, ceil_mode);
  const TapTable taps = tap_table(op, x, win);
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  Tensor indices = make_tensor({n, c, win.oh, win.ow}, kInt64, op);
  const Tensor xd = x.detach().contiguous();
  Tensor values;
  const bool two_by_two = kernel == IntPair{2, 2} && win.stride == IntPair{2, 2} && padding == IntPair{0, 0} &&
                          dilation == IntPair{1, 1} && win.oh == h / 2 && win.ow == w / 2;
  if (x.dtype() == kFloat32 && two_by_two && pool_kernels::has_max_pool_2x2() && h * w < (std::int64_t{1} << 31)) {
    values = make_tensor({n, c, win.oh, win.ow}, kFloat32, op);
    pool_kernels::max_pool_2x2(contiguous_data<float>(xd), n * c, h, w, contiguous_data<float>(values),
                               contiguous_data<std::int64_t>(indices));
  } else {
    if (x.dtype() == kFloat64)
      argmax_windows(contiguous_data<double>(xd), n * c, h, w, win, taps, contiguous_data<std::int64_t>(indices));
    else
      argmax_windows(contiguous_data<float>(xd), n * c, h, w, win, taps, contiguous_data<std::int64_t>(indices));
    values = reshape(gather(reshape(xd, {n, c, h * w}), 2, reshape(indices, {n, c, win.oh * win.ow})),
                     {n, c, win.oh, win.ow});
  }
  if (should_record({&x}))
    record(rule_for(kIndexRules, "MaxPool2DWithIndicesBackward0"), values, {&x},
           IndexSaved{.in_shape = x.shape(), .dim = 2, .index = reshape(indices, {n, c, win.oh * win.ow})});
  return {restore(values, x_in), restore(indices, x_in)};
}

Tensor index_kernels::max_pool2d_backward(const Tensor& grad_out, const Shape& in_shape, const Tensor& index) {
  const std::int64_t planes = in_shape[0] * in_shape[1], plane = in_shape[2] * in_shape[3], pooled = index.size(2);
  Tensor grad_in = make_tensor(in_shape, grad_out.dtype(), "max_pool2d backward");
  const Tensor g = dense(grad_out);
  const std::int64_t* at = contiguous_data<std::int64_t>(index);
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(1, plane));
  dispatch(grad_out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {  // max_pool2d takes float32 and float64 only
      const T* src = contiguous_data<T>(g);
      T* dst = contiguous_data<T>(grad_in);
      // A plane at a time: zeroed, then added into while it is in cache. The indices are
      // max_pool2d's own, inside their plane.
      parallel_for(0, planes, grain, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t p = first; p < last; ++p) {
          T* out = dst + p * plane;
          std::fill_n(out, plane, T(0));
          for (std::int64_t j = 0; j < pooled; ++j) out[at[p * pooled + j]] += src[p * pooled + j];
        }
      });
    }
  });
  if (should_record({&grad_out}))
    record(rule_for(kIndexRules, "MaxPool2DWithIndicesBackwardBackward0"), grad_in, {&grad_out},
           IndexSaved{.in_shape = in_shape, .out_shape = grad_out.shape(), .index = index});
  return grad_in;
}

Tensor max_pool2d(const Tensor& x, IntPair kernel, IntPair stride, IntPair padding, IntPair dilation, bool ceil_mode) {
  return std::get<0>(max_pool2d_with_indices(x, kernel, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& x_in, IntPair kernel, IntPair stride, IntPair padding, bool ceil_mode,
                  bool count_include_pad, std::int64_t divisor_override) {
  const char* op = "avg_pool2d";
  const Tensor x = as_batch(op, x_in);
  check_floating(op, x);
  if (divisor_override < 0)
    throw Error(fmt::format("avg_pool2d: divisor_override must be positive, got {} (input shape {})", divisor_override,
                            shape_str(x.shape())));
  const Window win = window(op, x, kernel, stride, padding, {1, 1}, ceil_mode);
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  // A ceil_mode window may reach past the padding: zeros there (beyond what conv2d pads) make every
  // window's sum a plain convolution of the padded image.
  const std::int64_t extra_h = std::max<std::int64_t>(0, (win.oh - 1) * win.stride[0] + kernel[0] - h - 2 * padding[0]);
  const std::int64_t extra_w = std::max<std::int64_t>(0, (win.ow - 1) * win.stride[1] + kernel[1] - w - 2 * padding[1]);
  Tensor planes = reshape(x, {n * c, 1, h, w});  // every plane pooled as its own one-channel image
  if (extra_h > 0 || extra_w > 0) planes = pad(planes, {0, extra_w, 0, extra_h});
  const Tensor sums = conv2d(planes, ones({1, 1, kernel[0], kernel[1]}, x.dtype()), Tensor(), win.stride,
                             Padding2d(padding));

  // The divisor of each window, as torch: the window clipped to the padded input, or to the input
  // itself without count_include_pad.
  std::vector<double> divisors(static_cast<std::size_t>(win.oh * win.ow));
  for (std::int64_t oy = 0; oy < win.oh; ++oy)
    for (std::int64_t ox = 0; ox < win.ow; ++ox) {
      std::int64_t y0 = oy * win.stride[0] - padding[0], x0 = ox * win.stride[1] - padding[1];
      std::int64_t y1 = std::min(y0 + kernel[0], h + padding[0]), x1 = std::min(x0 + kernel[1], w + padding[1]);
      if (!count_include_pad) {
        y0 = std::max<std::int64_t>(y0, 0), x0 = std::max<std::int64_t>(x0, 0);
        y1 = std::min(y1, h), x1 = std::min(x1, w);
      }
      divisors[oy * win.ow + ox] =
          divisor_override > 0 ? static_cast<double>(divisor_override) : static_cast<double>((y1 - y0) * (x1 - x0));
    }
  Tensor out;
  if (std::all_of(divisors.begin(), divisors.end(), [&](double d) { return d == divisors[0]; }))
    out = sums * (1.0 / divisors[0]);  // one scalar: the common case, and cheaper than a division
  else
    out = sums / tensor(divisors, {win.oh, win.ow}, x.dtype());
  return restore(reshape(out, {n, c, win.oh, win.ow}), x_in);
}

Tensor adaptive_avg_pool2d(const Tensor& x_in, IntPair output_size) {
  const char* op = "adaptive_avg_pool2d";
  const Tensor x = as_batch(op, x_in);
  check_floating(op, x);
  if (output_size[0] < 1 || output_size[1] < 1)
    throw Error(fmt::format("{}: output_size {} must be positive, for input of shape {}", op, pair_str(output_size),
                            shape_str(x.shape())));
  if (x.size(2) < 1 || x.size(3) < 1)
    throw Error(fmt::format("{}: input of shape {} has an empty plane", op, shape_str(x.shape())));
  // Row i of the matrix averages window i of an axis of `in` elements cut into `out` windows.
  auto averaging = [&](std::int64_t in, std::int64_t out) {
    std::vector<double> m(static_cast<std::size_t>(out * in), 0.0);
    for (std::int64_t i = 0; i < out; ++i) {
      const std::int64_t start = (i * in) / out, end = ((i + 1) * in + out - 1) / out;
      for (std::int64_t k = start; k < end; ++k) m[i * in + k] = 1.0 / static_cast<double>(end - start);
    }
    return tensor(m, {out, in}, x.dtype());
  };
  const Tensor rows = averaging(x.size(2), output_size[0]), cols = averaging(x.size(3), output_size[1]);
  return restore(matmul(matmul(rows, x), transpose(cols, 0, 1)), x_in);
}

}  // namespace xgrad
