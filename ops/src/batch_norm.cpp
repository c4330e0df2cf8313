// The normalization family: training-mode batch norm as one op. The forward reads x twice (its
// statistics in double: one pass of shifted sums for float32, two for float64; then y = x·a + b) and
// writes y once; the composition it replaces made about nine passes, and its backward about twelve.
// Threads take blocks of channels and walk each block sample by sample, in address order.
//
// With x̂ = (x − μ)·rstd over each channel's M = N·H·W values and ĝ = g·w:
//   dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   dw = Σ g·x̂,   db = Σ g
// Plain backward evaluates this in a fused two-pass kernel. Under create_graph the same formula is
// written in differentiable ops with μ and rstd recomputed from x, so its graph gives second
// derivatives (torch likewise pairs a fused backward kernel with a composite double backward).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.hpp"
#include "moments.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/fused_batch_norm.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

struct BatchNormSaved {
  SavedTensor input, weight;  // x; w (undefined: 1)
  Tensor mean, rstd;          // [C] raw batch statistics of the forward
  double eps = 0;
};

// x's layout as [N, C, M] with M the values per sample and channel.
struct ChannelLayout {
  std::int64_t batch = 0, channels = 0, inner = 0;
  explicit ChannelLayout(const Tensor& x)
      : batch(x.size(0)), channels(x.size(1)), inner(x.numel() / std::max<std::int64_t>(x.size(0) * x.size(1), 1)) {}
  std::int64_t count() const { return batch * inner; }
};

// f(c, offset of sample n's run of `inner` values of channel c) for the channels [first, last),
// sample by sample: the block's memory in address order. (Channel by channel, each run starts a whole
// sample away from the last, and each start waited for memory: batch norm took 1.5x as long.)
template <class F>
void for_block_runs(const ChannelLayout& l, std::int64_t first, std::int64_t last, F f) {
  for (std::int64_t n = 0; n < l.batch; ++n)
    for (std::int64_t c = first; c < last; ++c) f(c, (n * l.channels + c) * l.inner);
}

// Each channel's mean and (biased) variance for the channels [first, last), indexed from first.
// float32: one pass of sums shifted by the channel's first value; float64: two passes (exact where
// one pass would cancel). The order of each channel's sums is fixed, whatever the blocks.
template <class T>
void block_statistics(const ChannelLayout& l, const T* x, std::int64_t first, std::int64_t last, double* mean,
                      double* var) {
  const double count = static_cast<double>(l.count());
  const std::size_t block = static_cast<std::size_t>(last - first);
  if constexpr (std::is_same_v<T, float>) {
    std::vector<double> shift(block), sum(block), sum_sq(block);
    for (std::int64_t c = first; c < last; ++c) shift[c - first] = l.count() > 0 ? x[c * l.inner] : 0.0;
    for_block_runs(l, first, last, [&](std::int64_t c, std::int64_t at) {
      const auto [run_sum, run_sum_sq] = kernels::sums_shifted(x + at, l.inner, shift[c - first]);
      sum[c - first] += run_sum;
      sum_sq[c - first] += run_sum_sq;
    });
    for (std::size_t i = 0; i < block; ++i) {
      const double d = sum[i] / count, v = sum_sq[i] / count - d * d;
      mean[i] = shift[i] + d;
      var[i] = v < 0 ? 0.0 : v;  // rounding only (NaN stays NaN)
    }
  } else {
    for (std::int64_t c = first; c < last; ++c) {
      const kernels::Moments m = kernels::moments<T>(
          [&](auto run) {
            for (std::int64_t n = 0; n < l.batch; ++n) run(x + (n * l.channels + c) * l.inner, l.inner);
          },
          l.count());
      mean[c - first] = m.mean;
      var[c - first] = m.m2 / count;
    }
  }
}

Shape per_channel_shape(const Tensor& x) {
  Shape shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = x.size(1);
  return shape;
}

