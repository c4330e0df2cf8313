// The reduce family. sum, max/min, amax and std have kernels and the rules in the table below;
// mean, var and logsumexp are compositions of differentiable ops and need no rule of their own.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.hpp"
#include "moments.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

// The reduced dimensions as a sorted, wrapped, duplicate-free mask; empty `dims` means all.
std::vector<bool> dim_mask(const char* op, const Shape& shape, const Dims& dims) {
  const auto nd = static_cast<std::int64_t>(shape.size());
  std::vector<bool> mask(shape.size(), dims.empty());
  for (auto d : dims) {
    const auto w = wrap_dim(op, d, nd);
    if (nd == 0) continue;
    if (mask[w]) throw Error(fmt::format("{}: dimension {} appears twice in the reduced dimensions", op, d));
    mask[w] = true;
  }
  return mask;
}

Shape keepdim_shape(const Shape& shape, const std::vector<bool>& mask) {
  Shape out = shape;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (mask[i]) out[i] = 1;
  return out;
}

Shape dropped_shape(const Shape& shape, const std::vector<bool>& mask) {
  Shape out;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (!mask[i]) out.push_back(shape[i]);
  return out;
}

// Sum to `kshape` (t's shape with reduced dims set to 1) without recording, then shaped to `out_shape`.
Tensor sum_raw(const Tensor& t, const Shape& kshape, const Shape& out_shape) {
  NoGradGuard no_grad;
  Tensor src = t.detach();
  if (!is_floating_point(src.dtype())) src = src.to(kInt64);  // torch sums integers and bools as int64
  Tensor out = src.shape() == kshape ? src.clone() : sum_to(src, kshape);
  return make_view(out.impl()->storage, out_shape, out.dtype());  // out is a fresh dense tensor
}

// t's values as a dense 1-d tensor without history (t itself, reshaped, when it is dense).
Tensor flat_values(const Tensor& t) {
  const Tensor d = dense(t);
  return make_strided(d, {d.numel()}, {1}, d.storage_offset());
}

std::int64_t count_reduced(const Shape& shape, const std::vector<bool>& mask) {
  std::int64_t n = 1;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (mask[i]) n *= shape[i];
  return n;
}

struct ReduceSaved {
  SavedTensor input;   // max/min over everything, amax: the elements equal to the result share g
  SavedTensor output;  // the reduced value (std reads it; the others compare against it)
  Tensor indices;      // max/min along a dim: where each result came from
  Shape in_shape;      // the input's shape
  Shape kshape;        // the input's shape with the reduced dims set to 1
  std::int64_t dim = 0;
  bool keepdim = false;
  Dims dims;           // var, std: the reduced dims
  double divisor = 0;  // var, std: n − correction
  Tensor x() const { return input.get(); }
  Tensor y() const { return output.get(); }
  // g (and a result-shaped tensor) with the reduced dim put back when it was dropped
  Tensor kept(const Tensor& t) const { return keepdim ? t : unsqueeze(t, dim); }
};

using G = const Tensor&;
using S = const ReduceSaved&;

// All of g to the element each result came from.
Grads to_indices(G g, S s) {
  if (s.in_shape.empty()) return Grads{g};
  return Grads{scatter_add(zeros(s.in_shape, g.dtype()), s.dim, s.kept(s.indices), s.kept(g))};
}
// g shared evenly among the elements equal to the result; a NaN result came from the NaN
// elements (x != x), which share it, as torch's.
Grads shared_among_all(G g, S s) {
  const Tensor y = s.y().detach();
  const bool nan = std::isnan(y.to(kFloat64).item<double>());
  const Tensor mask = (nan ? ne(s.x(), s.x()) : eq(s.x(), y)).to(g.dtype());
  return Grads{g * mask / sum(mask)};
}
Grads shared_along_dim(G g, S s) {
  if (s.in_shape.empty()) return Grads{g};
  const Tensor x = s.x(), v = s.kept(s.y().detach());
  const Tensor mask = eq(x, v).to(g.dtype()) + logical_and(ne(x, x), ne(v, v)).to(g.dtype());
  return Grads{s.kept(g) * mask / sum(mask, {s.dim}, true)};
}

// x − mean(x) over the reduced dims (differentiable in x, for second derivatives).
Tensor deviations(S s) { return s.x() - mean(s.x(), s.dims, true); }

