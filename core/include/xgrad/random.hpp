// The global random generator behind rand, randn, randint, dropout and init (seeded by manual_seed).
#pragma once
#include <cstdint>
#include <mutex>
#include <random>

namespace xgrad {

class Generator {
 public:
  static Generator& global();
  void seed(std::uint64_t seed);
  // Runs f(engine) under the generator's lock, so threads draw disjoint numbers.
  template <class F>
  decltype(auto) with_engine(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    return f(engine_);
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_{0x5eed};
};

}  // namespace xgrad