Dims reduced_dims(const Tensor& x) {
  Dims dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

// The formula of the header in differentiable ops (create_graph).
Grads batch_norm_grads_composite(const Tensor& g, const BatchNormSaved& s, const Node& node) {
  const Tensor x = s.input.get();
  const Dims dims = reduced_dims(x);
  const Shape cshape = per_channel_shape(x);
  const Tensor centered = x - mean(x, dims, true);
  const Tensor rstd = rsqrt(mean(centered * centered, dims, true) + s.eps);
  const Tensor xhat = centered * rstd;
  const Tensor gw = s.weight.defined() ? g * reshape(s.weight.get(), cshape) : g;
  Grads grads(node.edges.size());
  if (node.needs_input_grad(0))
    grads[0] = rstd * (gw - mean(gw, dims, true) - xhat * mean(gw * xhat, dims, true));
  if (node.needs_input_grad(1)) grads[1] = reshape(sum(g * xhat, dims), {x.size(1)});
  if (node.needs_input_grad(2)) grads[2] = reshape(sum(g, dims), {x.size(1)});
  return grads;
}

// The same in two passes per channel: Σg and Σg·(x − μ) together, then dx.
Grads batch_norm_grads_fused(const Tensor& g_in, const BatchNormSaved& s, const Node& node) {
  const Tensor x = dense(s.input.get()), g = dense(g_in);
  const ChannelLayout l(x);
  const Tensor w = s.weight.defined() ? kernels::cast_raw(s.weight.get(), x.dtype()) : Tensor();
  Tensor dx = node.needs_input_grad(0) ? make_tensor(x.shape(), x.dtype()) : Tensor();
  Tensor dw = make_tensor({l.channels}, x.dtype()), db = make_tensor({l.channels}, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T *xp = contiguous_data<T>(x), *gp = contiguous_data<T>(g);
      const T *mp = contiguous_data<T>(s.mean), *rp = contiguous_data<T>(s.rstd);
      const T* wp = w.defined() ? contiguous_data<T>(w) : nullptr;
      T* dxp = dx.defined() ? contiguous_data<T>(dx) : nullptr;
      T *dwp = contiguous_data<T>(dw), *dbp = contiguous_data<T>(db);
      parallel_for(0, l.channels, 1, [&](std::int64_t first, std::int64_t last) {
        const std::size_t block = static_cast<std::size_t>(last - first);
        std::vector<double> sum_g(block), sum_gc(block);  // Σg, Σg·(x − μ)
        for_block_runs(l, first, last, [&](std::int64_t c, std::int64_t at) {
          const auto [run_g, run_gc] = kernels::sums_g_and_g_centered(gp + at, xp + at, l.inner, static_cast<double>(mp[c]));
          sum_g[c - first] += run_g;
          sum_gc[c - first] += run_gc;
        });
        // dx = w·rstd·(g − Σg/M − (x − μ)·rstd²·Σg(x − μ)/M) = a·g + b·x + c0, in T as torch: double
        // here would halve the vector width of the one pass that writes
        std::vector<T> a(block), b(block), c0(block);
        const double m = static_cast<double>(l.count());
        for (std::int64_t c = first; c < last; ++c) {
          const std::size_t i = static_cast<std::size_t>(c - first);
          const double mu = mp[c], rstd = rp[c], wc = wp ? static_cast<double>(wp[c]) : 1.0;
          dbp[c] = static_cast<T>(sum_g[i]);
          dwp[c] = static_cast<T>(sum_gc[i] * rstd);
          const double ac = wc * rstd, bc = -wc * rstd * rstd * rstd * sum_gc[i] / m;
          a[i] = static_cast<T>(ac), b[i] = static_cast<T>(bc), c0[i] = static_cast<T>(-ac * sum_g[i] / m - bc * mu);
        }
        if (!dxp) return;
        for_block_runs(l, first, last, [&](std::int64_t c, std::int64_t at) {
          const std::size_t i = static_cast<std::size_t>(c - first);
          const T ta = a[i], tb = b[i], tc = c0[i];
          for (std::int64_t k = 0; k < l.inner; ++k) dxp[at + k] = ta * gp[at + k] + tb * xp[at + k] + tc;
        });
      });
    }
  });
  return Grads{dx, node.needs_input_grad(1) ? dw : Tensor(), node.needs_input_grad(2) ? db : Tensor()};
}

