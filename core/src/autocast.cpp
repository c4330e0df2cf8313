#include "xgrad/autocast.hpp"

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad {

namespace {
thread_local bool autocast_enabled = false;
}

AutocastGuard::AutocastGuard(Dtype dtype, bool enabled) : previous_enabled_(autocast_enabled) {
  if (dtype != kBFloat16)
    throw Error(fmt::format("AutocastGuard: CPU autocast supports bfloat16 only, got {}", dtype_name(dtype)));
  autocast_enabled = enabled;
}

AutocastGuard::~AutocastGuard() { autocast_enabled = previous_enabled_; }

bool is_autocast_enabled() { return autocast_enabled; }
Dtype get_autocast_dtype() { return kBFloat16; }

}  // namespace xgrad