// clang-format off
constexpr Rule<ReduceSaved> kReduceRules[] = {
  // node             dL/dx
  {"SumBackward0",    [](G g, S s) { return Grads{expand(reshape(g, s.kshape), s.in_shape)}; }},  // sum()
  {"SumBackward1",    [](G g, S s) { return Grads{expand(reshape(g, s.kshape), s.in_shape)}; }},  // sum(dims)
  {"MaxBackward0",    to_indices},        // max(dim): all to the returned index
  {"MinBackward0",    to_indices},
  {"MaxBackward1",    shared_among_all},  // max(): shared among ties
  {"MinBackward1",    shared_among_all},
  {"AmaxBackward0",   shared_along_dim},  // amax(dim): shared among ties (torch documents it)
  // 2·(x − mean)/(n − correction), not through mean's own gradient (which is 0·NaN beside an inf).
  // Where torch 1.13 is wrong this keeps the math: one element gives a NaN gradient of the input's
  // shape (torch's VarBackward fails with a shape error), and var(x, {}) reduces everything with
  // gradient 2(x − mean)/(n − 1) (torch gives ±inf).
  {"VarBackward0",    [](G g, S s) { return Grads{deviations(s) * (reshape(g, s.kshape) * (2.0 / s.divisor))}; }},
  // var's with g/(2·std), and 0 where std == 0 (a constant slice: (x − mean)/(std + eps) must not turn
  // NaN); the divisor is kept from 0 so the branch not taken stays finite under create_graph
  {"StdBackward0",    [](G g, S s) { const Tensor y = reshape(s.y(), s.kshape), zero = eq(y, 0.0);
                                     return Grads{deviations(s) * where(zero, 0.0, reshape(g, s.kshape) / (where(zero, 1.0, y) * s.divisor))}; }},
};
// clang-format on
static_assert(node_names_unique(kReduceRules));

}  // namespace

void append_reduce_rule_names(std::vector<std::string>& names) { append_rule_names(kReduceRules, names); }

Tensor sum(const Tensor& t, const Dims& dims, bool keepdim) {
  const auto mask = dim_mask("sum", t.shape(), dims);
  const Shape kshape = keepdim_shape(t.shape(), mask);
  Tensor out = sum_raw(t, kshape, keepdim ? kshape : dropped_shape(t.shape(), mask));
  if (should_record({&t}))
    record(dims.empty() ? rule_for(kReduceRules, "SumBackward0") : rule_for(kReduceRules, "SumBackward1"), out, {&t},
           ReduceSaved{.in_shape = t.shape(), .kshape = kshape});
  return out;
}
Tensor sum(const Tensor& t) { return sum(t, {}, false); }

Tensor mean(const Tensor& t, const Dims& dims, bool keepdim) {
  if (!t.is_floating_point())
    throw Error(fmt::format("mean: input must be floating point, got {} (use .to(xgrad::kFloat32))",
                            dtype_name(t.dtype())));
  const auto mask = dim_mask("mean", t.shape(), dims);
  const auto n = count_reduced(t.shape(), mask);
  return sum(t, dims, keepdim) / static_cast<double>(n);
}
Tensor mean(const Tensor& t) { return mean(t, {}, false); }

namespace {

// Values and indices of the max (or min) along `dim`; NaN wins, as in torch.
std::tuple<Tensor, Tensor> extreme_along(const char* op, const Tensor& t, std::int64_t dim, bool keepdim, bool take_max) {
  const std::int64_t d = wrap_dim(op, dim, t.dim());
  const Shape in_shape = t.dim() == 0 ? Shape{1} : t.shape();
  const kernels::AxisSplit s = kernels::split_at(in_shape, d);
  if (s.size == 0) throw Error(fmt::format("{}: cannot reduce over an empty dimension {} of shape {}", op, dim, shape_str(t.shape())));
  Shape kshape = in_shape;
  kshape[d] = 1;
  Shape out_shape = kshape;
  if (!keepdim) out_shape.erase(out_shape.begin() + d);
  if (t.dim() == 0) out_shape = {};
  Tensor values = make_tensor(out_shape, t.dtype());
  Tensor indices = make_tensor(out_shape, kInt64);
  std::int64_t* ip = contiguous_data<std::int64_t>(indices);
  const Tensor input = dense(t);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = contiguous_data<T>(input);
    T* v = contiguous_data<T>(values);
    for (std::int64_t o = 0; o < s.outer; ++o)
      for (std::int64_t i = 0; i < s.inner; ++i) {
        const T* base = x + o * s.size * s.inner + i;
        std::int64_t best = 0;
        for (std::int64_t k = 1; k < s.size; ++k) {
          const T cand = base[k * s.inner], cur = base[best * s.inner];
          if (cur != cur) break;  // NaN found: it stays
          if (cand != cand || (take_max ? cand > cur : cand < cur)) best = k;
        }
        v[o * s.inner + i] = base[best * s.inner];
        ip[o * s.inner + i] = best;
      }
  });
  return {values, indices};
}

