#include "xgrad/nn/sequential.hpp"

#include <fmt/format.h>

namespace xgrad::nn {

Tensor SequentialImpl::forward(const Tensor& x) const {
  Tensor out = x;
  for (const Entry& e : entries_) out = e.forward(out);
  return out;
}

const SequentialImpl::Entry& SequentialImpl::entry(std::ptrdiff_t index) const {
  const auto n = static_cast<std::ptrdiff_t>(entries_.size());
  const std::ptrdiff_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) throw Error(fmt::format("Sequential: index {} is out of range for {} modules", index, n));
  return entries_[static_cast<std::size_t>(i)];
}

void SequentialImpl::throw_wrong_type(std::ptrdiff_t index, const char* wanted) const {
  throw Error(fmt::format("Sequential: module {} is a {}, not the requested type ({})", index,
                          entry(index).module->name(), detail::demangle(wanted)));
}

}  // namespace xgrad::nn
