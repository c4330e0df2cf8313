// Fashion-MNIST trainer: an MLP trained with xgrad from the command line. Shows progress, reports
// train loss and validation/test accuracy per epoch, keeps the best model as safetensors, can
// resume from its checkpoint, and writes the curves as CSV and PNG. With --distributed, under
// mpirun -np N, it trains data-parallel on N processes (rank 0 prints and writes).
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "curves.hpp"
#include "progress.hpp"
#include "trainer.hpp"

int main(int argc, char** argv) {
  fashion::TrainConfig c;
  CLI::App app{"Train an MLP on Fashion-MNIST with xgrad"};
  app.add_option("--model", c.model, "mlp, or cnn: two 3x3 convolutions (32, 64) with batch-norm, ReLU, 2x2 max-pool, then dropout (--dropout, 0.25 if unset) and linear 3136-128-10")->capture_default_str();
  app.add_option("--hidden", c.hidden, "hidden layer widths, e.g. --hidden 512 256")->capture_default_str();
  app.add_option("--activation", c.activation, "relu, tanh, sigmoid, gelu, elu, leaky_relu")->capture_default_str();
  app.add_option("--dropout", c.dropout, "dropout probability after each hidden layer")->capture_default_str();
  app.add_option("--optimizer", c.optimizer, "adam, adamw, sgd, rmsprop, adagrad, adadelta")->capture_default_str();
  app.add_option("--lr", c.lr, "learning rate")->capture_default_str();
  app.add_option("--momentum", c.momentum, "momentum (sgd, rmsprop)")->capture_default_str();
  app.add_option("--weight-decay", c.weight_decay, "L2 weight decay")->capture_default_str();
  app.add_option("--scheduler", c.scheduler, "none, step, cosine, onecycle, plateau")->capture_default_str();
  app.add_option("--batch-size", c.batch_size)->capture_default_str();
  app.add_option("--epochs", c.epochs)->capture_default_str();
  app.add_option("--patience", c.patience, "early stopping patience in epochs (0: off)")->capture_default_str();
  app.add_option("--seed", c.seed)->capture_default_str();
  app.add_option("--workers", c.workers, "background threads preparing batches")->capture_default_str();
  app.add_option("--data", c.data_dir, "folder with the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", c.out_dir, "folder for best.safetensors, checkpoint.safetensors, curves")->capture_default_str();
  app.add_option("--resume", c.resume, "continue from a checkpoint.safetensors");
  app.add_option("--limit-train", c.limit_train, "use only the first N training images (0: all)");
  app.add_flag("--bf16", c.bf16,
               "mixed precision: matrix products in bfloat16 with float32 accumulation (AutocastGuard); "
               "parameters, gradients and optimizer state stay float32");
  app.add_option("--threads", c.threads, "threads for the kernels and matrix products (0: all cores)");
  bool distributed = false;
  app.add_flag("--distributed", distributed,
               "data-parallel over MPI: run as mpirun -np N fashion_mnist --distributed; --batch-size stays the "
               "global batch (each rank takes batch-size / N), so --lr means the same as in one process");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<fashion::DataParallel> parallel;  // MPI runs while this lives
  try {
    if (distributed) parallel = fashion::start_mpi_data_parallel();
    if (c.threads > 0) xg::set_num_threads(c.threads);
    const bool lead = !parallel || parallel->rank() == 0;
    const fashion::Data data = fashion::load_data(c);
    if (lead) {
      fmt::print("model: {}\n", fmt::streamed(*fashion::build_model(c)));
      fmt::print("optimizer {} lr {} | batch {} | epochs {} | scheduler {} | train+val {} images, test {}\n",
                 c.optimizer, c.lr, c.batch_size, c.epochs, c.scheduler, data.train_images.size(0),
                 data.test_images.size(0));
      if (parallel)
        fmt::print("data-parallel: {} ranks, {} samples per rank per step\n", parallel->world_size(),
                   c.batch_size / parallel->world_size());
    }
    fashion::Progress progress;
    std::int64_t current_epoch = 0;
    const auto result = fashion::train(
        c, data,
        [&](std::int64_t done, std::int64_t total, double loss, double rate) {
          progress.batch(current_epoch + 1, done, total, loss, rate);
        },
        [&](const fashion::EpochRecord& r) {
          progress.epoch(r);
          current_epoch = r.epoch;
        },
        0, parallel.get());
    if (parallel && lead) fmt::print("{}\n", parallel->summary());
    if (!lead) return 0;
    const auto out = std::filesystem::path(c.out_dir);
    const std::string csv = (out / "curves.csv").string(), png = (out / "curves.png").string();
    fashion::write_curves_csv(result.epochs, csv);
    const bool plotted = fashion::plot_curves(csv, png);
    fmt::print("{}best validation accuracy {:.4f} (test accuracy of that model {:.4f}), final test accuracy {:.4f}\n",
               result.stopped_early ? "stopped early; " : "", result.best_val_accuracy, result.test_accuracy_at_best,
               result.final_test_accuracy);
    fmt::print("best model: {} | checkpoint: {} | curves: {}{}\n", (out / "best.safetensors").string(),
               (out / "checkpoint.safetensors").string(), csv, plotted ? " and " + png : " (no gnuplot: no PNG)");
  } catch (const std::exception& e) {
    if (parallel && parallel->world_size() > 1) {
      fmt::print(stderr, "rank {}: error: {}\n", parallel->rank(), e.what());
      parallel->abort_all(1);  // the other ranks may be waiting for this one
    }
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
