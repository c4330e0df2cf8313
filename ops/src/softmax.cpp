// The softmax family: softmax and log-softmax along a dimension, both on the one max-shifted kernel
// (kernels::softmax_lines, which cross_entropy uses too). Both rules read only the output y, which
// comes back attached to its node under create_graph.
//   softmax:     dx = y·g − y·Σ y·g
//   log_softmax: dx = g − e^y·Σ g
#include "kernels.hpp"
#include "math_kernels.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad {

namespace {

struct SoftmaxSaved {
  SavedTensor output;
  std::int64_t dim = 0;
  Tensor y() const { return output.get(); }
};

using G = const Tensor&;
using S = const SoftmaxSaved&;

// clang-format off
constexpr Rule<SoftmaxSaved> kSoftmaxRules[] = {
  // node                  dL/dx
  {"SoftmaxBackward0",     [](G g, S s) { const Tensor yg = s.y() * g; return Grads{yg - s.y() * sum(yg, {s.dim}, true)}; }},
  {"LogSoftmaxBackward0",  [](G g, S s) { return Grads{g - exp(s.y()) * sum(g, {s.dim}, true)}; }},
};
// clang-format on
static_assert(node_names_unique(kSoftmaxRules));

Tensor softmax_op(const Rule<SoftmaxSaved>& row, const char* op, const Tensor& x_in, std::int64_t dim, bool log_space) {
  if (!x_in.is_floating_point())  // as torch: no integer softmax
    throw Error(fmt::format("{}: input must be floating point, got {} of shape {} (convert with .to(xgrad::kFloat32))",
                            op, dtype_name(x_in.dtype()), shape_str(x_in.shape())));
  const Tensor x = dense(x_in);
  const auto d = wrap_dim(op, dim, x.dim());
  const kernels::AxisSplit s = kernels::split_at(x.dim() == 0 ? Shape{1} : x.shape(), d);
  Tensor y = make_tensor(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      kernels::softmax_lines(contiguous_data<T>(x), contiguous_data<T>(y), s.outer, s.size, s.inner, log_space);
  });
  if (should_record({&x_in})) record(row, y, {&x_in}, SoftmaxSaved{SavedTensor::output(y), d});
  return y;
}

}  // namespace

void append_softmax_rule_names(std::vector<std::string>& names) { append_rule_names(kSoftmaxRules, names); }

Tensor softmax(const Tensor& x, std::int64_t dim) {
  return softmax_op(rule_for(kSoftmaxRules, "SoftmaxBackward0"), "softmax", x, dim, false);
}
Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return softmax_op(rule_for(kSoftmaxRules, "LogSoftmaxBackward0"), "log_softmax", x, dim, true);
}

}  // namespace xgrad
