// The Fashion-MNIST trainer resumes exactly: 2 epochs + resume for 2 more give the same batch losses,
// bit for bit, as 4 uninterrupted epochs (dropout, shuffling, optimizer state, and the state of each
// kind of lr scheduler: per epoch, per batch, on a plateau of the validation loss; whether the last
// one's state changes these 4 epochs depends on the losses, so test_optim_schedulers checks it alone).
#include <doctest/doctest.h>

#include <filesystem>

#include <xgrad/xgrad.hpp>

#include "fashion_synthetic.hpp"
#include "trainer.hpp"

namespace {

fashion::TrainConfig config(const std::filesystem::path& out, const std::string& scheduler) {
  fashion::TrainConfig c;
  c.hidden = {32};
  c.dropout = 0.2;
  c.scheduler = scheduler;
  c.epochs = 4;
  c.batch_size = 64;
  c.seed = 7;
  c.workers = 1;
  c.out_dir = out.string();
  return c;
}

}  // namespace

TEST_CASE("a resumed Fashion-MNIST run continues exactly where the saved one stopped") {
  const auto root = std::filesystem::temp_directory_path() / ("xgrad_resume_" + std::to_string(::getpid()));
  const fashion::Data data = fashion_test::synthetic_data();

  for (const std::string scheduler : {"step", "onecycle", "plateau"}) {
    CAPTURE(scheduler);
    const auto whole = fashion::train(config(root / "whole", scheduler), data);
    REQUIRE(whole.epochs.size() == 4);
    CHECK(whole.epochs.back().train_loss < whole.epochs.front().train_loss);

    const auto first = fashion::train(config(root / "split", scheduler), data, {}, {}, 2);
    REQUIRE(first.epochs.size() == 2);
    auto resumed_config = config(root / "split", scheduler);
    resumed_config.resume = (root / "split" / "checkpoint.safetensors").string();
    const auto second = fashion::train(resumed_config, data);
    REQUIRE(second.epochs.size() == 2);
    CHECK(second.epochs.front().epoch == 3);

    std::vector<double> joined = first.batch_losses;
    joined.insert(joined.end(), second.batch_losses.begin(), second.batch_losses.end());
    CHECK(joined == whole.batch_losses);
    CHECK(second.epochs.back().test_accuracy == whole.epochs.back().test_accuracy);
    CHECK(second.epochs.back().lr == whole.epochs.back().lr);

    // A checkpoint saved without a scheduler cannot silently resume a run that has one.
    if (scheduler == "step") {
      auto plain = config(root / "plain", "none");
      fashion::train(plain, data, {}, {}, 1);
      auto mismatched = config(root / "plain", "step");
      mismatched.resume = (root / "plain" / "checkpoint.safetensors").string();
      CHECK_THROWS_WITH_AS(fashion::train(mismatched, data), doctest::Contains("holds no lr scheduler state"), xg::Error);
    }
  }

  // The best model is a plain state_dict with torch's names, loadable into a fresh model.
  auto model = fashion::build_model(config(root / "whole", "step"));
  const auto best = xg::nn::load((root / "whole" / "best.safetensors").string());
  CHECK(best.contains("0.weight"));
  model->load_state_dict(best);
  std::filesystem::remove_all(root);
}
