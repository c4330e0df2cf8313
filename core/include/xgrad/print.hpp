// Printing as libtorch's C++ operator<< does (at::print): the values in columns, scaled or in
// scientific notation when their magnitudes call for it, then a line "[ CPUFloatType{2,3} ]".
// operator<< on a Tensor prints this way; to_string() and fmt::format("{}", t) give PyTorch's Python
// repr instead.
#pragma once
#include <cstdint>
#include <iosfwd>

#include "xgrad/tensor.hpp"

namespace xgrad {

// Matrices wider than `linesize` characters are split into column blocks ("Columns 1 to 8").
std::ostream& print(std::ostream& os, const Tensor& t, std::int64_t linesize = 80);

// libtorch's name of the tensor's type, as the last line shows it: "CPUFloatType", "CPULongType".
const char* libtorch_type_name(Dtype dtype);

}  // namespace xgrad