struct BatchNormRule {
  const char* node;
  Grads vjp(const Tensor& g, const BatchNormSaved& s, const Node& n) const {
    return GradModeFast::enabled() ? batch_norm_grads_composite(g, s, n) : batch_norm_grads_fused(g, s, n);
  }
};

// clang-format off
constexpr BatchNormRule kNormalizationRules[] = {
  // node                          gradient: the header's formula (x, weight, bias)
  {"NativeBatchNormBackward0"},
};
// clang-format on
static_assert(node_names_unique(kNormalizationRules));

}  // namespace

void append_normalization_rule_names(std::vector<std::string>& names) { append_rule_names(kNormalizationRules, names); }

fused::BatchNormTrainResult fused::batch_norm_train(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                                    double eps) {
  const Tensor x = dense(x_in);
  const ChannelLayout l(x);
  BatchNormTrainResult r{make_tensor(x.shape(), x.dtype()), make_tensor({l.channels}, x.dtype()),
                         make_tensor({l.channels}, x.dtype())};
  Tensor rstd = make_tensor({l.channels}, x.dtype());
  // the per-channel vectors in x's dtype (their gradients go back in their own, by the engine)
  const Tensor w = weight.defined() ? kernels::cast_raw(weight, x.dtype()) : Tensor();
  const Tensor b = bias.defined() ? kernels::cast_raw(bias, x.dtype()) : Tensor();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* xp = contiguous_data<T>(x);
      T *yp = contiguous_data<T>(r.output), *mp = contiguous_data<T>(r.mean), *vp = contiguous_data<T>(r.var);
      T* rp = contiguous_data<T>(rstd);
      const T* wp = w.defined() ? contiguous_data<T>(w) : nullptr;
      const T* bp = b.defined() ? contiguous_data<T>(b) : nullptr;
      parallel_for(0, l.channels, 1, [&](std::int64_t first, std::int64_t last) {
        const std::size_t block = static_cast<std::size_t>(last - first);
        std::vector<double> mean(block), var(block);
        block_statistics(l, xp, first, last, mean.data(), var.data());
        std::vector<T> scale(block), shift(block);  // y = x·scale + shift, in T as dx in the backward
        for (std::int64_t c = first; c < last; ++c) {
          const std::size_t i = static_cast<std::size_t>(c - first);
          const double inv = 1.0 / std::sqrt(var[i] + eps);
          const double sc = inv * (wp ? static_cast<double>(wp[c]) : 1.0);
          scale[i] = static_cast<T>(sc);
          shift[i] = static_cast<T>((bp ? static_cast<double>(bp[c]) : 0.0) - mean[i] * sc);
          mp[c] = static_cast<T>(mean[i]);
          vp[c] = static_cast<T>(var[i]);
          rp[c] = static_cast<T>(inv);
        }
        for_block_runs(l, first, last, [&](std::int64_t c, std::int64_t at) {
          const T scale_c = scale[c - first], shift_c = shift[c - first];
          for (std::int64_t k = 0; k < l.inner; ++k) yp[at + k] = xp[at + k] * scale_c + shift_c;
        });
      });
    }
  });
  if (should_record({&x_in, &weight, &bias}))
    record(rule_for(kNormalizationRules, "NativeBatchNormBackward0"), r.output, {&x_in, &weight, &bias},
           BatchNormSaved{SavedTensor(x_in), weight.defined() ? SavedTensor(weight) : SavedTensor(), r.mean, rstd, eps});
  return r;
}

}  // namespace xgrad