std::tuple<Tensor, Tensor> extreme_recorded(const char* op, const Rule<ReduceSaved>& row, const Tensor& t,
                                            std::int64_t dim, bool keepdim, bool take_max) {
  auto [values, indices] = extreme_along(op, t, dim, keepdim, take_max);
  if (should_record({&t}))
    record(row, values, {&t},
           ReduceSaved{.indices = indices, .in_shape = t.shape(), .dim = wrap_dim(op, dim, t.dim()), .keepdim = keepdim});
  return {values, indices};
}

// max()/min() over everything.
Tensor extreme_all(const char* op, const Rule<ReduceSaved>& row, const Tensor& t, bool take_max) {
  if (t.numel() == 0) throw Error(fmt::format("{}: the input of shape {} is empty", op, shape_str(t.shape())));
  Tensor flat = flat_values(t);
  Tensor value = std::get<0>(extreme_along(op, flat, 0, false, take_max));
  if (should_record({&t})) record(row, value, {&t}, ReduceSaved{.input = SavedTensor(t), .output = SavedTensor::output(value)});
  return value;
}

}  // namespace

Tensor max(const Tensor& t) { return extreme_all("max", rule_for(kReduceRules, "MaxBackward1"), t, true); }
Tensor min(const Tensor& t) { return extreme_all("min", rule_for(kReduceRules, "MinBackward1"), t, false); }
std::tuple<Tensor, Tensor> max(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme_recorded("max", rule_for(kReduceRules, "MaxBackward0"), t, dim, keepdim, true);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme_recorded("min", rule_for(kReduceRules, "MinBackward0"), t, dim, keepdim, false);
}
// amax differs from max(dim) only in its gradient: shared evenly among tied maxima (torch documents
// this), where max(dim) gives it all to the returned index.
Tensor amax(const Tensor& t, std::int64_t dim, bool keepdim) {
  Tensor value = std::get<0>(extreme_along("amax", t, dim, keepdim, true));
  if (should_record({&t}))
    record(rule_for(kReduceRules, "AmaxBackward0"), value, {&t},
           ReduceSaved{.input = SavedTensor(t), .output = SavedTensor::output(value), .in_shape = t.shape(),
                       .dim = wrap_dim("amax", dim, t.dim()), .keepdim = keepdim});
  return value;
}
namespace {
void refuse_bool_arg(const char* op, const Tensor& t) {  // torch has no bool kernel for these
  if (t.dtype() == kBool)
    throw Error(fmt::format("{}: not implemented for bool tensors (shape {}), as in torch; convert with .to(xgrad::kInt64)",
                            op, shape_str(t.shape())));
}
}  // namespace

Tensor argmax(const Tensor& t, std::int64_t dim, bool keepdim) {
  refuse_bool_arg("argmax", t);
  return std::get<1>(extreme_along("argmax", t, dim, keepdim, true));
}
Tensor argmin(const Tensor& t, std::int64_t dim, bool keepdim) {
  refuse_bool_arg("argmin", t);
  return std::get<1>(extreme_along("argmin", t, dim, keepdim, false));
}
Tensor argmax(const Tensor& t) {
  refuse_bool_arg("argmax", t);
  return std::get<1>(extreme_along("argmax", flat_values(t), 0, false, true));
}

