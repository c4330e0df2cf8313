// Convolution kernels as im2col + one batched gemm per call (see conv_ops.hpp for the algebra).
//
// Layouts. The image patches of the whole batch live in one "col" matrix per group,
//   col [groups][K = c_per_group·kh·kw][P = n·oh·ow],
// and activations enter the products channel-major, [channels][n·oh·ow], so each of the three
// products is a single gemm per group over the whole batch (long k for the weight gradient, which
// is what keeps it deterministic: gemm never splits its k). float32 goes to oneDNN's convolution
// primitives first (conv_dnnl.cpp, faster at every benchmarked shape); this path serves float64
// (gradcheck) and the geometries oneDNN has no primitive for.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "conv_ops.hpp"
#include "gemm.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/parallel.hpp"

namespace xgrad::conv_detail::raw {

namespace {

std::int64_t patch_rows(const ConvGeometry& g) { return g.c_per_group() * g.kh * g.kw; }
std::int64_t columns(const ConvGeometry& g) { return g.n * g.oh * g.ow; }

// Items of `work` elements each, split so that one chunk holds about an elementwise grain.
std::int64_t grain_for(std::int64_t work) { return std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(work, 1)); }

// The output positions o in [lo, hi) whose input position o·stride − pad + offset lies inside
// [0, in): computed once per kernel row/column, so the inner loops run without bounds checks.
struct Span {
  std::int64_t lo, hi;
};
Span inside(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t pad, std::int64_t offset) {
  const std::int64_t first = pad - offset, last = in - 1 + pad - offset;  // o·stride must be in [first, last]
  const std::int64_t lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  const std::int64_t hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {std::min(lo, out), std::max(std::min(lo, out), hi)};
}

// Gathers every (n, channel) plane's patches into col; each plane writes its own rows and columns.
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col) {
  const std::int64_t K = patch_rows(g), P = columns(g), spatial = g.oh * g.ow;
  parallel_for(0, g.n * g.c, grain_for(g.kh * g.kw * spatial), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t img = item / g.c, ch = item % g.c;
      const std::int64_t group = ch / g.c_per_group(), local = ch % g.c_per_group();
      const T* plane = x + item * g.h * g.w;
      for (std::int64_t i = 0; i < g.kh; ++i) {
        const Span rows = inside(g.h, g.oh, g.stride_h, g.pad_top, i * g.dilation_h);
        for (std::int64_t j = 0; j < g.kw; ++j) {
          const Span cols = inside(g.w, g.ow, g.stride_w, g.pad_left, j * g.dilation_w);
          const std::int64_t row = group * K + (local * g.kh + i) * g.kw + j;
          T* dst = col + row * P + img * spatial;
          std::fill(dst, dst + rows.lo * g.ow, T(0));
          std::fill(dst + rows.hi * g.ow, dst + spatial, T(0));
          for (std::int64_t oy = rows.lo; oy < rows.hi; ++oy) {
            // plane[base + ox·stride] is the input of output ox (base may be negative; ox >= lo keeps it inside).
            const std::int64_t base = (oy * g.stride_h - g.pad_top + i * g.dilation_h) * g.w - g.pad_left + j * g.dilation_w;
            T* out = dst + oy * g.ow;
            std::fill(out, out + cols.lo, T(0));
            std::fill(out + cols.hi, out + g.ow, T(0));
            if (g.stride_w == 1) {
              std::copy(plane + base + cols.lo, plane + base + cols.hi, out + cols.lo);
            } else {
              for (std::int64_t ox = cols.lo; ox < cols.hi; ++ox) out[ox] = plane[base + ox * g.stride_w];
            }
          }
        }
      }
    }
  });
}

