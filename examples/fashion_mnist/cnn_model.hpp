// The trainer's convolutional network (--model cnn), laid out as the PyTorch module
//   nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
//                 nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
//                 nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
//                 nn.Dropout(p), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(p),
//                 nn.Linear(128, 10))
// so its checkpoints load there under the same names ("1.weight", "2.running_mean", ...).
#pragma once
#include <xgrad/xgrad.hpp>

namespace fashion {

xgrad::nn::Sequential build_cnn(double dropout);

}  // namespace fashion
