// Module members with libtorch's signatures (to(device), Linear from LinearOptions), kept apart from
// module.cpp and linear.cpp: each forwards to xgrad's own form.
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

void Module::to(Device device) { check_cpu_device("Module::to", device); }

void Module::to(Device device, Dtype dtype) {
  check_cpu_device("Module::to", device);
  to(dtype);
}

LinearImpl::LinearImpl(const LinearOptions& options, Dtype dtype)
    : LinearImpl(options.in_features(), options.out_features(), options.bias(), dtype) {}

}  // namespace xgrad::nn
