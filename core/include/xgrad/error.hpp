// Every error xgrad reports derives from xgrad::Error; messages name the op and its operands.
#pragma once
#include <stdexcept>
#include <string>

namespace xgrad {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace xgrad
