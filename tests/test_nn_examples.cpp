// The nn examples' outputs, asserted: the examples' own training code (the headers their main.cpp
// includes) runs here with the same settings.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

#include "../examples/classify_2d/classify.hpp"
#include "../examples/regression_1d/regression.hpp"
#include "../examples/xor/xor.hpp"

TEST_CASE("xor: the Goodfellow et al. weights solve XOR exactly") {
  CHECK(xor_example::goodfellow_outputs() == std::vector<double>{0.0, 1.0, 1.0, 0.0});
}

TEST_CASE("xor: the same network trained from random initialization reaches 100%") {
  const auto r = xor_example::train_from_random(1, 20, 1500);
  MESSAGE("seed " << r.seed << " after " << r.attempts << " attempt(s): loss " << r.loss);
  CHECK(r.accuracy == 1.0);
  CHECK(r.loss < 0.01);
  REQUIRE(r.outputs.size() == 4);
  const std::vector<double> want{0.0, 1.0, 1.0, 0.0};
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::fabs(r.outputs[i] - want[i]) < 0.1);
}

TEST_CASE("regression_1d: autograd equals hand-derived backprop, and the loss falls to a close fit") {
  const auto r = regression_example::train(3000, 300);
  CHECK(r.gradient_difference < 1e-12);
  REQUIRE(r.losses.size() == 11);
  for (std::size_t i = 1; i < r.losses.size(); ++i) {
    CAPTURE(r.losses[i].first);
    CHECK(r.losses[i].second < r.losses[i - 1].second);  // falls at every report
  }
  CHECK(r.losses.back().second < r.losses.front().second / 100);
  CHECK(r.final_mse < 1e-3);
  MESSAGE("objective " << r.losses.front().second << " -> " << r.losses.back().second << ", final MSE " << r.final_mse);
}

TEST_CASE("classify_2d: sigmoid + BCE and softmax + cross-entropy both separate the moons") {
  const auto r = classify_example::run(0, 600);
  for (const auto* res : {&r.sigmoid, &r.softmax}) {
    CAPTURE(res->head);
    CHECK(res->final_loss < res->first_loss / 10);
    CHECK(res->train_accuracy >= 0.97);
    CHECK(res->test_accuracy >= 0.95);
    MESSAGE(res->head << ": train " << res->train_accuracy << ", test " << res->test_accuracy);
  }
}
