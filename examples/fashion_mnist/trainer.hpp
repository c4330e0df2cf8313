// A Fashion-MNIST training run: an MLP, an optimizer, a scheduler, per-epoch validation and test
// accuracy, the best model saved as safetensors, and a checkpoint (model, optimizer, epoch) to resume.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "data_parallel.hpp"
#include "train_config.hpp"

namespace fashion {

struct EpochRecord {
  std::int64_t epoch;  // 1-based
  double train_loss;
  double val_loss;
  double val_accuracy;
  double test_accuracy;
  double seconds;       // training time of the epoch (without evaluation)
  double samples_per_second;
  double lr;
};

struct TrainResult {
  std::vector<EpochRecord> epochs;  // this run's epochs (a resumed run starts after the checkpoint's)
  std::vector<double> batch_losses;  // every training batch's loss, in order
  double best_val_accuracy = 0;
  double test_accuracy_at_best = 0;  // test accuracy of the model saved as best.safetensors
  double final_test_accuracy = 0;
  bool stopped_early = false;
};

struct Data {
  xgrad::Tensor train_images, train_labels;  // [N, 784] float32 normalized, [N] int64
  xgrad::Tensor test_images, test_labels;
};

// Reads the IDX files from config.data_dir, scales to [0, 1] and normalizes with the training mean/std.
Data load_data(const TrainConfig& config);

// Called after every batch: (batch index, batches in the epoch, running loss, samples/s).
using ProgressFn = std::function<void(std::int64_t, std::int64_t, double, double)>;
// Called after every epoch with its record.
using EpochFn = std::function<void(const EpochRecord&)>;

// Trains from scratch or from config.resume; writes <out_dir>/best.safetensors (the model with the
// best validation accuracy, torch's parameter names) and <out_dir>/checkpoint.safetensors after
// every epoch. Stops after `stop_after_epochs` epochs of this run when it is > 0 (to test resuming).
//
// With `parallel`, one rank of a data-parallel run: config.batch_size is the global batch, split
// evenly over the ranks (it must be divisible by their number), so the learning rate means what it
// means for one process with that batch. Each rank trains on its shard of every epoch, gradients
// are averaged after backward(), and the replicas stay identical. Rank 0 alone calls `progress` and
// `on_epoch`, evaluates and writes files; the others receive its validation loss (for the
// schedulers and early stopping). Records report the global train loss and samples/s. Dropout
// masks differ per rank (rank 0 keeps the single-process ones). A resumed run loads the checkpoint
// on every rank. Without `parallel`, nothing changes.
TrainResult train(const TrainConfig& config, const Data& data, const ProgressFn& progress = {},
                  const EpochFn& on_epoch = {}, std::int64_t stop_after_epochs = 0, DataParallel* parallel = nullptr);

// The model train() builds: Linear/activation/dropout blocks as an nn::Sequential.
xgrad::nn::Sequential build_model(const TrainConfig& config);

}  // namespace fashion
