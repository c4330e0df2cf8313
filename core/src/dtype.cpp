#include "xgrad/dtype.hpp"

namespace xgrad {

std::size_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return 1;
    case Dtype::Int64: return 8;
    case Dtype::Float32: return 4;
    case Dtype::Float64: return 8;
  }
  return 0;
}

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return "bool";
    case Dtype::Int64: return "int64";
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
  }
  return "?";
}

bool is_floating_point(Dtype dtype) { return dtype == Dtype::Float32 || dtype == Dtype::Float64; }

}  // namespace xgrad
