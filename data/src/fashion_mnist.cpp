#include "xgrad/data/fashion_mnist.hpp"

#include <fmt/format.h>

#include "xgrad/data/idx.hpp"
#include "xgrad/error.hpp"
#include "xgrad/reduce.hpp"

namespace xgrad::data {

namespace {

// The file as named, or with .gz (Debian ships the compressed ones).
std::filesystem::path find_file(const std::filesystem::path& folder, const std::string& name) {
  const std::filesystem::path plain = folder / name, gz = folder / (name + ".gz");
  std::error_code ec;
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  throw Error(fmt::format("load_fashion_mnist: neither '{}' nor '{}' exists (on Debian: apt-get install "
                          "dataset-fashion-mnist)",
                          plain.string(), gz.string()));
}

}  // namespace

LabeledImages load_fashion_mnist(const std::filesystem::path& folder, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  const auto image_path = find_file(folder, prefix + "-images-idx3-ubyte");
  const auto label_path = find_file(folder, prefix + "-labels-idx1-ubyte");
  LabeledImages set{read_idx(image_path), read_idx(label_path)};
  const Shape& s = set.images.shape();
  if (set.images.dim() != 3 || s[1] != 28 || s[2] != 28)
    throw Error(fmt::format("load_fashion_mnist: '{}' holds images of shape {}, expected [N, 28, 28]",
                            image_path.string(), shape_str(s)));
  if (set.labels.dim() != 1 || set.labels.size(0) != s[0])
    throw Error(fmt::format("load_fashion_mnist: '{}' holds {} images but '{}' holds labels of shape {}",
                            image_path.string(), s[0], label_path.string(), shape_str(set.labels.shape())));
  if (set.labels.numel() > 0 && (min(set.labels).item<std::int64_t>() < 0 || max(set.labels).item<std::int64_t>() > 9))
    throw Error(fmt::format("load_fashion_mnist: '{}' holds labels outside 0..9", label_path.string()));
  return set;
}

const std::array<std::string_view, 10>& fashion_mnist_classes() {
  static const std::array<std::string_view, 10> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace xgrad::data
