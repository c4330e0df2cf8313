// The momentum that OneCycleLR and CyclicLR move against the lr: "momentum" (SGD, RMSprop) or the
// first of Adam's "betas" (internal to xgrad::optim).
#pragma once
#include <cstddef>
#include <string>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

// "betas" or "momentum", whichever the optimizer has; throws xgrad::Error naming `who` when it has
// neither.
std::string cycled_momentum_option(const Optimizer& optimizer, const char* who);

// Writes `value` as the group's momentum, or as beta1 keeping beta2.
void set_cycled_momentum(Optimizer& optimizer, std::size_t group, const std::string& option, double value);

}  // namespace xgrad::optim
