// Samplers: which samples an epoch visits, and in what order, for a DataLoader (torch's sampler=).
#pragma once
#include <cstdint>
#include <vector>

namespace xgrad::data {

// A DataLoader given a sampler batches the sampler's order instead of its own (0..N-1, or shuffled).
// The loader passes its epoch, so DataLoader::set_epoch reaches the sampler too. order() is called
// from the loop's thread while background workers may run: it must be const and thread-safe, return
// size() indices, each in [0, dataset size).
class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::int64_t size() const = 0;  // samples per epoch: the length of every order()
  virtual std::vector<std::int64_t> order(std::int64_t epoch) const = 0;
};

// The permutation of 0..n-1 a shuffling DataLoader with this seed visits in `epoch`. It depends only
// on (n, seed, epoch), the same on every platform and in every process, so the ranks of a distributed
// run agree on it without exchanging it.
std::vector<std::int64_t> shuffled_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch);

}  // namespace xgrad::data
