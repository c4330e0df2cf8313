// Bad input: each misuse throws xgrad::Error whose message names the op and the operands.
#include <doctest/doctest.h>

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
      {"matmul int", [] { xg::matmul(xg::ones({2, 2}, xg::kInt64), xg::ones({2, 2}, xg::kInt64)); }, {"matmul", "int64"}},
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
      {"scatter_add src", [] { xg::scatter_add(z({2, 3}), 1, xg::zeros({2, 1}, xg::kInt64), z({2, 2})); }, {"scatter_add", "[2, 2]"}},
      {"one_hot range", [] { xg::one_hot(idx({0, 4}), 3); }, {"one_hot", "index 4"}},
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
      {"clamp bounds", [] { xg::clamp(z({2}), 1.0, 0.0); }, {"clamp", "1", "0"}},
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
      {"/= on a leaf that requires grad", [] { auto t = needs_grad({2}); t /= 2.0; }, {"copy_", "requires grad"}},
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
