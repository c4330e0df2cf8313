#include "prefetcher.hpp"

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::data::detail {

Prefetcher::Prefetcher(MakeBatch make_batch, std::int64_t num_batches, std::int64_t workers, std::int64_t capacity)
    : make_batch_(std::move(make_batch)), num_batches_(num_batches), capacity_(capacity) {
  threads_.reserve(static_cast<std::size_t>(workers));
  try {
    for (std::int64_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  } catch (...) {
    shutdown();  // the threads already started must not outlive the failed constructor
    throw;
  }
}

Prefetcher::~Prefetcher() { shutdown(); }

void Prefetcher::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  slot_free_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void Prefetcher::work() {
  NoGradGuard no_grad;  // batches are data: nothing a worker makes should record history
  for (;;) {
    std::int64_t batch;
    {
      std::unique_lock lock(mutex_);
      slot_free_.wait(lock, [&] { return stop_ || next_claim_ >= num_batches_ || next_claim_ < next_take_ + capacity_; });
      if (stop_ || next_claim_ >= num_batches_) return;
      batch = next_claim_++;
    }
    std::variant<Example, std::exception_ptr> result;
    try {
      result = make_batch_(batch);
    } catch (...) {
      result = std::current_exception();  // handed to the loop when it reaches this batch
    }
    {
      std::lock_guard lock(mutex_);
      ready_.emplace(batch, std::move(result));
    }
    batch_ready_.notify_all();
  }
}

Example Prefetcher::take(std::int64_t batch) {
  std::unique_lock lock(mutex_);
  if (batch != next_take_ || batch >= num_batches_)  // anything else would wait forever
    throw Error(fmt::format("DataLoader: batch {} requested, expected batch {} of {}", batch, next_take_, num_batches_));
  batch_ready_.wait(lock, [&] { return ready_.count(batch) != 0; });
  auto node = ready_.extract(batch);
  next_take_ = batch + 1;
  lock.unlock();
  slot_free_.notify_all();
  if (auto* error = std::get_if<std::exception_ptr>(&node.mapped())) std::rethrow_exception(*error);
  return std::move(std::get<Example>(node.mapped()));
}

}  // namespace xgrad::data::detail