// The adjoint of im2col: sums patches back into planes, in a fixed (kernel row, column, output
// position) order per plane, so the result does not depend on the thread count.
template <class T>
void col2im(const T* col, const ConvGeometry& g, T* x) {
  const std::int64_t K = patch_rows(g), P = columns(g), spatial = g.oh * g.ow;
  parallel_for(0, g.n * g.c, grain_for(g.kh * g.kw * spatial), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t img = item / g.c, ch = item % g.c;
      const std::int64_t group = ch / g.c_per_group(), local = ch % g.c_per_group();
      T* plane = x + item * g.h * g.w;
      std::fill(plane, plane + g.h * g.w, T(0));
      for (std::int64_t i = 0; i < g.kh; ++i) {
        const Span rows = inside(g.h, g.oh, g.stride_h, g.pad_top, i * g.dilation_h);
        for (std::int64_t j = 0; j < g.kw; ++j) {
          const Span cols = inside(g.w, g.ow, g.stride_w, g.pad_left, j * g.dilation_w);
          const std::int64_t row = group * K + (local * g.kh + i) * g.kw + j;
          const T* src = col + row * P + img * spatial;
          for (std::int64_t oy = rows.lo; oy < rows.hi; ++oy) {
            const std::int64_t base = (oy * g.stride_h - g.pad_top + i * g.dilation_h) * g.w - g.pad_left + j * g.dilation_w;
            const T* in = src + oy * g.ow;
            for (std::int64_t ox = cols.lo; ox < cols.hi; ++ox) plane[base + ox * g.stride_w] += in[ox];
          }
        }
      }
    }
  });
}

// [n][channels][spatial] <-> [channels][n·spatial].
template <class T>
void to_channel_major(const T* in, std::int64_t n, std::int64_t channels, std::int64_t spatial, T* out) {
  parallel_for(0, n * channels, grain_for(spatial), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t img = item / channels, ch = item % channels;
      std::memcpy(out + (ch * n + img) * spatial, in + item * spatial, sizeof(T) * spatial);
    }
  });
}
template <class T>
void from_channel_major(const T* in, std::int64_t n, std::int64_t channels, std::int64_t spatial, const T* bias,
                        T* out) {
  parallel_for(0, n * channels, grain_for(spatial), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t img = item / channels, ch = item % channels;
      const T* src = in + (ch * n + img) * spatial;
      T* dst = out + item * spatial;
      if (bias) {
        for (std::int64_t s = 0; s < spatial; ++s) dst[s] = src[s] + bias[ch];
      } else {
        std::memcpy(dst, src, sizeof(T) * spatial);
      }
    }
  });
}

// The col matrix of one call. Above the allocator's cache limit (16 MiB) a fresh buffer would be
// page-faulted in on every training step (conv2 of the Fashion-MNIST CNN needs 29 MB, three times
// per step), so each thread keeps one scratch block and reuses it; blocks above 64 MiB are not
// kept, so a one-off large convolution does not pin its memory.
class ColBuffer {
 public:
  template <class T>
  T* get(std::int64_t count, Dtype dtype) {
    const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(T);
    if (bytes > kKeepUpTo) {
      fallback_ = make_tensor({count}, dtype, "conv2d");
      return contiguous_data<T>(fallback_);
    }
    Scratch& s = scratch();
    if (bytes > s.size) {
      std::free(s.data);
      s.size = (bytes + 63) / 64 * 64;
      s.data = std::aligned_alloc(64, s.size);
      if (!s.data) {
        s.size = 0;
        throw std::bad_alloc();
      }
    }
    return static_cast<T*>(s.data);
  }

 private:
  static constexpr std::size_t kKeepUpTo = std::size_t{64} << 20;
  struct Scratch {
    void* data = nullptr;
    std::size_t size = 0;
    ~Scratch() { std::free(data); }
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }
  Tensor fallback_;  // holds a buffer too large to keep until the call ends
};

