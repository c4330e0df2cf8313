// The collective check behind "a mismatch throws on every rank, not a hang": every rank learns every
// other rank's tensor shapes and dtypes, so all of them find the same first difference and throw the
// same error before any data moves.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "xgrad/dtype.hpp"
#include "xgrad/shape.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::distributed::detail {

struct TensorInfo {
  std::string name;  // may be empty
  bool defined = false;
  Dtype dtype = Dtype::Float32;
  Shape shape;
};

TensorInfo describe(const std::string& name, const Tensor& t);
std::vector<TensorInfo> describe(const std::vector<std::pair<std::string, Tensor>>& named);

// Collective, and called before any check a rank could fail alone: once every rank is known to hold
// the same shapes and dtypes, the remaining checks fail on all ranks or on none. Throws the same
// xgrad::Error, naming `op`, on every rank when some rank's list differs from rank `root`'s in
// length, or in a tensor's shape or dtype (an undefined tensor counts as a shape of its own). With
// `numbered`, tensors are named "parameter <index> ('<name>')"; without, the list holds one tensor,
// named "the tensor".
void check_same_tensors(const std::vector<TensorInfo>& mine, int root, const char* op, bool numbered);

}  // namespace xgrad::distributed::detail
