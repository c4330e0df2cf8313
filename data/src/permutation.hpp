// Seeded random permutations shared by DataLoader shuffling and random_split.
#pragma once
#include <cstdint>
#include <vector>

namespace xgrad::data::detail {

// A permutation of 0..n-1 that depends only on (seed, stream): the same on every platform, since it
// uses mt19937_64 (fully specified) and its own unbiased bounded draw rather than
// std::uniform_int_distribution (whose algorithm differs between standard libraries).
std::vector<std::int64_t> random_permutation(std::int64_t n, std::uint64_t seed, std::uint64_t stream);

}  // namespace xgrad::data::detail
