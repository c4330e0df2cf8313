// Everything a Fashion-MNIST training run is configured by (the command line fills it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fashion {

struct TrainConfig {
  std::string model = "mlp";                  // mlp, or cnn (cnn_model.hpp; ignores hidden and activation)
  std::vector<std::int64_t> hidden = {256};  // hidden layer widths: 784-256-10 by default
  std::string activation = "relu";            // relu, tanh, sigmoid, gelu, elu, leaky_relu
  double dropout = 0.0;
  std::string optimizer = "adam";             // adam, adamw, sgd, rmsprop, adagrad, adadelta
  double lr = 1e-3;
  double momentum = 0.9;                      // sgd and rmsprop
  double weight_decay = 0.0;
  std::string scheduler = "none";             // none, step, cosine, onecycle, plateau
  std::int64_t batch_size = 128;
  std::int64_t epochs = 10;
  std::int64_t patience = 0;                  // early stopping on validation loss; 0: off
  std::uint64_t seed = 0;
  double val_fraction = 1.0 / 12;             // 5000 of the 60000 training images
  std::int64_t workers = 1;                   // background threads preparing batches
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string out_dir = "fashion_mnist_out";  // best model, checkpoint, curves
  std::string resume;                         // a checkpoint to continue from
  std::int64_t limit_train = 0;               // use only this many training images (0: all)
  bool bf16 = false;                          // forward under AutocastGuard(kBFloat16)
  int threads = 0;                            // xg::set_num_threads; 0: the library's default
};

}  // namespace fashion
