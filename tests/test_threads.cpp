// Threads: independent graphs built and back-propagated at once give the serial results bit for
// bit; grad and anomaly modes are per thread; a shared leaf collects every thread's gradient; buffers
// cross threads through the allocator's cache. scripts/tsan.sh runs this file (and the DataLoader's
// prefetch tests) under ThreadSanitizer.
#include <doctest/doctest.h>

#include <cmath>
#include <latch>
#include <memory>
#include <thread>

#include <xgrad/xgrad.hpp>

namespace {

namespace F = xg::nn::functional;

// Deterministic "random" values without the shared generator: threads must not race for its order.
xg::Tensor filled(const xg::Shape& shape, double seed, double scale = 1.0) {
  std::vector<double> v(static_cast<std::size_t>(xg::shape_numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(seed + 0.37 * static_cast<double>(i));
  return xg::tensor(v, shape, xg::kFloat64);
}

// Five Adam steps of a 20-16-4 MLP on a fixed batch; returns the parameters' values afterwards.
std::vector<std::vector<double>> train_mlp(double seed) {
  auto w1 = filled({16, 20}, seed, 0.3).requires_grad_(), b1 = filled({16}, seed + 1, 0.1).requires_grad_();
  auto w2 = filled({4, 16}, seed + 2, 0.3).requires_grad_(), b2 = filled({4}, seed + 3, 0.1).requires_grad_();
  const auto x = filled({32, 20}, seed + 4);
  std::vector<std::int64_t> labels(32);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>((i * 7 + 3) % 4);
  const auto y = xg::tensor(labels, {32});
  xg::optim::Adam opt({w1, b1, w2, b2}, {.lr = 1e-2});
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    auto hidden = xg::relu(F::linear(x, w1, b1));
    auto loss = F::cross_entropy(F::linear(hidden, w2, b2), y) + 1e-3 * (w1 * w1).sum();
    loss.backward();
    opt.step();
  }
  return {w1.to_vector(), b1.to_vector(), w2.to_vector(), b2.to_vector()};
}

// A long elementwise chain (tanh, exp, sigmoid) back-propagated from one input.
std::vector<double> chain_gradient(double seed) {
  auto x = xg::full({16}, seed, xg::kFloat64).requires_grad_();
  auto y = xg::tanh(x * 0.5) * xg::exp(-x);
  for (int i = 0; i < 200; ++i) y = y * 0.999 + xg::sigmoid(y);
  y.sum().backward();
  return x.grad().to_vector();
}

// Runs work(t) on `threads` threads at once, released together by a latch.
template <class Result, class Work>
std::vector<Result> run_concurrently(int threads, const Work& work) {
  std::vector<Result> results(static_cast<std::size_t>(threads));
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      results[static_cast<std::size_t>(t)] = work(t);
    });
  for (auto& th : pool) th.join();
  return results;
}

}  // namespace

TEST_CASE("independent graphs on 4 and 8 threads give the serial gradients bit for bit") {
  for (int threads : {4, 8}) {
    CAPTURE(threads);
    std::vector<std::vector<double>> serial;
    for (int t = 0; t < threads; ++t) serial.push_back(chain_gradient(0.1 * t));
    for (int round = 0; round < 3; ++round)  // several rounds to give a race its chance
      CHECK(run_concurrently<std::vector<double>>(threads, [](int t) { return chain_gradient(0.1 * t); }) == serial);
  }
}

TEST_CASE("MLPs trained with Adam on 4 threads at once end with the serial parameters bit for bit") {
  constexpr int kThreads = 4;
  std::vector<std::vector<std::vector<double>>> serial;
  for (int t = 0; t < kThreads; ++t) serial.push_back(train_mlp(t));
  const auto threaded = run_concurrently<std::vector<std::vector<double>>>(kThreads, [](int t) { return train_mlp(t); });
  for (int t = 0; t < kThreads; ++t) {
    CAPTURE(t);
    CHECK(threaded[static_cast<std::size_t>(t)] == serial[static_cast<std::size_t>(t)]);
  }
}

TEST_CASE("no_grad and anomaly mode set in one thread do not leak into another running at the same time") {
  auto x = xg::ones({3}, xg::kFloat64, true);
  std::latch modes_set(1), other_done(1);
  bool recorded = false, anomaly_seen = true;
  std::thread guarded([&] {
    xg::NoGradGuard no_grad;
    xg::autograd::DetectAnomalyGuard anomaly;
    modes_set.count_down();
    other_done.wait();  // the guards stay active while the other thread works
    CHECK_FALSE((x * 2.0).requires_grad());
  });
  std::thread other([&] {
    modes_set.wait();
    recorded = (x * 2.0).requires_grad();
    anomaly_seen = xg::autograd::AnomalyMode::is_enabled();
    other_done.count_down();
  });
  guarded.join();
  other.join();
  CHECK(recorded);
  CHECK_FALSE(anomaly_seen);
  CHECK(xg::GradMode::is_enabled());  // and this thread's mode is untouched
}

TEST_CASE("threads back-propagating into one shared leaf add up every gradient") {
  // Each contribution is a small integer, so the total is exact whatever the order of additions.
  auto w = xg::zeros({8}, xg::kFloat64, true);
  constexpr int kThreads = 4, kRepeats = 50;
  run_concurrently<int>(kThreads, [&](int t) {
    for (int r = 0; r < kRepeats; ++r) (w * static_cast<double>(t + 1)).sum().backward();
    return 0;
  });
  const double expected = kRepeats * (1 + 2 + 3 + 4);
  for (double g : w.grad().to_vector()) CHECK(g == expected);
}

TEST_CASE("large buffers allocated in one thread and freed in another keep their contents") {
  // 1 MiB tensors go through the allocator's cache; a producer and a consumer exchange them.
  constexpr int kCount = 64;
  std::vector<xg::Tensor> made(kCount);
  std::vector<std::unique_ptr<std::latch>> latches;  // latch i: tensor i is ready
  for (int i = 0; i < kCount; ++i) latches.push_back(std::make_unique<std::latch>(1));
  double sum_seen = 0;
  std::thread consumer([&] {
    for (int i = 0; i < kCount; ++i) {
      latches[static_cast<std::size_t>(i)]->wait();
      sum_seen += made[static_cast<std::size_t>(i)].sum().item<double>();
      made[static_cast<std::size_t>(i)] = xg::Tensor();  // freed here, back to the cache
    }
  });
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) {
      made[static_cast<std::size_t>(i)] = xg::full({1 << 17}, static_cast<double>(i), xg::kFloat64);
      latches[static_cast<std::size_t>(i)]->count_down();
    }
  });
  producer.join();
  consumer.join();
  CHECK(sum_seen == double(1 << 17) * (kCount * (kCount - 1) / 2));
}