// Runs f.template operator()<T>() for the floating dtype of t (float32 or float64).
// The upstream gradient [N, OC, OH, OW] as [OC, N·OH·OW], the layout both backward products read.
template <class T>
Tensor grad_channel_major(const Tensor& grad_out, const ConvGeometry& g) {
  Tensor gcm = make_tensor({g.oc, columns(g)}, grad_out.dtype(), "conv2d backward");
  to_channel_major(contiguous_data<T>(grad_out), g.n, g.oc, g.oh * g.ow, contiguous_data<T>(gcm));
  return gcm;
}

template <class F>
Tensor by_dtype(Dtype dtype, F&& f) {
  if (dtype == kFloat64) return f(double{});
  return f(float{});
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  if (x.dtype() == kFloat32)
    if (Tensor y = dnnl_conv::conv(x, weight, bias, g); y.defined()) return y;
  return by_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t K = patch_rows(g), P = columns(g), opg = g.oc_per_group();
    ColBuffer buffer;
    T* col = buffer.get<T>(g.groups * K * P, x.dtype());
    im2col(contiguous_data<T>(x), g, col);
    Tensor ycm = make_tensor({g.oc, P}, x.dtype(), "conv2d");
    kernels::GemmArgs a;
    a.m = opg, a.n = P, a.k = K;
    a.a = contiguous_data<T>(weight), a.lda = K;
    a.b = col, a.ldb = P;
    a.c = contiguous_data<T>(ycm), a.ldc = P;
    kernels::gemm(x.dtype(), a, g.groups, opg * K, K * P, opg * P);
    Tensor y = make_tensor(g.output_shape(), x.dtype(), "conv2d");
    from_channel_major(contiguous_data<T>(ycm), g.n, g.oc, g.oh * g.ow, bias.defined() ? contiguous_data<T>(bias) : nullptr,
                       contiguous_data<T>(y));
    return y;
  });
}

Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g) {
  if (grad_out.dtype() == kFloat32)
    if (Tensor gx = dnnl_conv::conv_input_grad(grad_out, weight, g); gx.defined()) return gx;
  return by_dtype(grad_out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t K = patch_rows(g), P = columns(g), opg = g.oc_per_group();
    const Tensor gcm = grad_channel_major<T>(grad_out, g);
    ColBuffer buffer;
    T* col = buffer.get<T>(g.groups * K * P, grad_out.dtype());
    kernels::GemmArgs a;  // col_g = W_gᵀ · grad_g
    a.ta = true, a.m = K, a.n = P, a.k = opg;
    a.a = contiguous_data<T>(weight), a.lda = K;
    a.b = contiguous_data<T>(gcm), a.ldb = P;
    a.c = col, a.ldc = P;
    kernels::gemm(grad_out.dtype(), a, g.groups, opg * K, opg * P, K * P);
    Tensor gx = make_tensor(g.input_shape(), grad_out.dtype(), "conv2d backward");
    col2im(col, g, contiguous_data<T>(gx));
    return gx;
  });
}

Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g, Tensor* bias_grad) {
  if (x.dtype() == kFloat32)
    if (Tensor gw = dnnl_conv::conv_weight_grad(x, grad_out, g, bias_grad); gw.defined()) return gw;
  return by_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t K = patch_rows(g), P = columns(g), opg = g.oc_per_group();
    ColBuffer buffer;
    T* col = buffer.get<T>(g.groups * K * P, x.dtype());
    im2col(contiguous_data<T>(x), g, col);
    const Tensor gcm = grad_channel_major<T>(grad_out, g);
    Tensor gw = make_tensor(g.weight_shape(), x.dtype(), "conv2d backward");
    kernels::GemmArgs a;  // gw_g = grad_g · col_gᵀ, one product over the whole batch
    a.tb = true, a.m = opg, a.n = K, a.k = P;
    a.a = contiguous_data<T>(gcm), a.lda = P;
    a.b = col, a.ldb = P;
    a.c = contiguous_data<T>(gw), a.ldc = K;
    kernels::gemm(x.dtype(), a, g.groups, opg * P, K * P, opg * K);
    return gw;
  });
}

}  // namespace xgrad::conv_detail::raw
