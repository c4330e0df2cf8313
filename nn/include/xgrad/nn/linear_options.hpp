// LinearOptions: libtorch's builder for Linear, beside xgrad's positional constructor
// (Linear(in, out, bias)): Linear(LinearOptions(3, 4).bias(false)).
#pragma once
#include <cstdint>

namespace xgrad::nn {

class LinearOptions {
 public:
  LinearOptions(std::int64_t in_features, std::int64_t out_features) : in_(in_features), out_(out_features) {}
  // Setters return the options, so calls chain; the getters take no argument, as in libtorch.
  LinearOptions& in_features(std::int64_t n) {
    in_ = n;
    return *this;
  }
  LinearOptions& out_features(std::int64_t n) {
    out_ = n;
    return *this;
  }
  LinearOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  std::int64_t in_features() const { return in_; }
  std::int64_t out_features() const { return out_; }
  bool bias() const { return bias_; }

 private:
  std::int64_t in_, out_;
  bool bias_ = true;
};

}  // namespace xgrad::nn
