// Background threads that make a pass's batches ahead of the loop that consumes them, in order.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "xgrad/data/dataset.hpp"

namespace xgrad::data::detail {

class Prefetcher {
 public:
  using MakeBatch = std::function<Example(std::int64_t batch)>;

  // Starts `workers` threads making batches 0..num_batches-1 with `make_batch` (called concurrently,
  // so it must only read shared state), never more than `capacity` beyond the last one taken.
  Prefetcher(MakeBatch make_batch, std::int64_t num_batches, std::int64_t workers, std::int64_t capacity);
  ~Prefetcher();  // stops the workers (each finishes the batch in hand) and joins them
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Waits for batch `batch` (batches must be taken in order 0, 1, ...); rethrows what making it threw.
  Example take(std::int64_t batch);

 private:
  void work();
  void shutdown();

  MakeBatch make_batch_;
  std::int64_t num_batches_, capacity_;
  std::mutex mutex_;
  std::condition_variable batch_ready_, slot_free_;
  std::int64_t next_claim_ = 0;  // the next batch a worker starts on
  std::int64_t next_take_ = 0;   // the next batch the loop takes
  bool stop_ = false;
  std::map<std::int64_t, std::variant<Example, std::exception_ptr>> ready_;
  std::vector<std::thread> threads_;
};

}  // namespace xgrad::data::detail
