// XGRAD_ARG(type, name): one option of a libtorch-style builder, a chaining setter `name(v)` and a
// getter `name()`, over a private field `name_` (what libtorch's TORCH_ARG declares).
#pragma once

#define XGRAD_ARG(T, name)                    \
 public:                                      \
  auto& name(const T& value) {                \
    name##_ = value;                          \
    return *this;                             \
  }                                           \
  const T& name() const { return name##_; }   \
                                              \
 private:                                     \
  T name##_
