// fmt::format("{}", tensor) prints to_string(tensor), PyTorch's Python repr (operator<< prints as libtorch's
// C++ operator<< does: xgrad/print.hpp).
#pragma once
#include <string_view>

#include <fmt/format.h>

#include "xgrad/tensor.hpp"

template <>
struct fmt::formatter<xgrad::Tensor> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const xgrad::Tensor& t, FormatContext& ctx) const {
    const std::string text = xgrad::to_string(t);
    return fmt::formatter<std::string_view>::format(std::string_view(text), ctx);
  }
};
