#include "xgrad/data/sampler.hpp"

#include <fmt/format.h>

#include "permutation.hpp"
#include "xgrad/error.hpp"

namespace xgrad::data {

std::vector<std::int64_t> shuffled_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  if (n < 0) throw Error(fmt::format("shuffled_order: the sample count must be 0 or more, got {}", n));
  if (epoch < 0) throw Error(fmt::format("shuffled_order: the epoch must be 0 or more, got {}", epoch));
  // Stream epoch + 1: the numbering DataLoader has always used, so existing shuffles are unchanged.
  return detail::random_permutation(n, seed, static_cast<std::uint64_t>(epoch) + 1);
}

}  // namespace xgrad::data
