// Fashion-MNIST (Zalando, 28x28 grey clothing images in 10 classes), as Debian's
// dataset-fashion-mnist package installs it.
#pragma once
#include <array>
#include <filesystem>
#include <string_view>

#include "xgrad/tensor.hpp"

namespace xgrad::data {

// Where `apt-get install dataset-fashion-mnist` puts the four .gz files.
inline constexpr std::string_view kFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

struct LabeledImages {
  Tensor images;  // [N, 28, 28] float32 in [0, 255]
  Tensor labels;  // [N] int64 in [0, 9]
};

// The training (60000) or test (10000) set from `folder`, which holds train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or with .gz.
// Throws xgrad::Error naming the paths tried when a file is missing, and when the images and labels
// disagree.
LabeledImages load_fashion_mnist(const std::filesystem::path& folder = kFashionMnistFolder, bool train = true);

// The class names in label order ("T-shirt/top", "Trouser", ...).
const std::array<std::string_view, 10>& fashion_mnist_classes();

}  // namespace xgrad::data
