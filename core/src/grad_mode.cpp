#include "xgrad/grad_mode.hpp"

#include "xgrad/detail/tensor_impl.hpp"

namespace xgrad {

bool GradMode::is_enabled() { return detail::grad_enabled; }
void GradMode::set_enabled(bool enabled) { detail::grad_enabled = enabled; }

namespace autograd {
bool AnomalyMode::is_enabled() { return detail::anomaly_enabled; }
void AnomalyMode::set_enabled(bool enabled) { detail::anomaly_enabled = enabled; }
}  // namespace autograd

}  // namespace xgrad