namespace {

// var and std of each slice over the reduced dims: two passes (mean, then squared deviations) in
// double, and for std the square root before the result is rounded to the input's dtype, so a
// float32 slice of ±3e38 has a finite std, as torch's. A slice of n <= correction divides by 0: NaN.
Tensor moments(const char* op, const Tensor& t, const std::vector<bool>& mask, double divisor, bool take_sqrt,
               const Shape& out_shape) {
  std::vector<std::int64_t> order;
  for (std::size_t d = 0; d < mask.size(); ++d)
    if (!mask[d]) order.push_back(static_cast<std::int64_t>(d));
  for (std::size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) order.push_back(static_cast<std::int64_t>(d));
  Tensor rows;
  {
    NoGradGuard no_grad;
    rows = dense(permute(t.detach(), order));  // each slice now contiguous, one after another
  }
  const std::int64_t n = count_reduced(t.shape(), mask);
  Tensor out = make_tensor(out_shape, t.dtype(), op);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* x = contiguous_data<T>(rows);
      T* o = contiguous_data<T>(out);
      parallel_for(0, out.numel(), std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(n, 1)),
                   [&](std::int64_t first, std::int64_t last) {
                     for (std::int64_t r = first; r < last; ++r) {
                       const T* row = x + r * n;
                       const double m2 = kernels::moments<T>([&](auto run) { run(row, n); }, n).m2;
                       const double v = n == 0 ? std::numeric_limits<double>::quiet_NaN() : m2 / divisor;
                       o[r] = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
                     }
                   });
    }
  });
  return out;
}

Tensor var_or_std(const char* op, const Rule<ReduceSaved>& row, bool take_sqrt, const Tensor& t, const Dims& dims,
                  bool unbiased, bool keepdim) {
  if (!t.is_floating_point())
    throw Error(fmt::format("{}: input must be floating point, got {}", op, dtype_name(t.dtype())));
  const auto mask = dim_mask(op, t.shape(), dims);
  const Shape kshape = keepdim_shape(t.shape(), mask);
  const auto divisor = static_cast<double>(std::max<std::int64_t>(count_reduced(t.shape(), mask) - (unbiased ? 1 : 0), 0));
  Tensor y = moments(op, t, mask, divisor, take_sqrt, keepdim ? kshape : dropped_shape(t.shape(), mask));
  if (should_record({&t})) {
    Dims reduced;
    for (std::size_t d = 0; d < mask.size(); ++d)
      if (mask[d]) reduced.push_back(static_cast<std::int64_t>(d));
    record(row, y, {&t},
           ReduceSaved{.input = SavedTensor(t), .output = SavedTensor::output(y), .kshape = kshape,
                       .dims = std::move(reduced), .divisor = divisor});
  }
  return y;
}

}  // namespace

Tensor var(const Tensor& t, const Dims& dims, bool unbiased, bool keepdim) {
  return var_or_std("var", rule_for(kReduceRules, "VarBackward0"), false, t, dims, unbiased, keepdim);
}
Tensor var(const Tensor& t) { return var(t, {}, true, false); }
Tensor std(const Tensor& t, const Dims& dims, bool unbiased, bool keepdim) {
  return var_or_std("std", rule_for(kReduceRules, "StdBackward0"), true, t, dims, unbiased, keepdim);
}
Tensor std(const Tensor& t) { return std(t, {}, true, false); }

Tensor logsumexp(const Tensor& t_in, const Dims& dims, bool keepdim) {
  const Tensor t = t_in.is_floating_point() ? t_in : t_in.to(kFloat32);  // integers and bools give float32, as torch
  const auto mask = dim_mask("logsumexp", t.shape(), dims);
  // Shift by the (constant) max so exp never overflows; an all -inf slice keeps shift 0.
  // An empty slice has no max: shift 0 gives log 0 = -inf, as torch. An infinite max also keeps shift
  // 0: -inf - -inf and +inf - +inf would be NaN, while exp(+inf) = inf gives the right +inf.
  Tensor shift = zeros(keepdim_shape(t.shape(), mask), kernels::floating_dtype(t.dtype()));
  if (t.numel() > 0) {
    shift = t.detach();
    for (std::size_t d = 0; d < mask.size(); ++d)
      if (mask[d]) shift = amax(shift, static_cast<std::int64_t>(d), true);
    shift = where(eq(abs(shift), std::numeric_limits<double>::infinity()), 0.0, shift);
  }
  Tensor out = log(sum(exp(t - shift), dims, true)) + shift;
  return keepdim ? out : reshape(out, dropped_shape(t.shape(), mask));
}
Tensor logsumexp(const Tensor& t, std::int64_t dim, bool keepdim) { return logsumexp(t, Dims{dim}, keepdim); }

}  // namespace xgrad
