// In-place initializers with torch.nn.init's names, fan rules and gains. Each fills its tensor from
// the global generator (xg::manual_seed), without recording a graph, and returns the same handle.
#pragma once
#include <string>
#include <utility>

#include "xgrad/tensor.hpp"

namespace xgrad::nn::init {

// torch.nn.init.calculate_gain: linear/conv/sigmoid 1, tanh 5/3, relu √2, selu 3/4,
// leaky_relu √(2/(1+slope²)) with slope `param` (0.01 when param < 0, i.e. not given).
double calculate_gain(const std::string& nonlinearity, double param = -1.0);
// (fan_in, fan_out) of a weight [out, in, *kernel]: in·∏kernel and out·∏kernel. Needs 2+ dimensions.
std::pair<double, double> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(Tensor t, double a = 0.0, double b = 1.0);
Tensor normal_(Tensor t, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor t, double value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
// U(−a, a) with a = gain·√(6/(fan_in+fan_out)); N(0, gain·√(2/(fan_in+fan_out))).
Tensor xavier_uniform_(Tensor t, double gain = 1.0);
Tensor xavier_normal_(Tensor t, double gain = 1.0);
// U(−b, b) with b = gain·√(3/fan); N(0, gain/√fan). mode "fan_in" or "fan_out"; `a` is the
// leaky_relu slope that sets the gain.
Tensor kaiming_uniform_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
Tensor kaiming_normal_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");

}  // namespace xgrad::nn::init
