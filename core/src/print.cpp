// PyTorch-style printing: tensor([[1.5000, 2.0000], ...]) with dtype, shape and autograd status.
#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "xgrad/detail/node.hpp"
#include "xgrad/print.hpp"

namespace xgrad {

namespace {

constexpr std::int64_t kSummarizeAbove = 1000;  // torch's default threshold
constexpr std::int64_t kEdgeItems = 3;

// One number format for every element, chosen the way torch chooses it.
struct ElementFormat {
  enum Kind { Integer, IntegralFloat, Fixed, Scientific, Boolean } kind;
  std::size_t width = 0;

  std::string raw(double v) const {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    switch (kind) {
      case Integer: return fmt::format("{}", static_cast<std::int64_t>(v));
      case Boolean: return v != 0 ? "True" : "False";
      case IntegralFloat: return fmt::format("{:.0f}.", v);
      case Fixed: return fmt::format("{:.4f}", v);
      case Scientific: return fmt::format("{:.4e}", v);
    }
    return "";
  }
  std::string operator()(double v) const {
    std::string s = raw(v);
    return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
  }
};

ElementFormat choose_format(const Tensor& t, const std::vector<double>& values) {
  ElementFormat f{ElementFormat::Integer};
  if (t.dtype() == kBool) f.kind = ElementFormat::Boolean;
  if (t.is_floating_point()) {
    bool integral = true;
    double max_abs = 0, min_abs = INFINITY;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      integral = integral && v == std::nearbyint(v);
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != 0) min_abs = std::min(min_abs, std::fabs(v));
    }
    if (integral)
      f.kind = max_abs > 1e8 ? ElementFormat::Scientific : ElementFormat::IntegralFloat;
    else
      f.kind = (max_abs > 1e8 || (min_abs < 1e-4) || max_abs / min_abs > 1000) ? ElementFormat::Scientific
                                                                               : ElementFormat::Fixed;
  }
  for (double v : values) f.width = std::max(f.width, f.raw(v).size());
  return f;
}

// Indices shown along a dimension of size n: all, or the first and last few around a "...".
std::vector<std::int64_t> shown_indices(std::int64_t n, bool summarize) {
  std::vector<std::int64_t> idx;
  if (!summarize || n <= 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
  } else {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    idx.push_back(-1);  // the ellipsis
    for (std::int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

void write_values(std::string& out, const std::vector<double>& values, const Shape& shape, std::size_t dim,
                  std::int64_t offset, std::int64_t stride_base, bool summarize, const ElementFormat& f,
                  std::size_t indent) {
  const std::int64_t n = shape[dim];
  const std::int64_t stride = stride_base / n;
  out += '[';
  bool first = true;
  for (std::int64_t i : shown_indices(n, summarize)) {
    if (!first) {
      if (dim + 1 == shape.size()) {
        out += ", ";
      } else {
        out += ',';
        out += std::string(shape.size() - dim - 1, '\n');
        out += std::string(indent + dim + 1, ' ');
      }
    }
    first = false;
    if (i < 0) {
      out += "...";
      continue;
    }
    if (dim + 1 == shape.size())
      out += f(values[static_cast<std::size_t>(offset + i)]);
    else
      write_values(out, values, shape, dim + 1, offset + i * stride, stride, summarize, f, indent);
  }
  out += ']';
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "[ undefined tensor ]";
  const std::vector<double> all = t.to_vector();
  const bool summarize = t.numel() > kSummarizeAbove;
  std::vector<double> shown;  // the format depends only on what is printed, as in torch
  if (summarize) {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (i < kEdgeItems || i + kEdgeItems >= all.size()) shown.push_back(all[i]);
  }
  const ElementFormat f = choose_format(t, summarize ? shown : all);
  std::string out = "tensor(";
  if (t.dim() == 0)
    out += f.raw(all[0]);
  else if (t.numel() == 0)
    out += "[]";
  else
    write_values(out, all, t.shape(), 0, 0, t.numel(), summarize, f, 7);
  out += fmt::format(", shape={}, dtype={}", shape_str(t.shape()), dtype_name(t.dtype()));
  if (t.grad_fn())
    out += fmt::format(", grad_fn=<{}>", t.grad_fn_name());
  else if (t.requires_grad())
    out += ", requires_grad=True";
  out += ')';
  return out;
}

// libtorch's C++ format (print_libtorch.cpp), so output checked against a libtorch program matches.
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return print(os, t); }

}  // namespace xgrad
