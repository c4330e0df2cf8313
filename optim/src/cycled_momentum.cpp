#include "cycled_momentum.hpp"

#include <utility>
#include <variant>

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad::optim {

std::string cycled_momentum_option(const Optimizer& optimizer, const char* who) {
  if (optimizer.has_option("betas")) return "betas";
  if (optimizer.has_option("momentum")) return "momentum";
  throw Error(fmt::format("{}: cycle_momentum needs an optimizer with momentum or betas; {} has neither (pass "
                          "cycle_momentum=false)",
                          who, optimizer.name()));
}

void set_cycled_momentum(Optimizer& optimizer, std::size_t group, const std::string& option, double value) {
  if (option == "betas") {
    const auto betas = std::get<std::pair<double, double>>(optimizer.option(group, "betas"));
    optimizer.set_option(group, "betas", std::pair<double, double>{value, betas.second});
  } else {
    optimizer.set_option(group, "momentum", value);
  }
}

}  // namespace xgrad::optim
