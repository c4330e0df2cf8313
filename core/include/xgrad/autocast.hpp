// Mixed precision, as torch.autocast on CPU: inside an AutocastGuard(kBFloat16), matmul, mm, bmm and
// linear on float32 operands multiply bfloat16 copies with float32 accumulation and return float32
// (their backward products run the same way). Parameters, gradients and optimizer state stay
// float32; float64 is left alone, so gradcheck is unaffected. Thread-local, like grad mode.
#pragma once
#include "xgrad/dtype.hpp"

namespace xgrad {

class AutocastGuard {
 public:
  // Only kBFloat16 is a CPU autocast type here (as in torch 1.13); enabled = false turns autocast
  // off for the guard's scope (torch.autocast(enabled=False)).
  explicit AutocastGuard(Dtype dtype = kBFloat16, bool enabled = true);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool previous_enabled_;
};

bool is_autocast_enabled();   // on this thread
Dtype get_autocast_dtype();   // kBFloat16

}  // namespace xgrad
