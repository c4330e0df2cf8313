// Finite-difference checks of autograd gradients, as torch.autograd.gradcheck / gradgradcheck.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

class GradcheckResult {
 public:
  GradcheckResult(bool ok, std::string message) : ok_(ok), message_(std::move(message)) {}
  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  // On failure: the input, the element, the analytic and numeric values of the worst mismatch.
  const std::string& message() const { return message_; }

 private:
  bool ok_;
  std::string message_;
};

using GradcheckFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares the Jacobian autograd computes for fn at `inputs` with central differences, in float64
// (inputs of other floating dtypes are converted). Inputs that do not require grad are held fixed.
GradcheckResult gradcheck(const GradcheckFunction& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

// The same check applied to the gradient itself (d/dx of vᵀ·J for a fixed random v): second order.
GradcheckResult gradgradcheck(const GradcheckFunction& fn, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace xgrad::autograd

namespace xgrad::autograd {
// Every backward node name the library records (grad_fn_name() values), for coverage checks.
const std::vector<std::string>& registered_backward_names();
}  // namespace xgrad::autograd
