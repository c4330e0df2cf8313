#include "mpi_support.hpp"

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/shape.hpp"

namespace xgrad::distributed::detail {

void check(int rc, const char* op, const char* mpi_function) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
  throw Error(fmt::format("{}: {} failed (error {}: {})", op, mpi_function, rc, std::string(text, length)));
}

MPI_Datatype datatype(Dtype dtype, const char* op) {
  switch (dtype) {
    case Dtype::Float32: return MPI_FLOAT;
    case Dtype::Float64: return MPI_DOUBLE;
    case Dtype::Int64: return MPI_INT64_T;
    case Dtype::Bool: break;
  }
  throw Error(fmt::format("{}: {} tensors cannot be sent (float32, float64 or int64)", op, dtype_name(dtype)));
}

MPI_Op reduction(Op op) {
  switch (op) {
    case Op::Sum:
    case Op::Mean: return MPI_SUM;
    case Op::Max: return MPI_MAX;
    case Op::Min: return MPI_MIN;
  }
  return MPI_SUM;
}

void check_writable(const Tensor& t, const char* op) {
  if (!t.defined()) throw Error(fmt::format("{}: the tensor is undefined", op));
  if (GradMode::is_enabled() && t.requires_grad())
    throw Error(fmt::format("{}: a tensor that requires grad (shape {}) cannot be changed in place while grad mode "
                            "is on; wrap the call in xgrad::NoGradGuard",
                            op, shape_str(t.shape())));
}

}  // namespace xgrad::distributed::detail
