// Bad input: each misuse throws xgrad::Error whose message names the op and the operands.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>

#include <xgrad/xgrad.hpp>

#include "data_test_files.hpp"

namespace {

struct Misuse {
  const char* what;
  std::function<void()> action;
  std::vector<std::string> message_parts;  // each must appear in the message
};

void expect_error(const Misuse& m) {
  CAPTURE(m.what);
  try {
    m.action();
    FAIL_CHECK("no exception for: " << m.what);
  } catch (const xg::Error& e) {
    const std::string message = e.what();
    for (const auto& part : m.message_parts)
      CHECK_MESSAGE(message.find(part) != std::string::npos, "'" << part << "' missing from: " << message);
  }
}

xg::Tensor z(xg::Shape s) { return xg::zeros(s); }
xg::Tensor idx(std::vector<std::int64_t> v) { return xg::tensor(v, {static_cast<std::int64_t>(v.size())}, xg::kInt64); }

}  // namespace

TEST_CASE("bad inputs get clear errors") {
  const std::vector<Misuse> table = {
      {"matmul shapes", [] { xg::matmul(z({128, 784}), z({256, 10})); },
       {"matmul", "[128, 784]", "[256, 10]", "784 != 256"}},
      {"add [3] to [4]", [] { z({3}) + z({4}); }, {"add", "[3]", "[4]"}},
      {"sub broadcast", [] { z({2, 3}) - z({4, 3}); }, {"sub", "[2, 3]", "[4, 3]"}},
      {"mul broadcast", [] { z({2, 3}) * z({2}); }, {"mul", "[2, 3]", "[2]"}},
      {"div broadcast", [] { z({5}) / z({2}); }, {"div", "[5]", "[2]"}},
      {"maximum broadcast", [] { xg::maximum(z({5}), z({2})); }, {"maximum", "[5]", "[2]"}},
      {"where broadcast", [] { xg::where(xg::gt(z({3}), 0.0), z({3}), z({2})); }, {"where", "[2]"}},
      {"compare broadcast", [] { xg::gt(z({3}), z({2})); }, {"gt", "[3]", "[2]"}},
      {"mm not 2-D", [] { xg::mm(z({3}), z({3, 2})); }, {"mm", "[3]"}},
      {"bmm batch", [] { xg::bmm(z({2, 3, 4}), z({3, 4, 5})); }, {"bmm", "[2, 3, 4]", "[3, 4, 5]"}},
      // int64 products work (as torch); bool ones are refused (as torch)
      {"matmul bool", [] { xg::matmul(xg::ones({2, 2}, xg::kBool), xg::ones({2, 2}, xg::kBool)); }, {"matmul", "bool"}},
      {"matmul 0-d", [] { xg::matmul(z({}), z({2})); }, {"matmul", "[]"}},
      {"linear in_features", [] { xg::linear(z({4, 3}), z({2, 5})); }, {"linear", "[4, 3]", "[2, 5]"}},
      {"reshape size", [] { z({3, 4}).reshape({5, -1}); }, {"reshape", "[5, -1]", "[3, 4]"}},
      {"reshape two -1", [] { z({3, 4}).reshape({-1, -1}); }, {"reshape", "-1"}},
      {"view size", [] { z({3, 4}).view({7}); }, {"view", "[7]"}},
      {"sum bad dim", [] { xg::sum(z({2, 3}), {2}); }, {"sum", "dimension 2"}},
      {"sum repeated dim", [] { xg::sum(z({2, 3}), {1, -1}); }, {"sum", "twice"}},
      {"mean int", [] { xg::mean(xg::ones({2}, xg::kInt64)); }, {"mean", "int64"}},
      {"max bad dim", [] { xg::max(z({2, 3}), 5); }, {"max", "5"}},
      {"max empty", [] { xg::max(z({0})); }, {"max", "[0]"}},
      {"softmax bad dim", [] { xg::softmax(z({2, 3}), 2); }, {"softmax", "2"}},
      {"permute length", [] { xg::permute(z({2, 3}), {0}); }, {"permute", "[2, 3]"}},
      {"permute repeat", [] { xg::permute(z({2, 3}), {0, 0}); }, {"permute", "repeated"}},
      {"transpose dim", [] { xg::transpose(z({2, 3}), 0, 3); }, {"transpose", "3"}},
      {"expand", [] { xg::expand(z({3}), {4}); }, {"expand", "[3]", "[4]"}},
      {"cat shapes", [] { xg::cat({z({2, 3}), z({3, 3})}, 1); }, {"cat", "[3, 3]", "[2, 3]"}},
      {"cat empty", [] { xg::cat({}); }, {"cat"}},
      {"stack shapes", [] { xg::stack({z({2}), z({3})}); }, {"stack", "[3]", "[2]"}},
      {"narrow range", [] { xg::narrow(z({3, 4}), 1, 2, 3); }, {"narrow", "[2, 5)", "size 4"}},
      {"index_select range", [] { xg::index_select(z({3, 4}), 0, idx({0, 3})); }, {"index_select", "index 3", "size 3"}},
      {"index_select negative", [] { xg::index_select(z({3}), 0, idx({-1})); }, {"index_select", "-1"}},
      {"index_select float index", [] { xg::index_select(z({3}), 0, z({1})); }, {"index_select", "int64", "float32"}},
      {"gather range", [] { xg::gather(z({2, 3}), 1, xg::tensor({5}, {1, 1}, xg::kInt64)); }, {"gather", "index 5", "size 3"}},
      {"gather shape", [] { xg::gather(z({2, 3}), 1, xg::zeros({3, 1}, xg::kInt64)); }, {"gather", "[3, 1]", "[2, 3]"}},
      {"scatter_add src smaller than the index", [] { xg::scatter_add(z({2, 3}), 1, xg::zeros({2, 2}, xg::kInt64), z({2, 1})); }, {"scatter_add", "[2, 1]", "[2, 2]"}},
      {"one_hot range", [] { xg::one_hot(idx({0, 4}), 3); }, {"one_hot", "index 4"}},
      // issue 15's edge table: where torch has no kernel or no promotion, the same refusal, named
      {"matmul mixed dtypes", [] { xg::matmul(z({2, 3}), xg::zeros({3, 2}, xg::kFloat64)); }, {"matmul", "float32", "float64", "[3, 2]"}},
      {"index_add mixed dtypes", [] { xg::index_add(z({3}), 0, idx({0}), xg::zeros({1}, xg::kFloat64)); }, {"index_add", "float64", "float32"}},
      {"sub with a bool tensor", [] { (xg::zeros({2}, xg::kBool) - 1.0); }, {"sub", "bool", "[2]"}},
      {"softmax of int64", [] { xg::softmax(idx({1, 2}), 0); }, {"softmax", "int64", "[2]"}},
      {"argmax of bool", [] { xg::argmax(xg::zeros({3}, xg::kBool)); }, {"argmax", "bool", "[3]"}},
      {"elu of int64", [] { xg::elu(idx({1, 2}), 1.0); }, {"elu", "int64", "[2]"}},
      {"pow bool to bool", [] { xg::pow(xg::zeros({2}, xg::kBool), xg::zeros({2}, xg::kBool)); }, {"pow", "bool", "[2]"}},
      {"tensor values", [] { xg::tensor({1.0, 2.0, 3.0}, {2, 2}); }, {"tensor", "3 values", "[2, 2]"}},
      {"negative shape", [] { xg::zeros({2, -1}); }, {"negative", "[2, -1]"}},
      {"arange step", [] { xg::arange(0, 1, 0); }, {"arange"}},
      {"item of many", [] { z({3}).item<float>(); }, {"item", "[3]"}},
      {"data_ptr dtype", [] { z({3}).data_ptr<double>(); }, {"data_ptr", "float32", "float64"}},
      {"int requires grad", [] { xg::ones({3}, xg::kInt64).requires_grad_(); }, {"requires_grad_", "int64", "[3]"}},
      {"copy_ broadcast", [] { z({3}).copy_(z({4})); }, {"copy_", "[4]", "[3]"}},
      {"in-place on grad leaf", [] { xg::ones({2}, xg::kFloat32, true).mul_(2.0); }, {"mul_", "requires grad", "NoGradGuard"}},
      {"backward twice", [] {
         auto x = xg::ones({2}, xg::kFloat32, true);
         auto y = (x * x).sum();
         y.backward();
         y.backward();
       }, {"SumBackward", "second time", "retain_graph=true"}},
      {"backward non-scalar", [] { (xg::ones({3}, xg::kFloat32, true) * 2.0).backward(); }, {"backward", "[3]"}},
      {"backward wrong gradient shape", [] { (xg::ones({3}, xg::kFloat32, true) * 2.0).backward(xg::ones({4})); },
       {"backward", "[4]", "[3]"}},
      {"backward without grad", [] { xg::ones({1}).backward(); }, {"backward", "does not require grad"}},
      {"saved tensor changed in place", [] {
         auto x = xg::ones({2}, xg::kFloat32, true);
         auto w = xg::ones({2});
         auto y = (x * w).sum();
         w.add_(1.0);
         y.backward();
       }, {"MulBackward", "in-place", "version 0", "version 1"}},
      {"grad of unused input", [] {
         auto x = xg::ones({1}, xg::kFloat32, true), u = xg::ones({1}, xg::kFloat32, true);
         xg::autograd::grad({(x * 2.0).sum()}, {u});
       }, {"autograd::grad", "allow_unused"}},
      {"grad wrt non-grad input", [] { xg::autograd::grad({xg::ones({1}, xg::kFloat32, true).sum()}, {xg::ones({1})}); },
       {"autograd::grad", "does not require grad"}},
      {"hook on non-grad tensor", [] { xg::ones({1}).register_hook([](const xg::Tensor& g) { return g; }); }, {"register_hook"}},
      {"where condition dtype", [] { xg::where(z({2}), z({2}), z({2})); }, {"where", "bool", "float32"}},
      {"state_dict missing key", [] { xg::StateDict().at("fc1.weight"); }, {"fc1.weight"}},
      {"anomaly NaN", [] {
         xg::autograd::DetectAnomalyGuard anomaly;
         auto x = xg::zeros({1}, xg::kFloat32, true);
         (xg::log(x) * 0.0).sum().backward();
       }, {"LogBackward", "NaN"}},
  };
  CHECK(table.size() >= 55);
  MESSAGE("tensor and autograd misuse rows: " << table.size());
  for (const auto& misuse : table) expect_error(misuse);
}

