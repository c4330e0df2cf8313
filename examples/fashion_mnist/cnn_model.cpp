#include "cnn_model.hpp"

namespace fashion {

namespace nn = xgrad::nn;

xgrad::nn::Sequential build_cnn(double dropout) {
  nn::Sequential net;
  net->push_back(nn::Unflatten(1, xgrad::Shape{1, 28, 28}));  // the trainer feeds flat 784-pixel rows
  for (auto [in, out] : {std::pair<std::int64_t, std::int64_t>{1, 32}, {32, 64}}) {
    net->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
    net->push_back(nn::BatchNorm2d(out));
    net->push_back(nn::ReLU());
    net->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
  }
  net->push_back(nn::Dropout(dropout));
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(64 * 7 * 7, 128));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(dropout));
  net->push_back(nn::Linear(128, 10));
  return net;
}

}  // namespace fashion
