// pad: a crop (narrow) for negative amounts, then per dimension either a concatenation with constant
// blocks or a gather of source indices (reflect, replicate, circular). No backward of its own: the
// gradients of narrow, cat and index_select (an index_add, again differentiable) compose to every order.
#include "xgrad/pad.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

PadMode ConvPaddingMode::pad_mode() const {
  switch (kind_) {
    case Kind::Reflect: return kReflect;
    case Kind::Replicate: return kReplicate;
    case Kind::Circular: return kCircular;
    case Kind::Zeros: break;
  }
  return kConstant;
}

const char* ConvPaddingMode::name() const {
  switch (kind_) {
    case Kind::Reflect: return "reflect";
    case Kind::Replicate: return "replicate";
    case Kind::Circular: return "circular";
    case Kind::Zeros: break;
  }
  return "zeros";
}

namespace {

const char* mode_name(PadMode mode) {
  switch (mode.kind()) {
    case PadMode::Kind::Reflect: return "reflect";
    case PadMode::Kind::Replicate: return "replicate";
    case PadMode::Kind::Circular: return "circular";
    case PadMode::Kind::Constant: break;
  }
  return "constant";
}

// Where output position i (of n + left + right) reads from, in a dimension of size n.
std::int64_t source(PadMode::Kind kind, std::int64_t i, std::int64_t left, std::int64_t n) {
  const std::int64_t p = i - left;
  switch (kind) {
    case PadMode::Kind::Reflect: return p < 0 ? -p : (p >= n ? 2 * (n - 1) - p : p);
    case PadMode::Kind::Replicate: return std::clamp<std::int64_t>(p, 0, n - 1);
    default: return ((p % n) + n) % n;  // circular
  }
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& amounts, PadMode mode, double value) {
  const char* name = mode_name(mode);
  const auto what = [&] {
    return fmt::format("{} padding ({}) of input shape {}", name, fmt::join(amounts, ", "), shape_str(x.shape()));
  };
  if (amounts.size() % 2 != 0)
    throw Error(fmt::format("pad: {} must have an even number of entries (left, right per dimension)", what()));
  const auto dims = static_cast<std::int64_t>(amounts.size() / 2);
  if (dims > x.dim())
    throw Error(fmt::format("pad: {} pads {} dimensions, more than the input's {}", what(), dims, x.dim()));
  if (mode.kind() != PadMode::Kind::Constant && value != 0.0)
    throw Error(fmt::format("pad: {} takes no fill value (got {}); only constant padding does", what(), value));

  Tensor y = x;
  for (std::int64_t i = 0; i < dims; ++i) {
    const std::int64_t d = x.dim() - 1 - i, n = x.size(d);
    std::int64_t left = amounts[2 * i], right = amounts[2 * i + 1];
    const std::int64_t kept = n - std::max<std::int64_t>(0, -left) - std::max<std::int64_t>(0, -right);
    if (kept < 1)
      throw Error(fmt::format("pad: {} crops dimension {} (size {}) to nothing", what(), d, n));
    if (kept < n) y = narrow(y, d, std::max<std::int64_t>(0, -left), kept);
    left = std::max<std::int64_t>(0, left);
    right = std::max<std::int64_t>(0, right);
    if (left == 0 && right == 0) continue;

    if (mode.kind() == PadMode::Kind::Constant) {
      const auto block = [&](std::int64_t length) {
        Shape shape = y.shape();
        shape[static_cast<std::size_t>(d)] = length;
        return full(shape, value, y.dtype());
      };
      std::vector<Tensor> parts;
      if (left > 0) parts.push_back(block(left));
      parts.push_back(y);
      if (right > 0) parts.push_back(block(right));
      y = cat(parts, d);
      continue;
    }
    // reflect mirrors about the edge element, so it has kept − 1 elements to offer on each side;
    // circular offers the whole (cropped) dimension once.
    const std::int64_t most = mode.kind() == PadMode::Kind::Reflect ? kept - 1
                              : mode.kind() == PadMode::Kind::Circular ? kept
                                                                      : left + right;
    if (left > most || right > most)
      throw Error(fmt::format("pad: {} needs each amount of dimension {} to be at most {} (its size {}{})", what(), d,
                              most, kept, mode.kind() == PadMode::Kind::Reflect ? " minus 1" : ""));
    std::vector<std::int64_t> index(static_cast<std::size_t>(kept + left + right));
    for (std::size_t j = 0; j < index.size(); ++j)
      index[j] = source(mode.kind(), static_cast<std::int64_t>(j), left, kept);
    y = index_select(y, d, tensor(index, {static_cast<std::int64_t>(index.size())}, kInt64));
  }
  return y;
}

}  // namespace xgrad
