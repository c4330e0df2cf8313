#include "trainer.hpp"

#include "cnn_model.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>

#include <fmt/format.h>

namespace fashion {

namespace xg = xgrad;
namespace fs = std::filesystem;

namespace {

xg::Tensor flatten_images(const xg::Tensor& images) { return images.reshape({images.size(0), 28 * 28}); }

void add_activation(xg::nn::Sequential& net, const std::string& name) {
  if (name == "relu") net->push_back(xg::nn::ReLU());
  else if (name == "tanh") net->push_back(xg::nn::Tanh());
  else if (name == "sigmoid") net->push_back(xg::nn::Sigmoid());
  else if (name == "gelu") net->push_back(xg::nn::GELU());
  else if (name == "elu") net->push_back(xg::nn::ELU());
  else if (name == "leaky_relu") net->push_back(xg::nn::LeakyReLU());
  else throw xg::Error("fashion_mnist: unknown activation '" + name + "'");
}

std::unique_ptr<xg::optim::Optimizer> make_optimizer(const TrainConfig& c, std::vector<xg::Tensor> params) {
  namespace o = xg::optim;
  if (c.optimizer == "adam") return std::make_unique<o::Adam>(params, o::AdamOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  if (c.optimizer == "adamw") return std::make_unique<o::AdamW>(params, o::AdamWOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  if (c.optimizer == "sgd")
    return std::make_unique<o::SGD>(params, o::SGDOptions{.lr = c.lr, .momentum = c.momentum, .weight_decay = c.weight_decay});
  if (c.optimizer == "rmsprop")
    return std::make_unique<o::RMSprop>(params, o::RMSpropOptions{.lr = c.lr, .weight_decay = c.weight_decay, .momentum = c.momentum});
  if (c.optimizer == "adagrad") return std::make_unique<o::Adagrad>(params, o::AdagradOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  if (c.optimizer == "adadelta") return std::make_unique<o::Adadelta>(params, o::AdadeltaOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  throw xg::Error("fashion_mnist: unknown optimizer '" + c.optimizer + "'");
}

// Epoch-based schedulers step once per epoch; OneCycleLR steps once per batch.
struct Schedule {
  std::unique_ptr<xg::optim::LRScheduler> per_epoch, per_batch;
  std::unique_ptr<xg::optim::ReduceLROnPlateau> plateau;

  xg::StateDict state_dict() const {
    if (per_epoch) return per_epoch->state_dict();
    if (per_batch) return per_batch->state_dict();
    if (plateau) return plateau->state_dict();
    return {};
  }
  void load_state_dict(const xg::StateDict& state) {
    if (per_epoch) per_epoch->load_state_dict(state);
    if (per_batch) per_batch->load_state_dict(state);
    if (plateau) plateau->load_state_dict(state);
  }
};

Schedule make_schedule(const TrainConfig& c, xg::optim::Optimizer& opt, std::int64_t batches_per_epoch) {
  namespace o = xg::optim;
  Schedule s;
  if (c.scheduler == "step") s.per_epoch = std::make_unique<o::StepLR>(opt, std::max<std::int64_t>(1, c.epochs / 3), 0.3);
  else if (c.scheduler == "cosine") s.per_epoch = std::make_unique<o::CosineAnnealingLR>(opt, c.epochs);
  else if (c.scheduler == "onecycle")
    s.per_batch = std::make_unique<o::OneCycleLR>(opt, c.lr * 10, c.epochs * batches_per_epoch);
  else if (c.scheduler == "plateau") s.plateau = std::make_unique<o::ReduceLROnPlateau>(opt, "min", 0.3, 1);
  else if (c.scheduler != "none") throw xg::Error("fashion_mnist: unknown scheduler '" + c.scheduler + "'");
  return s;
}

struct Evaluation {
  double loss, accuracy;
};

Evaluation evaluate(xg::nn::Sequential& net, const xg::Tensor& images, const xg::Tensor& labels) {
  xg::NoGradGuard no_grad;
  net->eval();
  double loss_sum = 0;
  std::int64_t correct = 0;
  // Chunks of 256 keep each activation of the CNN near 25 MB: with 2000 images they were 200 MB,
  // fresh pages on every call, and evaluating val + test took 27 s against a 12 s training epoch.
  const std::int64_t n = images.size(0), chunk = 256;
  for (std::int64_t start = 0; start < n; start += chunk) {
    const std::int64_t len = std::min(chunk, n - start);
    const auto logits = net->forward(images.narrow(0, start, len));
    const auto target = labels.narrow(0, start, len);
    loss_sum += xg::nn::functional::cross_entropy(logits, target, {.reduction = "sum"}).item<double>();
    correct += xg::sum(xg::eq(xg::argmax(logits, 1), target)).item<std::int64_t>();
  }
  net->train();
  return {loss_sum / static_cast<double>(n), static_cast<double>(correct) / static_cast<double>(n)};
}

// Checkpoint = the model under "model.", the optimizer under "optimizer.", the lr scheduler under
// "scheduler.", the epoch in metadata.
void save_checkpoint(const fs::path& path, xg::nn::Sequential& net, const xg::optim::Optimizer& opt,
                     const Schedule& schedule, std::int64_t epoch, double best_val_accuracy) {
  xg::StateDict state;
  for (const auto& [name, t] : net->state_dict()) state.insert("model." + name, t);
  for (const auto& [name, t] : opt.state_dict()) state.insert("optimizer." + name, t);
  for (const auto& [name, t] : schedule.state_dict()) state.insert("scheduler." + name, t);
  xg::nn::save(state, path.string(),
               {{"epoch", std::to_string(epoch)}, {"best_val_accuracy", fmt::format("{:.17g}", best_val_accuracy)}});
}

struct Resumed {
  std::int64_t epoch = 0;
  double best_val_accuracy = 0;
};

Resumed load_checkpoint(const std::string& path, xg::nn::Sequential& net, xg::optim::Optimizer& opt,
                        Schedule& schedule) {
  const auto file = xg::nn::load_file(path);
  xg::StateDict model, optimizer, scheduler;
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind("model.", 0) == 0) model.insert(name.substr(6), t);
    else if (name.rfind("optimizer.", 0) == 0) optimizer.insert(name.substr(10), t);
    else if (name.rfind("scheduler.", 0) == 0) scheduler.insert(name.substr(10), t);
  }
  net->load_state_dict(model);
  opt.load_state_dict(optimizer);
  if (!schedule.state_dict().empty() && scheduler.empty())
    throw xg::Error("fashion_mnist: " + path + " holds no lr scheduler state; resume it with the --scheduler it was "
                    "saved with");
  if (!scheduler.empty()) schedule.load_state_dict(scheduler);
  const auto epoch = file.metadata.find("epoch"), best = file.metadata.find("best_val_accuracy");
  if (epoch == file.metadata.end() || best == file.metadata.end())
    throw xg::Error("fashion_mnist: " + path + " is not a training checkpoint (no epoch in its metadata)");
  return {std::stoll(epoch->second), std::stod(best->second)};
}

}  // namespace

xg::nn::Sequential build_model(const TrainConfig& config) {
  if (config.model == "cnn") return build_cnn(config.dropout > 0 ? config.dropout : 0.25);
  if (config.model != "mlp") throw xg::Error("fashion_mnist: --model must be mlp or cnn, got " + config.model);
  xg::nn::Sequential net;
  std::int64_t width = 28 * 28;
  for (std::int64_t hidden : config.hidden) {
    net->push_back(xg::nn::Linear(width, hidden));
    add_activation(net, config.activation);
    if (config.dropout > 0) net->push_back(xg::nn::Dropout(config.dropout));
    width = hidden;
  }
  net->push_back(xg::nn::Linear(width, 10));
  return net;
}

namespace {

// Mean and (unbiased) standard deviation of all values of a float32 tensor, in one pass.
std::pair<double, double> mean_std(const xg::Tensor& t) {
  const float* p = t.data_ptr<float>();
  double sum = 0, sum_sq = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) sum += p[i], sum_sq += static_cast<double>(p[i]) * p[i];
  const double n = static_cast<double>(t.numel()), mean = sum / n;
  return {mean, std::sqrt((sum_sq - n * mean * mean) / (n - 1))};
}

}  // namespace

Data load_data(const TrainConfig& config) {
  auto train = xg::data::load_fashion_mnist(config.data_dir, true);
  auto test = xg::data::load_fashion_mnist(config.data_dir, false);
  // Scale to [0, 1], then normalize with the training set's mean and std over all pixels; in place,
  // so the 188 MB of training images exist once.
  xg::NoGradGuard no_grad;
  Data d;
  d.train_images = flatten_images(train.images).mul_(1.0 / 255);
  d.test_images = flatten_images(test.images).mul_(1.0 / 255);
  const auto [mean, std] = mean_std(d.train_images);
  d.train_images.add_(-mean).mul_(1.0 / std);
  d.test_images.add_(-mean).mul_(1.0 / std);
  d.train_labels = train.labels;
  d.test_labels = test.labels;
  return d;
}

TrainResult train(const TrainConfig& config, const Data& data, const ProgressFn& progress, const EpochFn& on_epoch,
                  std::int64_t stop_after_epochs, DataParallel* parallel) {
  const std::int64_t ranks = parallel ? parallel->world_size() : 1;
  const bool lead = !parallel || parallel->rank() == 0;  // the rank that reports, evaluates and saves
  if (config.batch_size % ranks != 0)
    throw xg::Error(fmt::format("fashion_mnist: the global batch size {} cannot be split evenly over {} ranks",
                                config.batch_size, ranks));
  xg::manual_seed(config.seed);
  auto net = build_model(config);
  auto opt = make_optimizer(config, net->parameters());

  xg::Tensor images = data.train_images, labels = data.train_labels;
  if (config.limit_train > 0 && config.limit_train < images.size(0)) {
    images = images.narrow(0, 0, config.limit_train);
    labels = labels.narrow(0, 0, config.limit_train);
  }
  const auto split = xg::data::train_val_split(xg::data::TensorDataset(images, labels), config.val_fraction, config.seed);
  // Data-parallel: each rank batches its shard of the same shuffled order; the ranks' k-th batches
  // together are the single-process k-th batch.
  xg::data::DataLoader loader(split.train, {.batch_size = config.batch_size / ranks,
                                            .shuffle = parallel == nullptr,
                                            .seed = config.seed,
                                            .num_workers = config.workers,
                                            .sampler = parallel ? parallel->sampler(split.train.size(), config.seed)
                                                                : nullptr});
  std::vector<std::int64_t> val_positions(static_cast<std::size_t>(split.val.size()));
  std::iota(val_positions.begin(), val_positions.end(), 0);
  const auto val = split.val.get_batch(val_positions);  // the validation set as two tensors
  Schedule schedule = make_schedule(config, *opt, loader.size());

  Resumed resumed;
  if (!config.resume.empty()) {
    resumed = load_checkpoint(config.resume, net, *opt, schedule);
  }
  if (parallel) parallel->attach(*net);

  if (lead) fs::create_directories(config.out_dir);
  TrainResult result;
  result.best_val_accuracy = resumed.best_val_accuracy;
  // Early stopping on validation loss; at the stop, the best epoch's weights are put back.
  xg::optim::EarlyStopping stopper(config.patience > 0 ? config.patience : 1);
  for (std::int64_t epoch = resumed.epoch; epoch < config.epochs; ++epoch) {
    if (stop_after_epochs > 0 && epoch - resumed.epoch >= stop_after_epochs) break;
    // Dropout masks and the shuffle depend only on (seed, epoch), and on the rank for the masks: a
    // resumed run repeats them exactly.
    xg::manual_seed(config.seed * 1000003 + static_cast<std::uint64_t>(epoch) +
                    (parallel ? static_cast<std::uint64_t>(parallel->rank()) * 0x9e3779b97f4a7c15ULL : 0));
    loader.set_epoch(epoch);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::int64_t batches = 0, samples = 0;
    for (const auto& batch : loader) {
      opt->zero_grad();
      xg::Tensor logits;
      {
        xg::AutocastGuard autocast(xg::kBFloat16, config.bf16);
        logits = net->forward(batch.data);
      }
      auto loss = xg::nn::functional::cross_entropy(logits, batch.target);
      loss.backward();
      if (parallel) parallel->reduce_gradients();
      opt->step();
      if (schedule.per_batch) schedule.per_batch->step();
      const double value = loss.item<double>();
      result.batch_losses.push_back(value);
      loss_sum += value;
      ++batches;
      samples += batch.data.size(0) * ranks;  // every rank's batch has the same size
      if (progress && lead) {
        const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
        progress(batches, loader.size(), loss_sum / batches, samples / t.count());
      }
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const double lr = opt->lr();
    if (schedule.per_epoch) schedule.per_epoch->step();
    Evaluation v{0, 0}, t{0, 0};
    if (lead) {
      v = evaluate(net, val.data, val.target);
      t = evaluate(net, data.test_images, data.test_labels);
    }
    if (parallel) {
      const auto shared = parallel->from_rank0({v.loss, v.accuracy, t.loss, t.accuracy});
      v = {shared[0], shared[1]};
      t = {shared[2], shared[3]};
      loss_sum = parallel->sum(loss_sum) / static_cast<double>(ranks);  // per-rank batch means -> global
    }
    if (schedule.plateau) schedule.plateau->step(v.loss);
    const EpochRecord record{epoch + 1, loss_sum / std::max<std::int64_t>(batches, 1), v.loss, v.accuracy, t.accuracy,
                             elapsed.count(), samples / elapsed.count(), lr};
    result.epochs.push_back(record);
    result.final_test_accuracy = t.accuracy;
    if (v.accuracy > result.best_val_accuracy) {
      result.best_val_accuracy = v.accuracy;
      result.test_accuracy_at_best = t.accuracy;
      if (lead) xg::nn::save(net->state_dict(), (fs::path(config.out_dir) / "best.safetensors").string());
    }
    if (lead) {
      save_checkpoint(fs::path(config.out_dir) / "checkpoint.safetensors", net, *opt, schedule, epoch + 1,
                      result.best_val_accuracy);
      if (on_epoch) on_epoch(record);
    }
    if (config.patience > 0 && stopper.step(v.loss, net->state_dict())) {
      stopper.restore_best(net->state_dict());
      result.stopped_early = true;
      break;
    }
  }
  return result;
}

}  // namespace fashion
