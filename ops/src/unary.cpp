// Elementwise math: each forward kernel beside its backward, the backward written in xgrad's own
// differentiable ops. Where the backward uses the output y, it is the saved y; under create_graph
// it is recomputed from x so that second derivatives see y's dependence on x.
#include <cmath>

#include "kernels.hpp"
#include "math_kernels.hpp"
#include "piecewise.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"

namespace xgrad {

namespace {

using kernels::MathFn;

// y saved for backward (detached: a node never holds its own output with a grad_fn).
SavedTensor save_output(const Tensor& y) { return SavedTensor(y.detach()); }

// The output to use inside a backward: recomputed from x when building a graph, else the saved one.
template <class Recompute>
Tensor output_for_backward(const SavedTensor& y, const SavedTensor& x, Recompute recompute) {
  return GradModeFast::enabled() ? recompute(x.get()) : y.get();
}

enum class Output { Unused, Saved };

// The recorded op for a unary function whose backward needs x and, with Output::Saved, y (saving y
// costs a detached handle, so only the backwards that read it get one).
template <class Vjp>
Tensor unary_op(const char* name, MathFn fn, const Tensor& x, Output output, Vjp vjp) {
  Tensor y = kernels::math(fn, x);
  if (should_record({&x}))
    record(name, y, {&x},
           [x = SavedTensor(x), y = output == Output::Saved ? save_output(y) : SavedTensor(), vjp](const Tensor& g) {
             return Grads{vjp(g, x, y)};
           });
  return y;
}

}  // namespace

Tensor exp(const Tensor& x) {
  return unary_op("ExpBackward", MathFn::Exp, x, Output::Saved, [](const Tensor& g, const SavedTensor& x, const SavedTensor& y) {
    return g * output_for_backward(y, x, [](const Tensor& v) { return exp(v); });
  });
}

Tensor log(const Tensor& x) {
  return unary_op("LogBackward", MathFn::Log, x, Output::Unused,
                  [](const Tensor& g, const SavedTensor& x, const SavedTensor&) { return g / x.get(); });
}

Tensor log1p(const Tensor& x) {
  return unary_op("Log1pBackward", MathFn::Log1p, x, Output::Unused,
                  [](const Tensor& g, const SavedTensor& x, const SavedTensor&) { return g / (x.get() + 1.0); });
}

Tensor sqrt(const Tensor& x) {
  return unary_op("SqrtBackward", MathFn::Sqrt, x, Output::Saved, [](const Tensor& g, const SavedTensor& x, const SavedTensor& y) {
    return g / (2.0 * output_for_backward(y, x, [](const Tensor& v) { return sqrt(v); }));
  });
}

Tensor rsqrt(const Tensor& x) {
  return unary_op("RsqrtBackward", MathFn::Rsqrt, x, Output::Saved, [](const Tensor& g, const SavedTensor& x, const SavedTensor& y) {
    const Tensor r = output_for_backward(y, x, [](const Tensor& v) { return rsqrt(v); });
    return g * (-0.5) * r * r * r;
  });
}

Tensor abs(const Tensor& x) {
  if (x.dtype() == kBool)  // torch has no abs for bool either
    throw Error(fmt::format("abs: not implemented for bool tensors (shape {})", shape_str(x.shape())));
  if (x.dtype() == kInt64)  // stays int64, as torch (integers never require grad)
    return kernels::map_int64(x, [](std::int64_t v) { return v < 0 ? -v : v; });
  return unary_op("AbsBackward", MathFn::Abs, x, Output::Unused,
                  [](const Tensor& g, const SavedTensor& x, const SavedTensor&) {
                    // g·sign(x), with sign(NaN) = 0 as torch's
                    return detail::piecewise_linear_backward("AbsBackwardBackward", g, x, [](auto gv, auto v) {
                      using T = decltype(v);
                      return gv * static_cast<T>((v > T(0)) - (v < T(0)));
                    });
                  });
}

Tensor sin(const Tensor& x) {
  return unary_op("SinBackward", MathFn::Sin, x, Output::Unused,
                  [](const Tensor& g, const SavedTensor& x, const SavedTensor&) { return g * cos(x.get()); });
}

Tensor cos(const Tensor& x) {
  return unary_op("CosBackward", MathFn::Cos, x, Output::Unused,
                  [](const Tensor& g, const SavedTensor& x, const SavedTensor&) { return -(g * sin(x.get())); });
}

Tensor tanh(const Tensor& x) {
  return unary_op("TanhBackward", MathFn::Tanh, x, Output::Saved, [](const Tensor& g, const SavedTensor& x, const SavedTensor& y) {
    const Tensor t = output_for_backward(y, x, [](const Tensor& v) { return tanh(v); });
    return g * (1.0 - t * t);
  });
}

Tensor sigmoid(const Tensor& x) {
  return unary_op("SigmoidBackward", MathFn::Sigmoid, x, Output::Saved, [](const Tensor& g, const SavedTensor& x, const SavedTensor& y) {
    const Tensor s = output_for_backward(y, x, [](const Tensor& v) { return sigmoid(v); });
    return g * s * (1.0 - s);
  });
}

Tensor erf(const Tensor& x) {
  return unary_op("ErfBackward", MathFn::Erf, x, Output::Unused, [](const Tensor& g, const SavedTensor& x, const SavedTensor&) {
    const Tensor& v = x.get();
    return g * (2.0 / std::sqrt(M_PI)) * exp(-(v * v));
  });
}

Tensor sign(const Tensor& x) {
  return kernels::map_floating(x.detach(), [](auto v) { return static_cast<decltype(v)>((v > 0) - (v < 0)); })
      .to(x.dtype() == kBool ? kInt64 : x.dtype());
}

}  // namespace xgrad