namespace {

// The temporary folder of the file rows, with a shorthand that writes a file and returns its path.
struct ScratchDir {
  data_test::TempDir dir;
  const std::filesystem::path& path = dir.path();
  std::string file(const std::string& name, const std::string& bytes) const {
    data_test::write_text(dir / name, bytes);
    return (dir / name).string();
  }
};

std::string u64_le(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}
// A safetensors file with the given JSON header and data bytes.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}
std::string idx_bytes(unsigned char type, std::initializer_list<std::uint32_t> sizes, const std::string& data) {
  std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(sizes.size())};
  for (std::uint32_t d : sizes)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>(d >> (8 * k)));
  return s + data;
}

xg::nn::Sequential small_model() { return xg::nn::Sequential(xg::nn::Linear(4, 3), xg::nn::ReLU(), xg::nn::Linear(3, 2)); }

}  // namespace

TEST_CASE("bad files, checkpoints, models, losses, optimizers and data get clear errors") {
  namespace F = xg::nn::functional;
  namespace xd = xg::data;
  const ScratchDir dir;
  const std::string f32x2 = std::string(8, '\0');
  const std::string st_one = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<Misuse> table = {
      // Losses and labels.
      {"cross_entropy label past the classes", [] { F::cross_entropy(z({2, 3}), idx({0, 3})); },
       {"cross_entropy", "target 3", "3 classes", "[2, 3]"}},
      {"cross_entropy negative label", [] { F::cross_entropy(z({2, 3}), idx({-5, 0})); }, {"cross_entropy", "-5"}},
      {"cross_entropy batch mismatch", [] { F::cross_entropy(z({2, 3}), idx({0, 1, 2})); },
       {"cross_entropy", "[2, 3]", "[3]"}},
      {"nll_loss label past the classes", [] { F::nll_loss(z({2, 3}), idx({7, 0})); }, {"nll_loss", "7"}},
      {"mse_loss shapes", [] { F::mse_loss(z({2, 3}), z({3, 2})); }, {"mse_loss", "[2, 3]", "[3, 2]"}},
      {"bce input outside [0, 1]", [] { F::binary_cross_entropy(xg::full({2}, 1.5), z({2})); },
       {"binary_cross_entropy", "1.5"}},
      {"bce_with_logits shapes", [] { F::binary_cross_entropy_with_logits(z({4}), z({2})); },
       {"binary_cross_entropy_with_logits", "[4]", "[2]"}},
      {"one_hot negative", [] { xg::one_hot(idx({-1}), 3); }, {"one_hot", "-1"}},
      // Modules and checkpoints.
      {"Linear in_features", [] { xg::nn::Linear(4, 2)(z({3, 5})); }, {"[3, 5]", "4"}},
      {"load_state_dict missing key", [] {
         auto net = small_model();
         auto state = net->state_dict();
         xg::StateDict partial;
         for (const auto& [name, t] : state)
           if (name != "2.bias") partial.insert(name, t);
         net->load_state_dict(partial);
       }, {"load_state_dict", "missing", "2.bias"}},
      {"load_state_dict wrong shape", [] {
         auto net = small_model();
         auto state = net->state_dict();
         state.insert("0.weight", z({3, 5}));
         net->load_state_dict(state);
       }, {"load_state_dict", "0.weight", "[3, 5]", "[3, 4]"}},
      {"load_state_dict unexpected key", [] {
         auto net = small_model();
         auto state = net->state_dict();
         state.insert("3.weight", z({1}));
         net->load_state_dict(state);
       }, {"load_state_dict", "unexpected", "3.weight"}},
      {"register_parameter dotted name", [] {
         xg::nn::Module m;
         m.register_parameter("a.b", z({1}));
       }, {"register_parameter", "a.b"}},
      {"Dropout p above 1", [] { xg::nn::Dropout(1.5); }, {"Dropout", "1.5"}},
      {"Sequential index", [] { small_model()[7]; }, {"Sequential", "7"}},
      // Optimizers and schedulers.
      {"optimizer over a tensor without grad", [] { xg::optim::SGD({z({3})}, {.lr = 0.1}); }, {"SGD", "require"}},
      {"optimizer over nothing", [] { xg::optim::Adam(std::vector<xg::Tensor>{}); }, {"Adam", "empty"}},
      {"negative learning rate", [] { xg::optim::Adam({xg::ones({1}, xg::kFloat32, true)}, {.lr = -1}); },
       {"Adam", "learning rate", "-1"}},
      {"beta out of range", [] {
         xg::optim::Adam({xg::ones({1}, xg::kFloat32, true)}, {.betas = {1.5, 0.999}});
       }, {"Adam", "1.5"}},
      {"optimizer state of another shape", [] {
         auto w = xg::ones({3}, xg::kFloat32, true);
         xg::optim::Adam opt({w});
         (w * w).sum().backward();
         opt.step();
         auto state = opt.state_dict();
         auto v = xg::ones({5}, xg::kFloat32, true);
         xg::optim::Adam other({v});
         other.load_state_dict(state);
       }, {"load_state_dict", "[3]", "[5]"}},
      {"StepLR step_size 0", [] {
         xg::optim::SGD opt({xg::ones({1}, xg::kFloat32, true)}, {.lr = 0.1});
         xg::optim::StepLR(opt, 0);
       }, {"StepLR", "step_size", "0"}},
      {"EarlyStopping mode", [] { xg::optim::EarlyStopping(3, 0.0, "maximum"); }, {"EarlyStopping", "maximum"}},
      // Datasets and loaders.
      {"TensorDataset lengths", [] { xd::TensorDataset(z({4, 2}), idx({0, 1, 2})); }, {"TensorDataset", "4", "3"}},
      {"DataLoader batch_size 0", [] { xd::DataLoader(xd::TensorDataset(z({4, 2})), {.batch_size = 0}); },
       {"DataLoader", "batch_size", "0"}},
      {"random_split lengths", [] { xd::random_split(xd::TensorDataset(z({4, 2})), {1, 2}); },
       {"random_split", "3", "4"}},
      // IDX files.
      {"read_idx missing file", [&] { xd::read_idx(dir.path / "nope.idx"); }, {"read_idx", "nope.idx"}},
      {"read_idx a folder", [&] { xd::read_idx(dir.path); }, {"read_idx", "directory"}},
      {"read_idx wrong magic", [&] { xd::read_idx(dir.file("magic.idx", "\x01\x02\x08\x01....")); },
       {"read_idx", "magic.idx", "magic", "byte offset 0"}},
      {"read_idx truncated data", [&] { xd::read_idx(dir.file("short.idx", idx_bytes(0x08, {10}, "abc"))); },
       {"read_idx", "short.idx", "truncated", "need 10 bytes", "has 3"}},
      {"read_idx trailing bytes", [&] { xd::read_idx(dir.file("long.idx", idx_bytes(0x08, {2}, "abc"))); },
       {"read_idx", "long.idx", "1 trailing", "byte offset 10"}},
      {"read_idx huge sizes", [&] {
         xd::read_idx(dir.file("huge.idx", idx_bytes(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "x")));
       }, {"read_idx", "huge.idx", "truncated", "more than 2^64"}},
      {"read_idx corrupt gzip", [&] { xd::read_idx(dir.file("bad.gz", "\x1f\x8b\x08\x00garbage-garbage-garbage")); },
       {"read_idx", "bad.gz", "gzip", "offset"}},
      {"read_idx float to int64 overflow", [&] {
         const std::string big("\x7f\x80\x00\x00", 4);  // float32 +inf, big-endian
         xd::read_idx(dir.file("inf.idx", idx_bytes(0x0D, {1}, big)), xg::kInt64);
       }, {"read_idx", "inf.idx", "int64", "byte offset 8"}},
      // CSV files.
      {"read_csv missing file", [&] { xd::read_csv(dir.path / "nope.csv"); }, {"read_csv", "nope.csv"}},
      {"read_csv not a number", [&] { xd::read_csv(dir.file("nan.csv", "a,b,label\n1,x2,0\n")); },
       {"read_csv", "nan.csv", "line 2", "column 2", "'x2'"}},
      {"read_csv ragged row", [&] { xd::read_csv(dir.file("ragged.csv", "a,b,label\n1,2,0\n1,2\n")); },
       {"read_csv", "ragged.csv", "line 3", "2 fields"}},
      {"read_csv empty", [&] { xd::read_csv(dir.file("empty.csv", "")); }, {"read_csv", "empty.csv", "empty"}},
      {"read_csv label not integer", [&] { xd::read_csv(dir.file("label.csv", "a,label\n1,0.5\n")); },
       {"read_csv", "label.csv", "line 2", "integer"}},
      {"read_csv unclosed quote", [&] { xd::read_csv(dir.file("quote.csv", "a,label\n\"1,0\n")); },
       {"read_csv", "quote.csv", "line 2", "quote"}},
      {"read_csv label name", [&] {
         xd::read_csv(dir.file("named.csv", "a,b\n1,2\n"), {.label_name = "class"});
       }, {"read_csv", "named.csv", "'class'", "'a', 'b'"}},
      // safetensors files.
      {"load missing file", [&] { xg::nn::load((dir.path / "nope.safetensors").string()); },
       {"nn::load", "nope.safetensors"}},
      {"load shorter than 8 bytes", [&] { xg::nn::load(dir.file("tiny.st", "abc")); }, {"nn::load", "tiny.st", "3 bytes"}},
      {"load header length past the end", [&] { xg::nn::load(dir.file("len.st", u64_le(1000) + "{}")); },
       {"nn::load", "len.st", "1000", "byte 0"}},
      {"load invalid JSON", [&] { xg::nn::load(dir.file("json.st", safetensors_bytes("{\"w\": [1,}", ""))); },
       {"nn::load", "json.st", "invalid at byte"}},
      {"load number overflow in the header (fuzz finding)", [&] {
         xg::nn::load(dir.file("overflow.st", safetensors_bytes("{\"w\": 1e999}", "")));
       }, {"nn::load", "overflow.st", "bytes 8 to 20"}},
      {"load unknown dtype", [&] {
         xg::nn::load(dir.file("dtype.st", safetensors_bytes(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", f32x2)));
       }, {"nn::load", "dtype.st", "'w'", "Q7"}},
      {"load shape and byte count disagree", [&] {
         xg::nn::load(dir.file("count.st", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32x2)));
       }, {"nn::load", "count.st", "'w'", "needs 12 bytes"}},
      {"load offsets past the end", [&] {
         xg::nn::load(dir.file("past.st", safetensors_bytes(st_one, "1234")));
       }, {"nn::load", "past.st", "'w'", "past the end"}},
      {"load overlapping tensors", [&] {
         xg::nn::load(dir.file("overlap.st", safetensors_bytes(
             R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
             f32x2)));
       }, {"nn::load", "overlap.st", "overlaps"}},
      {"load trailing bytes", [&] { xg::nn::load(dir.file("tail.st", safetensors_bytes(st_one, f32x2 + "zz"))); },
       {"nn::load", "tail.st", "2 bytes after the last tensor"}},
      {"load bool that is not 0 or 1", [&] {
         xg::nn::load(dir.file("bool.st", safetensors_bytes(R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", "\x01\x07")));
       }, {"nn::load", "bool.st", "'m'", "value 7"}},
      {"save into a missing folder", [&] {
         xg::StateDict s;
         s.insert("w", z({2}));
         xg::nn::save(s, (dir.path / "no" / "such" / "x.safetensors").string());
       }, {"nn::save", "x.safetensors"}},
      {"shape too large to count (fuzz finding)", [] { xg::zeros({1LL << 40, 1LL << 40}); },
       {"[1099511627776, 1099511627776]", "int64"}},
  };
  CHECK(table.size() >= 50);
  MESSAGE("file, checkpoint, model, loss, optimizer and data rows: " << table.size());
  for (const auto& misuse : table) expect_error(misuse);
}

TEST_CASE("regressions from fuzzing: what used to escape as another exception or undefined behaviour") {
  const ScratchDir dir;
  // An IDX file may declare sizes whose product overflows int64 when one of them is 0: an empty tensor.
  const std::string zero_dim = idx_bytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0}, "");
  const auto t = xg::data::read_idx(dir.file("zero.idx", zero_dim));
  CHECK(t.numel() == 0);
  CHECK(xg::shape_str(t.shape()) == "[4294967295, 4294967295, 4294967295, 0]");
  CHECK(xg::shape_numel({1LL << 62, 1LL << 62, 0}) == 0);
  // A header number beyond double's range made nlohmann throw out_of_range, not parse_error.
  CHECK_THROWS_AS(xg::nn::load(dir.file("big.st", safetensors_bytes("{\"a\": -1e400}", ""))), xg::Error);
}

TEST_CASE("linalg: singular, non-square, mismatched and wrong-dtype inputs get clear errors") {
  namespace L = xg::linalg;
  const auto f64 = [](std::vector<double> v, xg::Shape s) { return xg::tensor(v, s, xg::kFloat64); };
  // Batch element 1 is singular (two equal rows); element 0 is fine.
  const auto singular = f64({2, 0, 0, 2, 1, 2, 1, 2}, {2, 2, 2});
  const auto not_pd = f64({4, 0, 0, 4, 1, 2, 2, 1}, {2, 2, 2});  // element 1 has eigenvalues 3 and -1
  const auto lower_zero_diag = f64({1, 0, 5, 0}, {2, 2});
  const auto eye2 = xg::eye(2, xg::kFloat64);
  const std::vector<Misuse> table = {
      {"inv singular", [&] { L::inv(singular); }, {"linalg.inv", "[2, 2, 2]", "batch index 1", "singular"}},
      {"solve singular", [&] { L::solve(singular, xg::ones({2, 2, 1}, xg::kFloat64)); },
       {"linalg.solve", "[2, 2, 2]", "batch index 1", "singular"}},
      {"cholesky not positive-definite", [&] { L::cholesky(not_pd); },
       {"linalg.cholesky", "[2, 2, 2]", "batch index 1", "not positive-definite", "order 2"}},
      {"solve_triangular zero diagonal", [&] { L::solve_triangular(lower_zero_diag, eye2, false); },
       {"linalg.solve_triangular", "[2, 2]", "batch index 0", "diagonal element 2"}},
      {"slogdet backward singular",
       [&] {
         auto a = singular.clone().requires_grad_();
         std::get<1>(L::slogdet(a)).sum().backward();
       },
       {"linalg.slogdet (backward)", "batch index 1", "singular"}},
      {"inv non-square", [] { L::inv(xg::zeros({2, 3}, xg::kFloat64)); }, {"linalg.inv", "square", "[2, 3]"}},
      {"det 1-D", [] { L::det(xg::zeros({3}, xg::kFloat64)); }, {"linalg.det", "at least 2 dimensions", "[3]"}},
      {"slogdet non-square", [] { L::slogdet(xg::zeros({3, 2})); }, {"linalg.slogdet", "square", "[3, 2]"}},
      {"cholesky non-square", [] { L::cholesky(xg::zeros({1, 2, 3})); }, {"linalg.cholesky", "[1, 2, 3]"}},
      {"solve rows", [&] { L::solve(eye2, xg::zeros({3, 1}, xg::kFloat64)); },
       {"linalg.solve", "[2, 2]", "[3, 1]", "3 rows"}},
      {"solve batch", [&] { L::solve(xg::zeros({2, 2, 2}, xg::kFloat64), xg::zeros({3, 2, 1}, xg::kFloat64)); },
       {"linalg.solve", "[2]", "[3]"}},
      {"solve dtypes", [&] { L::solve(eye2, xg::zeros({2, 1})); }, {"linalg.solve", "float64", "float32"}},
      {"solve_triangular rows", [&] { L::solve_triangular(eye2, xg::zeros({3, 1}, xg::kFloat64), true); },
       {"linalg.solve_triangular", "[3, 1]"}},
      {"cholesky_solve rows", [&] { xg::cholesky_solve(xg::zeros({3, 1}, xg::kFloat64), eye2); },
       {"cholesky_solve", "[2, 2]", "[3, 1]"}},
      {"cholesky_solve non-square L", [] { xg::cholesky_solve(xg::zeros({2, 1}), xg::zeros({2, 3})); },
       {"cholesky_solve", "L", "[2, 3]"}},
      {"inv int64", [] { L::inv(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.inv", "int64"}},
      {"cholesky int64", [] { L::cholesky(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.cholesky", "int64"}},
      {"eigh non-square", [] { L::eigh(xg::zeros({2, 3})); }, {"linalg.eigh", "square", "[2, 3]"}},
      {"eigh UPLO", [] { L::eigh(xg::zeros({2, 2}), "X"); }, {"linalg.eigh", "UPLO", "X"}},
      {"eigh int64", [] { L::eigh(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.eigh", "int64"}},
      {"qr 1-D", [] { L::qr(xg::zeros({3})); }, {"linalg.qr", "[3]"}},
      {"qr mode", [] { L::qr(xg::zeros({3, 3}), "full"); }, {"linalg.qr", "mode", "full"}},
      {"svd 1-D", [] { L::svd(xg::zeros({4})); }, {"linalg.svd", "[4]"}},
      {"svd driver", [] { L::svd(xg::zeros({2, 2}), true, "magic"); }, {"linalg.svd", "driver", "magic"}},
      {"svdvals int64", [] { L::svdvals(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.svdvals", "int64"}},
      {"pinv 1-D", [] { L::pinv(xg::zeros({3})); }, {"linalg.pinv", "[3]"}},
      {"pinv hermitian non-square", [] { L::pinv(xg::zeros({2, 3}), 1e-15, true); }, {"linalg.pinv", "square", "[2, 3]"}},
      {"lstsq rows", [] { L::lstsq(xg::zeros({4, 3}), xg::zeros({5, 2})); }, {"linalg.lstsq", "[4, 3]", "[5, 2]"}},
      {"lstsq driver", [] { L::lstsq(xg::zeros({4, 3}), xg::zeros({4, 2}), std::nullopt, "gelsx"); },
       {"linalg.lstsq", "driver", "gelsx"}},
      {"lstsq dtypes", [] { L::lstsq(xg::zeros({4, 3}), xg::zeros({4, 2}, xg::kFloat64)); },
       {"linalg.lstsq", "float32", "float64"}},
      {"vector_norm dim", [] { L::vector_norm(xg::zeros({2, 3}), 2, std::vector<std::int64_t>{2}); },
       {"linalg.vector_norm", "dimension 2", "[2, 3]"}},
      {"vector_norm int64", [] { L::vector_norm(xg::ones({2}, xg::kInt64)); }, {"linalg.vector_norm", "int64"}},
      {"matrix_norm 1-D", [] { L::matrix_norm(xg::zeros({3})); }, {"linalg.matrix_norm", "[3]"}},
      {"matrix_norm ord", [] { L::matrix_norm(xg::zeros({3, 3}), 3.0); }, {"linalg.matrix_norm", "ord", "3"}},
      {"matrix_norm ord name", [] { L::matrix_norm(xg::zeros({3, 3}), "max"); }, {"linalg.matrix_norm", "max"}},
      {"matrix_norm same dims", [] { L::matrix_norm(xg::zeros({3, 3}), "fro", {1, -1}); },
       {"linalg.matrix_norm", "twice"}},
      {"norm ord on 3-D", [] { L::norm(xg::zeros({2, 2, 2}), 2.0); }, {"linalg.norm", "[2, 2, 2]"}},
      {"det int64", [] { L::det(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.det", "int64"}},
      {"slogdet int64", [] { L::slogdet(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.slogdet", "int64"}},
      {"qr int64", [] { L::qr(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.qr", "int64"}},
      {"qr complete tall with grad", [] { L::qr(xg::zeros({3, 2}, xg::kFloat64, true), "complete"); },
       {"linalg.qr", "complete", "[3, 2]", "not differentiable"}},
      {"pinv int64", [] { L::pinv(xg::ones({2, 2}, xg::kInt64)); }, {"linalg.pinv", "int64"}},
      {"solve_triangular dtypes", [] { L::solve_triangular(xg::eye(2), xg::zeros({2, 1}, xg::kFloat64), false); },
       {"linalg.solve_triangular", "float32", "float64"}},
      {"cholesky_solve dtypes", [] { xg::cholesky_solve(xg::zeros({2, 1}, xg::kFloat64), xg::eye(2)); },
       {"cholesky_solve", "float64", "float32"}},
      {"solve_triangular batch", [] { L::solve_triangular(xg::zeros({2, 2, 2}), xg::zeros({3, 2, 1}), true); },
       {"linalg.solve_triangular", "[2]", "[3]"}},
      {"lstsq singular values of int", [] { L::lstsq(xg::ones({3, 2}, xg::kInt64), xg::ones({3, 1}, xg::kInt64)); },
       {"linalg.lstsq", "int64"}},
  };
  for (const auto& m : table) expect_error(m);
}

TEST_CASE("autograd::functional: misuse gets clear errors") {
  namespace F = xg::autograd::functional;
  const auto x = xg::ones({2}, xg::kFloat64);
  const F::Function square = [](const xg::Tensor& t) { return t * t; };
  const F::Function to_int = [](const xg::Tensor& t) { return xg::gt(t, 0.0); };
  const std::vector<Misuse> table = {
      {"vjp without v", [&] { F::vjp(square, x); }, {"vjp", "v must be given", "[2]"}},
      {"vjp v shape", [&] { F::vjp(square, x, xg::ones({3}, xg::kFloat64)); }, {"vjp", "[3]", "[2]"}},
      {"jvp u shape", [&] { F::jvp(square, x, xg::ones({2, 1}, xg::kFloat64)); }, {"jvp", "[2, 1]", "[2]"}},
      {"jvp u count", [&] { F::jvp([](const std::vector<xg::Tensor>& t) { return t[0]; }, {x, x}, {x}); },
       {"jvp", "1 tensors", "2 inputs"}},
      {"hessian of a vector", [&] { F::hessian(square, x); }, {"hessian", "single element", "[2]"}},
      {"hvp of a vector", [&] { F::hvp(square, x, x); }, {"hvp", "single element"}},
      {"int input", [&] { F::jacobian(square, xg::ones({2}, xg::kInt64)); }, {"jacobian", "input 0", "int64"}},
      {"bool output", [&] { F::jacobian(to_int, x); }, {"jacobian", "bool"}},
      {"strict", [&] { F::vjp([](const xg::Tensor&) { return xg::ones({1}, xg::kFloat64); }, x, xg::Tensor(), false, true); },
       {"vjp", "independent of input 0", "strict"}},
  };
  for (const auto& m : table) expect_error(m);
}

// ---- Hostile input (issue "nothing silently wrong"): in-place dtypes, huge shapes, hooks, files ----

namespace {

// A pid no process can have (above Linux's largest pid_max): a temporary of a save that was killed.
constexpr long kDeadPid = 999999999;

// Writes a file whose modification time lies `age` in the past.
void write_aged(const std::filesystem::path& path, std::chrono::seconds age) {
  data_test::write_text(path, "partial checkpoint");
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - age);
}

xg::Tensor leaf3() { return xg::ones({3}, xg::kFloat32, true); }

}  // namespace

TEST_CASE("hostile input: what torch refuses or what used to be silently wrong gets an error naming the op") {
  namespace F = xg::nn::functional;
  namespace xd = xg::data;
  namespace init = xg::nn::init;
  const ScratchDir dir;
  const std::string f32x2 = std::string(8, '\0');
  REQUIRE(::mkfifo((dir.path / "pipe").c_str(), 0600) == 0);
  const std::string pipe = (dir.path / "pipe").string();
  const std::vector<Misuse> table = {
      // In-place arithmetic whose result type does not fit the destination (torch: "result type Float
      // can't be cast to the desired output type Long") used to truncate silently.
      {"int64 mul_(0.5)", [] { xg::zeros({2}, xg::kInt64).mul_(0.5); }, {"mul_", "int64", "0.5", "can't be cast"}},
      {"int64 mul_ by a float tensor", [] { xg::zeros({2}, xg::kInt64).mul_(xg::tensor({0.5}, {1})); },
       {"mul_", "float32", "int64", "[1]"}},
      {"int64 add_(0.5)", [] { xg::zeros({2}, xg::kInt64).add_(0.5); }, {"add_", "int64", "0.5"}},
      {"int64 add_ a float64 tensor", [] { xg::zeros({2}, xg::kInt64).add_(xg::ones({2}, xg::kFloat64)); },
       {"add_", "float64", "int64", "[2]"}},
      {"int64 mul_(NaN)", [] { xg::zeros({2}, xg::kInt64).mul_(NAN); }, {"mul_", "nan", "int64"}},
      {"bool add_ an int64 tensor", [] { xg::zeros({2}, xg::kBool).add_(xg::ones({2}, xg::kInt64)); },
       {"add_", "int64", "bool"}},
      {"int64 add_ with alpha 0.5", [] { xg::zeros({2}, xg::kInt64).add_(xg::ones({2}, xg::kInt64), 0.5); },
       {"add_", "alpha 0.5", "int64"}},
      // Values an int64 cannot hold (the cast was undefined behaviour, giving INT64_MIN).
      {"full NaN as int64", [] { xg::full({2}, NAN, xg::kInt64); }, {"full", "nan", "int64"}},
      {"full infinity as int64", [] { xg::full({2}, INFINITY, xg::kInt64); }, {"full", "inf", "int64"}},
      {"full 1e30 as int64", [] { xg::full({2}, 1e30, xg::kInt64); }, {"full", "1e+30", "int64"}},
      {"fill_ NaN into int64", [] { xg::zeros({2}, xg::kInt64).fill_(NAN); }, {"fill_", "nan", "int64", "[2]"}},
      {"tensor of NaN as int64", [] { xg::tensor({NAN}, {1}, xg::kInt64); }, {"tensor", "nan", "int64"}},
      // Random real numbers in an integer or bool tensor were all zeros (torch raises).
      {"rand int64", [] { xg::rand({4}, xg::kInt64); }, {"rand", "int64", "float32 or float64"}},
      {"rand bool", [] { xg::rand({4}, xg::kBool); }, {"rand", "bool"}},
      {"randn int64", [] { xg::randn({4}, xg::kInt64); }, {"randn", "int64"}},
      {"randn bool", [] { xg::randn({4}, xg::kBool); }, {"randn", "bool"}},
      // Huge shapes: an xgrad::Error naming the op and the bytes, never std::bad_alloc.
      {"zeros of 2^40 floats", [] { xg::zeros({1LL << 40}); }, {"zeros", "4398046511104 bytes", "[1099511627776]"}},
      {"arange(0, 1e18, 1)", [] { xg::arange(0, 1e18, 1); }, {"arange", "4000000000000000000 bytes"}},
      {"arange beyond int64", [] { xg::arange(0, 1e300, 1); }, {"arange", "int64"}},
      {"empty of 2^50 doubles", [] { xg::empty({1LL << 50}, xg::kFloat64); }, {"empty", "9007199254740992 bytes"}},
      {"ones whose bytes overflow", [] { xg::ones({1LL << 61}, xg::kFloat64); },
       {"ones", "[2305843009213693952]", "more bytes than memory can address"}},
      {"randn of 2^40", [] { xg::randn({1LL << 40}); }, {"randn", "bytes"}},
      {"reshape overflow", [] { z({2}).reshape({1LL << 40, 1LL << 40}); },
       {"reshape", "[1099511627776, 1099511627776]", "int64"}},
      {"view overflow", [] { z({2}).view({1LL << 40, 1LL << 40, 2}); }, {"view", "int64"}},
      {"expand overflow", [] { xg::expand(z({1}), {1LL << 40, 1LL << 40}); }, {"expand", "int64"}},
      // expand is a view (no memory); materializing it is what fails.
      {"expanded view beyond memory", [] { xg::expand(z({1}), {1LL << 42}).contiguous(); },
       {"clone", "17592186044416 bytes"}},
      {"broadcast add beyond memory", [] { z({1LL << 20, 1}) + z({1, 1LL << 20}); },
       {"add", "4398046511104 bytes", "[1048576, 1048576]"}},
      {"broadcast compare beyond memory", [] { xg::lt(z({1LL << 21, 1}), z({1, 1LL << 21})); },
       {"lt", "4398046511104 bytes"}},
      {"one_hot beyond memory", [] { xg::one_hot(idx({0}), 1LL << 42); }, {"one_hot", "bytes"}},
      // Lists with an undefined tensor name the op and the position.
      {"narrow with a length near INT64_MAX (signed overflow)", [] { xg::narrow(z({4}), 0, 2, INT64_MAX); },
       {"narrow", "2 + 9223372036854775807", "size 4"}},
      {"cat with an undefined tensor", [] { xg::cat({z({2}), xg::Tensor()}); }, {"cat", "tensor 1", "undefined"}},
      {"cat with an undefined first tensor", [] { xg::cat({xg::Tensor(), z({2})}); }, {"cat", "tensor 0"}},
      {"stack with an undefined tensor", [] { xg::stack({z({2}), xg::Tensor()}); }, {"stack", "tensor 1"}},
      // one_hot's num_classes: -1 infers (see below); other negatives and nothing to infer from fail.
      {"one_hot num_classes -2", [] { xg::one_hot(idx({0}), -2); }, {"one_hot", "-2"}},
      {"one_hot infer from nothing", [] { xg::one_hot(xg::zeros({0}, xg::kInt64), -1); }, {"one_hot", "empty", "[0]"}},
      {"one_hot infer from negative labels", [] { xg::one_hot(idx({-3, -4}), -1); }, {"one_hot", "-3"}},
      // Hooks that change the gradient's shape or dtype are blamed on the hook.
      {"leaf hook returning another shape", [] {
         auto x = leaf3();
         x.register_hook([](const xg::Tensor&) { return xg::ones({4}); });
         (x * 2.0).sum().backward();
       }, {"register_hook", "leaf", "[4]", "[3]"}},
      {"non-leaf hook returning another shape", [] {
         auto x = leaf3();
         auto y = x * 2.0;
         y.register_hook([](const xg::Tensor&) { return xg::ones({4}); });
         y.sum().backward();
       }, {"register_hook", "output of MulBackward", "[4]", "[3]"}},
      {"hook returning another dtype", [] {
         auto x = leaf3();
         x.register_hook([](const xg::Tensor& g) { return g.to(xg::kFloat64); });
         (x * 2.0).sum().backward();
       }, {"register_hook", "float64", "float32"}},
      // Losses and init.
      {"cross_entropy probabilities with ignore_index", [] {
         F::cross_entropy(z({2, 3}), xg::full({2, 3}, 1.0 / 3), {.ignore_index = 0});
       }, {"cross_entropy", "ignore_index 0", "[2, 3]"}},
      {"xavier_uniform_ of a vector", [] { init::xavier_uniform_(z({3})); }, {"xavier_uniform_", "[3]"}},
      {"xavier_normal_ of a vector", [] { init::xavier_normal_(z({3})); }, {"xavier_normal_", "[3]"}},
      {"kaiming_uniform_ of a vector", [] { init::kaiming_uniform_(z({5})); }, {"kaiming_uniform_", "[5]"}},
      {"kaiming_normal_ of a vector", [] { init::kaiming_normal_(z({5})); }, {"kaiming_normal_", "[5]"}},
      {"calculate_fan_in_and_fan_out of a vector", [] { init::calculate_fan_in_and_fan_out(z({5})); },
       {"calculate_fan_in_and_fan_out", "[5]"}},
      // Readers refuse what is not a regular file before reading a byte (these never returned).
      {"read_idx of /dev/zero", [] { xd::read_idx("/dev/zero"); }, {"read_idx", "/dev/zero", "character device"}},
      {"read_csv of /dev/urandom", [] { xd::read_csv("/dev/urandom"); },
       {"read_csv", "/dev/urandom", "character device"}},
      {"nn::load of /dev/zero", [] { xg::nn::load("/dev/zero"); }, {"nn::load", "character device"}},
      {"read_idx of a FIFO", [&] { xd::read_idx(pipe); }, {"read_idx", "pipe", "FIFO"}},
      {"read_csv of a FIFO", [&] { xd::read_csv(pipe); }, {"read_csv", "FIFO"}},
      {"nn::load of a FIFO", [&] { xg::nn::load(pipe); }, {"nn::load", "FIFO"}},
      {"nn::load of a directory", [&] { xg::nn::load(dir.path.string()); }, {"nn::load", "directory"}},
      {"read_csv of a directory", [&] { xd::read_csv(dir.path); }, {"read_csv", "directory"}},
      {"read_idx gzip with more data than the header says", [&] {
         const auto plain = data_test::idx_file(0x08, {2}, {1, 2, 3, 4, 5});
         const auto gz = data_test::gzip_stored(plain);
         xd::read_idx(dir.file("long.idx.gz", std::string(gz.begin(), gz.end())));
       }, {"read_idx", "long.idx.gz", "trailing bytes", "byte offset 10 of the decompressed data"}},
      // CSV messages: a field is shown cut short and with its control bytes escaped.
      {"read_csv NUL byte in a field", [&] {
         xd::read_csv(dir.file("nul.csv", std::string("a,label\n1\0x,0\n", 14)));
       }, {"read_csv", "nul.csv", "line 2", "'1\\x00x' is not a number"}},
      {"read_csv NUL byte in a label name", [&] {
         xd::read_csv(dir.file("nulname.csv", std::string("a,lab\0el\n1,0\n", 13)), {.label_name = "label"});
       }, {"read_csv", "'lab\\x00el'"}},
      // Checkpoints.
      {"nn::load of an empty tensor name", [&] {
         xg::nn::load(dir.file("noname.st", safetensors_bytes(R"({"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                                            f32x2)));
       }, {"nn::load", "noname.st", "name cannot be empty"}},
      {"nn::save of an empty tensor name", [&] {
         xg::StateDict s;
         s.insert("", z({2}));
         xg::nn::save(s, (dir.path / "noname_save.st").string());
       }, {"nn::save", "cannot be a tensor name"}},
      {"nn::save through a loop of symbolic links", [&] {
         std::filesystem::create_symlink(dir.path / "loop_b", dir.path / "loop_a");
         std::filesystem::create_symlink(dir.path / "loop_a", dir.path / "loop_b");
         xg::StateDict s;
         s.insert("w", z({2}));
         xg::nn::save(s, (dir.path / "loop_a").string());
       }, {"nn::save", "loop_a", "symbolic links"}},
  };
  CHECK(table.size() >= 40);
  MESSAGE("hostile-input rows: " << table.size());
  for (const auto& misuse : table) expect_error(misuse);
}

TEST_CASE("hostile input: a 1 MB CSV field is not quoted whole in the message") {
  const ScratchDir dir;
  std::string text = "a,label\n";  // appended in steps: GCC 12 warns (wrongly) of an overflow in `a + b + c`
  text.append(1 << 20, 'x').append(",0\n");
  const std::string path = dir.file("wide.csv", text);
  try {
    xg::data::read_csv(path);
    FAIL("no exception for a non-numeric 1 MB field");
  } catch (const xg::Error& e) {
    const std::string message = e.what();
    CHECK(message.find("line 2") != std::string::npos);
    CHECK(message.find("(1048576 bytes)") != std::string::npos);
    CHECK(message.size() < 400);
  }
}

TEST_CASE("hostile input: what torch accepts works as in torch") {
  SUBCASE("in-place ops whose result fits the destination") {
    auto t = xg::tensor(std::vector<std::int64_t>{3, 4}, {2});
    t.add_(1.0);
    t.mul_(2.0);
    t.add_(xg::tensor(std::vector<std::int64_t>{1, 1}, {2}), 3.0);
    t.mul_(xg::ones({2}, xg::kBool));
    CHECK(t.to_vector() == std::vector<double>{11, 13});
    auto f = xg::ones({2});
    f.mul_(xg::tensor(std::vector<std::int64_t>{2, 3}, {2}));  // an int64 operand into float32 is fine
    CHECK(f.to_vector() == std::vector<double>{2, 3});
    auto c = xg::zeros({2}, xg::kInt64);
    c.copy_(xg::tensor({1.5, -2.5}, {2}));  // copy_ converts, as torch's (truncating toward zero)
    CHECK(c.to_vector() == std::vector<double>{1, -2});
  }
  SUBCASE("full and tensor convert what int64 can hold") {
    CHECK(xg::full({2}, 2.5, xg::kInt64).to_vector() == std::vector<double>{2, 2});
    const std::int64_t big = (1LL << 53) + 1;  // not a double: it must not pass through one
    CHECK(xg::tensor(std::vector<std::int64_t>{big}, {1}).item<std::int64_t>() == big);
    CHECK(xg::full({1}, NAN).item<float>() != xg::full({1}, NAN).item<float>());  // floats keep NaN
  }
  SUBCASE("one_hot infers the number of classes from the largest label, as torch's default -1") {
    const auto h = xg::one_hot(idx({0, 2}), -1);
    CHECK(h.shape() == xg::Shape{2, 3});
    CHECK(h.to_vector() == std::vector<double>{1, 0, 0, 0, 0, 1});
    CHECK(xg::one_hot(idx({1})).shape() == xg::Shape{1, 2});
  }
  SUBCASE("cross_entropy with probabilities and the default ignore_index") {
    const auto loss = xg::nn::functional::cross_entropy(z({2, 3}), xg::full({2, 3}, 1.0 / 3));
    CHECK(loss.item<double>() == doctest::Approx(std::log(3.0)));
  }
}

TEST_CASE("hostile input: a hook may run backward on an unrelated graph (reentrant backward)") {
  auto a = xg::ones({1}, xg::kFloat32, true);
  auto b = (a * a * 3.0).sum();
  auto x = leaf3();
  int calls = 0;
  x.register_hook([&](const xg::Tensor& g) {
    b.backward();
    ++calls;
    return g;
  });
  (x * 2.0).sum().backward();
  CHECK(calls == 1);
  CHECK(a.grad().to_vector() == std::vector<double>{6});
  CHECK(x.grad().to_vector() == std::vector<double>{2, 2, 2});

  // The same from a hook on a non-leaf, whose replacement gradient then flows on.
  auto a2 = xg::ones({1}, xg::kFloat32, true);
  auto b2 = (a2 * 5.0).sum();
  auto x2 = leaf3();
  auto y = x2 * 4.0;
  y.register_hook([&](const xg::Tensor& g) {
    b2.backward();
    return g * 2.0;
  });
  y.sum().backward();
  CHECK(a2.grad().to_vector() == std::vector<double>{5});
  CHECK(x2.grad().to_vector() == std::vector<double>{8, 8, 8});
}

TEST_CASE("hostile input: a CSV with a UTF-8 byte-order mark reads as without one") {
  const ScratchDir dir;
  const std::string bom = "\xEF\xBB\xBF";
  const auto named = xg::data::read_csv(dir.file("bom.csv", bom + "label,a\n1,2.5\n0,3.5\n"), {.label_name = "label"});
  CHECK(named.columns == std::vector<std::string>{"a"});
  CHECK(named.targets.to_vector() == std::vector<double>{1, 0});
  const auto plain =
      xg::data::read_csv(dir.file("bom_plain.csv", bom + "1,2\n3,4\n"), {.header = false, .label_column = 0});
  CHECK(plain.targets.to_vector() == std::vector<double>{1, 3});
  CHECK(plain.data.to_vector() == std::vector<double>{2, 4});
}

TEST_CASE("hostile input: nn::save writes through a symbolic link and removes stale temporaries") {
  namespace fs = std::filesystem;
  const ScratchDir dir;
  xg::StateDict old_state, new_state;
  old_state.insert("w", xg::zeros({2}));
  new_state.insert("w", xg::ones({2}));

  SUBCASE("a link to the checkpoint stays a link, and its target gets the new weights") {
    fs::create_directory(dir.path / "runs");
    const fs::path target = dir.path / "runs" / "model.safetensors", link = dir.path / "latest.safetensors";
    xg::nn::save(old_state, target.string());
    fs::create_symlink(fs::path("runs") / "model.safetensors", link);  // relative, as `ln -s` makes them
    xg::nn::save(new_state, link.string());
    CHECK(fs::is_symlink(link));
    CHECK(xg::nn::load(target.string()).at("w").to_vector() == std::vector<double>{1, 1});
    CHECK(xg::nn::load(link.string()).at("w").to_vector() == std::vector<double>{1, 1});
    for (const auto& entry : fs::directory_iterator(dir.path / "runs"))
      CHECK(entry.path().filename() == "model.safetensors");  // no temporary left next to the target
  }
  SUBCASE("a dangling link gets its target created") {
    const fs::path link = dir.path / "dangling.safetensors";
    fs::create_symlink("made.safetensors", link);
    xg::nn::save(new_state, link.string());
    CHECK(fs::is_symlink(link));
    CHECK(fs::is_regular_file(dir.path / "made.safetensors"));
  }
  SUBCASE("temporaries of killed saves older than a minute go; others stay") {
    const fs::path target = dir.path / "ckpt.safetensors";
    const auto name = [&](const std::string& suffix) { return dir.path / ("ckpt.safetensors" + suffix); };
    write_aged(name(fmt::format(".tmp.{}.0", kDeadPid)), std::chrono::minutes(5));
    write_aged(name(fmt::format(".tmp.{}.17", kDeadPid)), std::chrono::minutes(2));
    write_aged(name(fmt::format(".tmp.{}.1", kDeadPid)), std::chrono::seconds(5));       // too recent
    write_aged(name(fmt::format(".tmp.{}.2", ::getppid())), std::chrono::minutes(5));    // its process runs
    write_aged(name(".tmp.notes"), std::chrono::minutes(5));                            // not our pattern
    write_aged(dir.path / fmt::format("other.safetensors.tmp.{}.0", kDeadPid), std::chrono::minutes(5));
    xg::nn::save(new_state, target.string());
    CHECK_FALSE(fs::exists(name(fmt::format(".tmp.{}.0", kDeadPid))));
    CHECK_FALSE(fs::exists(name(fmt::format(".tmp.{}.17", kDeadPid))));
    CHECK(fs::exists(name(fmt::format(".tmp.{}.1", kDeadPid))));
    CHECK(fs::exists(name(fmt::format(".tmp.{}.2", ::getppid()))));
    CHECK(fs::exists(name(".tmp.notes")));
    CHECK(fs::exists(dir.path / fmt::format("other.safetensors.tmp.{}.0", kDeadPid)));
    CHECK(xg::nn::load(target.string()).at("w").to_vector() == std::vector<double>{1, 1});
  }
}

TEST_CASE("hostile input: Adam steps on after module.to(kFloat64), its state following the parameters") {
  xg::manual_seed(0);
  auto net = xg::nn::Linear(3, 2);
  xg::optim::Adam opt(net->parameters(), {.lr = 0.1});
  const auto x = xg::ones({4, 3});
  net(x).sum().backward();
  opt.step();
  net->to(xg::kFloat64);
  opt.zero_grad();
  net(x.to(xg::kFloat64)).sum().backward();
  CHECK_NOTHROW(opt.step());
  const auto state = opt.state_dict();
  CHECK(state.at("state.0.exp_avg").dtype() == xg::kFloat64);
  CHECK(net->weight.dtype() == xg::kFloat64);
}

TEST_CASE("hostile input: a leaf's hook may run backward through that same leaf") {
  auto x = leaf3();
  auto z = (x * 3.0).sum();  // built before: inside a hook grad mode is off, as in torch
  bool inside = false;
  x.register_hook([&](const xg::Tensor& g) {
    if (!inside) {
      inside = true;
      z.backward();  // reaches x's accumulator again, from inside its own hook
    }
    return g;
  });
  (x * 2.0).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{5, 5, 5});
}
namespace {
// Custom autograd functions that misuse the API, one way each.
struct WrongGradCount : xg::autograd::Function<WrongGradCount> {
  static xg::Tensor forward(xg::autograd::AutogradContext*, xg::Tensor x, xg::Tensor y) { return x * y; }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) {
    return {g[0], g[0], g[0]};
  }
};
struct GradForScalar : xg::autograd::Function<GradForScalar> {
  static xg::Tensor forward(xg::autograd::AutogradContext*, xg::Tensor x, double s) { return x * s; }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) {
    return {g[0], g[0]};  // the second argument is a double: it can have no gradient
  }
};
struct AsksInputTwo : xg::autograd::Function<AsksInputTwo> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    ctx->saved_data["needs"] = ctx->needs_input_grad(2);
    return x.clone();
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) { return g; }
};
struct SavesInput : xg::autograd::Function<SavesInput> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    ctx->save_for_backward({x});
    return x * 2;
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext* ctx, xg::autograd::variable_list g) {
    return {g[0] * 2 + ctx->get_saved_variables()[0] * 0};
  }
};
struct DirtyLeaf : xg::autograd::Function<DirtyLeaf> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    x.add_(1.0);
    ctx->mark_dirty({x});
    return x;
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) { return g; }
};
struct TwoOutputs : xg::autograd::Function<TwoOutputs> {
  static xg::autograd::variable_list forward(xg::autograd::AutogradContext*, xg::Tensor x) { return {x * 2, x * 3}; }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) { return g; }
};
xg::Tensor needs_grad(xg::Shape s) { return xg::ones(s, xg::kFloat64).requires_grad_(); }
}  // namespace

TEST_CASE("libtorch-style forms get clear errors (devices, TensorOptions, methods, custom functions, save/load)") {
  const ScratchDir dir;
  const std::string model_file = (dir.path / "model.st").string();
  xg::save(xg::nn::Linear(2, 3), model_file);
  const std::string tensor_file = (dir.path / "tensor.st").string();
  xg::save(xg::ones({2}), tensor_file);
  const std::vector<Misuse> table = {
      {"device name", [] { xg::Device("gpu"); }, {"Device", "'gpu'"}},
      {"device index", [] { xg::Device("cuda:x"); }, {"Device", "'cuda:x'"}},
      {"cpu index", [] { xg::Device(xg::kCPU, 3); }, {"Device", "3"}},
      {"zeros on cuda", [] { xg::zeros({2}, xg::TensorOptions().device(xg::kCUDA)); }, {"zeros", "cuda", "CPU only"}},
      {"randn(3) on cuda", [] { xg::randn(3, xg::device(xg::Device("cuda:0"))); }, {"randn", "cuda:0"}},
      {"int requires grad", [] { xg::ones({2}, xg::dtype(xg::kInt64).requires_grad(true)); }, {"requires_grad_", "int64"}},
      {"tensor.to(cuda)", [] { z({2}).to(xg::Device(xg::kCUDA)); }, {"to", "cuda"}},
      {"module.to(cuda)", [] { xg::nn::Linear(2, 2)->to(xg::kCUDA); }, {"Module::to", "cuda"}},
      {"norm negative p", [] { z({2}).norm(-1); }, {"norm", "-1"}},
      {"norm int", [] { xg::ones({2}, xg::kInt64).norm(); }, {"norm", "int64"}},
      {"norm no dims", [] { z({2}).norm(2, {}); }, {"norm", "dims"}},
      {"norm bad dim", [] { z({2}).norm(2, {3}); }, {"sum", "3"}},
      {"+= broadcast", [] { auto t = z({3}); t += z({4}); }, {"add_", "[4]", "[3]"}},
      {"/= on a leaf that requires grad", [] { auto t = needs_grad({2}); t /= 2.0; }, {"div_", "leaf", "requires grad"}},
      {"set_data int", [] { needs_grad({2}).set_data(xg::ones({2}, xg::kInt64)); }, {"set_data", "int64"}},
      {"detach_ undefined", [] { xg::Tensor().detach_(); }, {"detach_", "undefined"}},
      {"options undefined", [] { xg::Tensor().options(); }, {"options", "undefined"}},
      {"grad_fn of a leaf", [] { needs_grad({2}).grad_fn()->name(); }, {"grad_fn", "leaf"}},
      {"max(dim) bad dim", [] { z({2, 3}).max(4); }, {"max", "4"}},
      {"expand_as", [] { z({3}).expand_as(z({2, 4})); }, {"expand", "[3]", "[2, 4]"}},
      {"IValue kind", [] { xg::autograd::IValue(1.5).toInt(); }, {"IValue", "int"}},
      {"IValue tensor", [] { xg::autograd::IValue("s").toTensor(); }, {"IValue", "tensor"}},
      {"backward gradient count",
       [] { WrongGradCount::apply(needs_grad({2}), needs_grad({2})).sum().backward(); },
       {"WrongGradCount", "3 gradients", "expected 2"}},
      {"gradient for a non-tensor argument", [] { GradForScalar::apply(needs_grad({2}), 2.0).sum().backward(); },
       {"GradForScalar", "argument 1", "not a tensor"}},
      {"needs_input_grad range", [] { AsksInputTwo::apply(needs_grad({2})); }, {"needs_input_grad(2)", "1 tensor"}},
      {"saved input changed in place",
       [] {
         auto x = needs_grad({2}) * 1;
         auto y = SavesInput::apply(x);
         xg::NoGradGuard no_grad;
         x.add_(1.0);
         xg::EnableGradGuard grad;
         y.sum().backward();
       },
       {"SavesInput", "modified by an in-place operation", "version"}},
      {"custom backward twice",
       [] {
         auto y = SavesInput::apply(needs_grad({2}));
         y.sum().backward();
         y.sum().backward();
       },
       {"SavesInput", "second time", "retain_graph"}},
      {"mark_dirty on a leaf", [] { DirtyLeaf::apply(needs_grad({2})); }, {"DirtyLeaf", "leaf"}},
      {"two outputs", [] { TwoOutputs::apply(needs_grad({2})); }, {"TwoOutputs", "2 tensors", "one output"}},
      {"load a missing file", [] { xg::Tensor t; xg::load(t, "no_such_file.st"); }, {"no_such_file.st"}},
      {"load a tensor from a module file", [model_file] { xg::Tensor t; xg::load(t, model_file); }, {"'tensor'"}},
      {"load a module from a tensor file", [tensor_file] { xg::nn::Linear m(2, 3); xg::load(m, tensor_file); },
       {"missing keys", "weight"}},
      {"load a module of other shapes", [model_file] { xg::nn::Linear m(3, 3); xg::load(m, model_file); }, {"weight"}},
  };
  MESSAGE("libtorch-form rows: " << table.size());
  for (const auto& misuse : table) expect_error(misuse);
}

TEST_CASE("threads, bfloat16 and autocast: bad input gets clear errors") {
  const auto h = xg::ones({2, 3}).to(xg::kBFloat16);
  const std::vector<Misuse> table = {
      {"set_num_threads 0", [] { xg::set_num_threads(0); }, {"set_num_threads", "positive", "0"}},
      {"set_num_threads negative", [] { xg::set_num_threads(-4); }, {"set_num_threads", "-4"}},
      {"AutocastGuard float64", [] { xg::AutocastGuard guard(xg::kFloat64); }, {"AutocastGuard", "bfloat16", "float64"}},
      {"AutocastGuard int64", [] { xg::AutocastGuard guard(xg::kInt64); }, {"AutocastGuard", "int64"}},
      {"exp of bfloat16", [&] { xg::exp(h); }, {"bfloat16", ".to(xgrad::kFloat32)"}},
      {"sum of bfloat16", [&] { xg::sum(h); }, {"bfloat16", ".to(xgrad::kFloat32)"}},
      {"bfloat16 matmul shapes", [&] { xg::matmul(h, h); }, {"matmul", "[2, 3]", "3 != 2"}},
      {"autocast linear shapes",
       [] {
         xg::AutocastGuard guard(xg::kBFloat16);
         xg::linear(xg::zeros({4, 3}), xg::zeros({2, 5}));
       },
       {"linear", "[4, 3]", "[2, 5]"}},
      {"autocast matmul of bool",
       [] {
         xg::AutocastGuard guard(xg::kBFloat16);
         xg::matmul(xg::ones({2, 2}, xg::kBool), xg::ones({2, 2}, xg::kBool));
       },
       {"matmul", "bool"}},
      {"data_ptr of bfloat16 as float", [&] { h.data_ptr<float>(); }, {"data_ptr", "bfloat16", "float32"}},
  };
  for (const auto& m : table) expect_error(m);
  MESSAGE("threads, bfloat16 and autocast rows: " << table.size());
}

TEST_CASE("convolutions, pooling and normalization: bad input gets clear errors") {
  namespace F = xg::nn::functional;
  const auto x = xg::zeros({2, 4, 5, 5}), w = xg::zeros({6, 2, 3, 3});
  const std::vector<Misuse> table = {
      {"conv2d 3-D input", [&] { xg::conv2d(xg::zeros({4, 5, 5}), w); }, {"conv2d", "4-D", "[4, 5, 5]", "[6, 2, 3, 3]"}},
      {"conv2d 2-D weight", [&] { xg::conv2d(x, xg::zeros({6, 4})); }, {"conv2d", "[6, 4]"}},
      {"conv2d channels vs groups", [&] { xg::conv2d(x, w, {}, 1, 0, 1, 1); },
       {"conv2d", "[2, 4, 5, 5]", "[6, 2, 3, 3]", "groups=1", "4 channels"}},
      {"conv2d out channels not divisible", [&] { xg::conv2d(x, xg::zeros({5, 1, 3, 3}), {}, 1, 0, 1, 4); },
       {"conv2d", "[5, 1, 3, 3]", "groups=4"}},
      {"conv2d kernel larger than padded input", [&] { xg::conv2d(x, xg::zeros({6, 4, 7, 7}), {}, 1, 0); },
       {"conv2d", "[6, 4, 7, 7]", "larger than the padded input", "[2, 4, 5, 5]"}},
      {"conv2d negative stride", [&] { xg::conv2d(x, w, {}, {-1, 1}, 0, 1, 2); }, {"conv2d", "stride", "(-1, 1)"}},
      {"conv2d zero dilation", [&] { xg::conv2d(x, w, {}, 1, 0, 0, 2); }, {"conv2d", "dilation", "(0, 0)"}},
      {"conv2d negative padding", [&] { xg::conv2d(x, w, {}, 1, -1, 1, 2); }, {"conv2d", "padding", "(-1, -1)"}},
      {"conv2d zero groups", [&] { xg::conv2d(x, w, {}, 1, 0, 1, 0); }, {"conv2d", "groups", "0"}},
      {"conv2d bias shape", [&] { xg::conv2d(x, w, xg::zeros({5}), 1, 0, 1, 2); }, {"conv2d", "bias", "[6]", "[5]"}},
      {"conv2d same with stride", [&] { xg::conv2d(x, w, {}, 2, xg::kSame, 1, 2); }, {"conv2d", "same", "stride (2, 2)"}},
      {"conv2d int64", [&] { xg::conv2d(x.to(xg::kInt64), w, {}, 1, 0, 1, 2); }, {"conv2d", "int64"}},
      {"conv2d mixed dtypes", [&] { xg::conv2d(x, w.to(xg::kFloat64), {}, 1, 0, 1, 2); }, {"conv2d", "float32", "float64"}},
      {"conv1d 4-D input", [&] { xg::conv1d(x, xg::zeros({6, 4, 3})); }, {"conv1d", "3-D", "[2, 4, 5, 5]"}},
      {"conv_transpose2d channels", [&] { F::conv_transpose2d(x, xg::zeros({3, 2, 3, 3})); },
       {"conv_transpose2d", "[2, 4, 5, 5]", "[3, 2, 3, 3]"}},
      {"conv_transpose2d output_padding", [&] { xg::conv_transpose2d(x, xg::zeros({4, 2, 3, 3}), {}, 1, 0, 1); },
       {"conv_transpose2d", "output_padding", "stride (1, 1)"}},
      {"Conv2d groups", [] { xg::nn::Conv2d(xg::nn::Conv2dOptions(3, 4, 3).groups(2)); }, {"Conv2d", "3", "groups 2"}},
      {"Conv2d zero kernel", [] { xg::nn::Conv2d(3, 4, 0); }, {"Conv2d", "kernel_size", "(0, 0)"}},
      {"max_pool2d 2-D input", [] { xg::max_pool2d(xg::zeros({5, 5}), 2); }, {"max_pool2d", "[5, 5]"}},
      {"max_pool2d padding over half", [&] { xg::max_pool2d(x, 2, 2, 2); }, {"max_pool2d", "padding (2, 2)", "half"}},
      {"max_pool2d kernel too large", [&] { xg::max_pool2d(x, 7); }, {"max_pool2d", "(7, 7)", "[2, 4, 5, 5]"}},
      {"avg_pool2d negative stride", [&] { xg::avg_pool2d(x, 2, {-1, 2}); }, {"avg_pool2d", "stride (-1, 2)"}},
      {"adaptive_avg_pool2d zero size", [&] { xg::adaptive_avg_pool2d(x, 0); }, {"adaptive_avg_pool2d", "(0, 0)"}},
      {"batch_norm 1-D", [] { F::batch_norm(xg::zeros({3}), {}, {}, xg::nn::BatchNormFuncOptions().training(true)); },
       {"batch_norm", "[3]"}},
      {"batch_norm one value per channel",
       [] { F::batch_norm(xg::zeros({1, 3}), {}, {}, xg::nn::BatchNormFuncOptions().training(true)); },
       {"batch_norm", "more than 1 value", "[1, 3]"}},
      {"batch_norm weight shape",
       [&] { F::batch_norm(x, {}, {}, xg::nn::BatchNormFuncOptions().weight(xg::ones({3})).training(true)); },
       {"batch_norm", "weight", "[4]", "[3]"}},
      {"batch_norm eval without statistics", [&] { F::batch_norm(x, {}, {}); }, {"batch_norm", "running_mean"}},
      {"BatchNorm2d channels", [&] { xg::nn::BatchNorm2d bn(3); bn(x); }, {"BatchNorm2d", "3 channels", "[2, 4, 5, 5]"}},
      {"BatchNorm1d rank", [&] { xg::nn::BatchNorm1d bn(4); bn(x); }, {"BatchNorm1d", "2-D or 3-D", "[2, 4, 5, 5]"}},
      {"dropout2d p", [&] { F::dropout2d(x, 1.5); }, {"dropout2d", "1.5"}},
      {"layer_norm shape", [] { F::layer_norm(xg::zeros({2, 3}), xg::nn::LayerNormFuncOptions({4})); },
       {"layer_norm", "[4]", "[2, 3]"}},
      {"group_norm groups", [&] { F::group_norm(x, xg::nn::GroupNormFuncOptions(3)); }, {"group_norm", "4 channels", "3 groups"}},
      {"GroupNorm channels", [] { xg::nn::GroupNorm(4, 6); }, {"GroupNorm", "6", "4"}},
      {"embedding index out of range",
       [] { F::embedding(xg::tensor(std::vector<std::int64_t>{5}, {1}, xg::kInt64), xg::zeros({5, 2})); },
       {"embedding", "index 5", "[5, 2]"}},
      {"embedding float indices", [] { F::embedding(xg::zeros({2}), xg::zeros({5, 2})); }, {"embedding", "int64", "float32"}},
      {"embedding padding_idx", [] { xg::nn::Embedding(xg::nn::EmbeddingOptions(5, 2).padding_idx(5)); },
       {"Embedding", "padding_idx 5", "5 embeddings"}},
      {"dropout2d rank", [] { F::dropout2d(xg::zeros({4, 4})); }, {"dropout2d", "[4, 4]"}},
  };
  for (const auto& m : table) expect_error(m);
  MESSAGE("cnn rows: " << table.size());
}

TEST_CASE("pad, padding_mode, ceil_mode and divisor_override: bad input gets clear errors") {
  namespace F = xg::nn::functional;
  const auto x = xg::zeros({2, 3, 4, 5});
  const auto conv = [](const xg::nn::Conv2dOptions& o, const xg::Tensor& in) {
    xg::nn::Conv2d layer(o);
    layer(in);
  };
  const std::vector<Misuse> table = {
      {"pad odd length", [&] { xg::pad(x, {1, 2, 3}); }, {"pad", "(1, 2, 3)", "even", "[2, 3, 4, 5]"}},
      {"pad too many dimensions", [] { xg::pad(xg::zeros({3}), {1, 1, 1, 1}); }, {"pad", "2 dimensions", "[3]"}},
      {"pad reflect as large as the input", [&] { xg::pad(x, {5, 0}, xg::kReflect); },
       {"pad", "reflect", "(5, 0)", "[2, 3, 4, 5]", "dimension 3", "at most 4"}},
      {"pad reflect after a crop", [&] { xg::pad(x, {0, 0, -1, 3}, xg::kReflect); },
       {"pad", "reflect", "dimension 2", "at most 2", "size 3"}},
      {"pad circular wraps twice", [&] { xg::pad(x, {0, 6}, xg::kCircular); }, {"pad", "circular", "(0, 6)", "at most 5"}},
      {"pad negative crops everything", [&] { xg::pad(x, {-3, -2}); }, {"pad", "(-3, -2)", "dimension 3", "to nothing"}},
      {"pad value with reflect", [&] { F::pad(x, xg::nn::PadFuncOptions({1, 1}).mode(xg::kReflect).value(2)); },
       {"pad", "reflect", "fill value"}},
      {"Conv2d reflect padding as large as the input",
       [&] { conv(xg::nn::Conv2dOptions(3, 2, 3).padding(4).padding_mode(xg::kReflect), x); },
       {"Conv2d", "padding_mode=reflect", "pad", "(4, 4, 4, 4)", "[2, 3, 4, 5]"}},
      {"Conv2d circular same with stride",
       [&] { conv(xg::nn::Conv2dOptions(3, 2, 3).padding(xg::kSame).stride(2).padding_mode(xg::kCircular), x); },
       {"Conv2d", "same", "stride (2, 2)"}},
      {"Conv1d replicate channels", [] {
         xg::nn::Conv1d(xg::nn::Conv1dOptions(2, 2, 3).padding(1).padding_mode(xg::kReplicate))(xg::zeros({1, 3, 6}));
       }, {"conv2d", "[1, 3, 1, 8]", "channels"}},
      {"max_pool2d ceil window only padding", [] { xg::max_pool2d(xg::zeros({1, 1, 1, 1}), 2, 1, 1, 2, true); },
       {"max_pool2d", "dilation (2, 2)", "[1, 1, 1, 1]", "only padding"}},
      {"max_pool2d ceil kernel too large", [&] { xg::max_pool2d(x, 7, 1, 0, 1, true); },
       {"max_pool2d", "(7, 7)", "[2, 3, 4, 5]", "ceil_mode"}},
      {"avg_pool2d divisor_override zero",
       [&] { F::avg_pool2d(x, xg::nn::AvgPool2dFuncOptions(2).divisor_override(0)); },
       {"avg_pool2d", "divisor_override", "0", "[2, 3, 4, 5]"}},
      {"avg_pool2d negative divisor", [&] { xg::avg_pool2d(x, 2, 2, 0, false, true, -1); },
       {"avg_pool2d", "divisor_override", "-1"}},
      {"avg_pool2d ceil padding over half", [&] { xg::avg_pool2d(x, 2, 2, 2, true); }, {"avg_pool2d", "padding (2, 2)"}},
  };
  for (const auto& m : table) expect_error(m);
  MESSAGE("pad and pooling option rows: " << table.size());
}

TEST_CASE("indexing: bad input gets clear errors naming the op and the shapes") {
  using namespace xg::indexing;
  const auto mask = [](std::vector<double> v) {
    return xg::tensor(v, {static_cast<std::int64_t>(v.size())}, xg::kFloat64).to(xg::kBool);
  };
  const std::vector<Misuse> table = {
      {"index integer out of range", [] { z({2, 3}).index({Slice(), 3}); }, {"index", "index 3", "size 3", "[2, 3]"}},
      {"index negative out of range", [] { z({2, 3}).index({-3}); }, {"index", "-3", "size 2"}},
      {"index tensor out of range", [] { z({2, 3}).index({idx({0, 2})}); }, {"index", "index 2", "size 2", "[2, 3]"}},
      {"index_put_ tensor out of range", [] { z({2, 3}).index_put_({Slice(), idx({5})}, 1.0); }, {"index_put_", "index 5", "size 3"}},
      {"too many indices", [] { z({2, 3}).index({0, 1, 0}); }, {"index", "too many indices", "[2, 3]", "3 dimensions"}},
      {"too many indices with a mask", [mask] { z({2}).index({0, mask({1, 0})}); }, {"index", "too many indices", "[2]"}},
      {"two ellipses", [] { z({2, 3}).index({Ellipsis, "..."}); }, {"index", "one ellipsis"}},
      {"string index", [] { z({2, 3}).index({"x"}); }, {"TensorIndex", "\"...\""}},
      {"mask shape mismatch", [mask] { z({2, 3}).index({Slice(), mask({1, 0})}); }, {"index", "mask of shape [2]", "[2, 3]", "dimension 1"}},
      {"index_put_ mask mismatch", [mask] { z({2, 3}).index_put_({mask({1, 0, 1})}, 0.0); }, {"index_put_", "mask of shape [3]", "[2, 3]"}},
      {"masked_fill mask shape", [mask] { z({2, 3}).masked_fill(mask({1, 0}), 1.0); }, {"masked_fill", "[2]", "[2, 3]"}},
      {"masked_fill mask dtype", [] { z({2, 3}).masked_fill(z({3}), 1.0); }, {"masked_fill", "bool", "float32", "[3]"}},
      {"masked_fill value shape", [mask] { z({2, 3}).masked_fill(mask({1, 0, 1}), z({2})); }, {"masked_fill", "0-dimensional", "[2]"}},
      {"masked_select shapes", [mask] { z({2, 3}).masked_select(mask({1, 0})); }, {"masked_select", "[2, 3]", "[2]"}},
      {"float index tensor", [] { z({2, 3}).index({z({2})}); }, {"index", "int64 or bool", "float32", "[2]"}},
      {"index tensors that do not broadcast", [] { z({4, 4}).index({idx({0, 1}), idx({0, 1, 2})}); }, {"index", "[2]", "[3]"}},
      {"index_put_ values do not broadcast", [] { z({4, 3}).index_put_({idx({0, 1})}, z({2, 2})); },
       {"index_put_", "values of shape [2, 2]", "indexed shape [2, 3]", "[4, 3]"}},
      {"index_put_ slice values do not broadcast", [] { z({4, 3}).index_put_({Slice(None, 2)}, z({3, 3})); },
       {"index_put_", "[3, 3]", "[2, 3]"}},
      {"scatter index out of range", [] { z({2, 3}).scatter(1, xg::tensor(std::vector<std::int64_t>{3}, {1, 1}, xg::kInt64), 1.0); },
       {"scatter", "index 3", "size 3"}},
      {"scatter_ index shape", [] { z({2, 3}).scatter_(1, idx({0}), z({1})); }, {"scatter", "[1]", "[2, 3]"}},
      {"scatter float index", [] { z({2, 3}).scatter(1, z({2, 1}), 1.0); }, {"scatter", "int64", "float32"}},
      {"scatter_add_ src shape", [] { z({2, 3}).scatter_add_(1, xg::zeros({2, 2}, xg::kInt64), z({2, 1})); }, {"scatter_add", "[2, 1]", "[2, 2]"}},
      {"index_add_ source shape", [] { z({3, 2}).index_add_(0, idx({0, 1}), z({3, 2})); }, {"index_add", "[3, 2]", "[2, 2]"}},
      {"take_along_dim ranks", [] { z({2, 3}).take_along_dim(xg::zeros({2}, xg::kInt64), 1); }, {"take_along_dim", "[2, 3]", "[2]"}},
      {"take_along_dim float index", [] { z({2, 3}).take_along_dim(z({2, 1}), 1); }, {"take_along_dim", "int64", "float32"}},
  };
  for (const auto& m : table) expect_error(m);
}
