// The real data set, when Debian's dataset-fashion-mnist is installed (skipped otherwise).
#include <doctest/doctest.h>

#include <filesystem>

#include <xgrad/xgrad.hpp>

namespace xd = xgrad::data;

namespace {

bool installed() {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(xd::kFashionMnistFolder) / "t10k-labels-idx1-ubyte.gz", ec);
}

// Each class's share: Fashion-MNIST is balanced (6000 per class in train, 1000 in test).
std::vector<std::int64_t> class_counts(const xg::Tensor& labels) {
  std::vector<std::int64_t> counts(10, 0);
  const std::int64_t* p = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) ++counts.at(static_cast<std::size_t>(p[i]));
  return counts;
}

}  // namespace

TEST_CASE("Fashion-MNIST from the Debian package: shapes, pixel and label ranges, balanced classes" *
          doctest::skip(!installed())) {
  for (const bool train : {true, false}) {
    CAPTURE(train);
    const auto set = xd::load_fashion_mnist(xd::kFashionMnistFolder, train);
    const std::int64_t n = train ? 60000 : 10000;
    CHECK(set.images.shape() == xg::Shape{n, 28, 28});
    CHECK(set.images.dtype() == xg::kFloat32);
    CHECK(set.labels.shape() == xg::Shape{n});
    CHECK(set.labels.dtype() == xg::kInt64);
    CHECK(xg::min(set.images).item<double>() == 0.0);
    CHECK(xg::max(set.images).item<double>() == 255.0);
    CHECK(class_counts(set.labels) == std::vector<std::int64_t>(10, n / 10));  // also: every label in 0..9
  }
  CHECK(xd::fashion_mnist_classes()[9] == "Ankle boot");
}

TEST_CASE("load_fashion_mnist: a folder without the files names the paths it tried") {
  const auto folder = std::filesystem::temp_directory_path() / "xgrad-no-such-folder";
  try {
    xd::load_fashion_mnist(folder, false);
    FAIL("no exception");
  } catch (const xg::Error& e) {
    const std::string message = e.what();
    CHECK_MESSAGE(message.find("t10k-images-idx3-ubyte.gz") != std::string::npos, message);
    CHECK_MESSAGE(message.find("dataset-fashion-mnist") != std::string::npos, message);
  }
}
