// The library side of <xgrad/xtensor.hpp> (a header-only template otherwise).
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::detail {

void bump_version(const Tensor& t) { ++t.impl()->storage->version; }

}  // namespace xgrad::detail
