// Helpers shared by the distributed test cases: cross-rank comparisons, a small MLP, and a global
// batch every rank can build by itself.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

namespace xd = xgrad::distributed;

namespace dist_test {

inline double max_over_ranks(double value) {
  const auto t = xg::full({}, value, xg::kFloat64);
  xd::all_reduce(t, xd::Op::Max);
  return t.item<double>();
}

inline double sum_over_ranks(double value) {
  const auto t = xg::full({}, value, xg::kFloat64);
  xd::all_reduce(t, xd::Op::Sum);
  return t.item<double>();
}

inline double max_abs_difference(const xg::Tensor& a, const xg::Tensor& b) {
  const auto x = a.to_vector(), y = b.to_vector();
  if (x.size() != y.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

inline double max_abs_difference(const std::vector<xg::Tensor>& a, const std::vector<xg::Tensor>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, max_abs_difference(a[i], b[i]));
  return worst;
}

// The largest difference between any rank's parameters and rank 0's (0 when the replicas agree bit
// for bit), the same value on every rank.
inline double spread_across_ranks(const std::vector<xg::Tensor>& params) {
  double worst = 0;
  for (const auto& p : params) {
    const auto root = p.detach().clone();
    xd::broadcast(root, 0);
    worst = std::max(worst, max_abs_difference(p, root));
  }
  return max_over_ranks(worst);
}

// The message of the xgrad::Error fn throws; "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const xg::Error& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A 6-16-12-3 MLP (tanh, relu) whose initial weights depend on `seed`.
inline xg::nn::Sequential mlp(xg::Dtype dtype, std::uint64_t seed) {
  xg::manual_seed(seed);
  xg::nn::Sequential net(xg::nn::Linear(6, 16), xg::nn::Tanh(), xg::nn::Linear(16, 12), xg::nn::ReLU(),
                         xg::nn::Linear(12, 3));
  net->to(dtype);
  return net;
}

struct Batch {
  xg::Tensor x, y;
};

// Step `step`'s global batch of 12 samples: the same on every rank.
inline Batch global_batch(std::int64_t step, xg::Dtype dtype) {
  xg::manual_seed(1000 + static_cast<std::uint64_t>(step));
  const auto x = xg::randn({12, 6}, dtype);
  return {x, xg::argmax(x.narrow(1, 0, 3), 1)};
}

}  // namespace dist_test
