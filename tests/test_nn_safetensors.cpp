// safetensors checkpoints: bit-exact round trips, the exact layout on disk, a corrupt or truncated
// file always throws (never crashes or reads out of bounds), an interrupted save keeps the old file,
// and Python (numpy, torch) reads what xgrad writes and the other way round.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xgrad/xgrad.hpp>

namespace fs = std::filesystem;
namespace nn = xg::nn;
using nlohmann::json;

namespace {

// A fresh folder per test case, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / fmt::format("xgrad_nn_st_{}_{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::size_t count() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string raw_hex(const xg::Tensor& t) {
  std::string bytes(static_cast<std::size_t>(t.numel()) * xg::element_size(t.dtype()), '\0');
  switch (t.dtype()) {
    case xg::kFloat32:
      std::memcpy(bytes.data(), t.data_ptr<float>(), bytes.size());
      break;
    case xg::kFloat64:
      std::memcpy(bytes.data(), t.data_ptr<double>(), bytes.size());
      break;
    case xg::kInt64:
      std::memcpy(bytes.data(), t.data_ptr<std::int64_t>(), bytes.size());
      break;
    case xg::kBool:
      std::memcpy(bytes.data(), t.data_ptr<bool>(), bytes.size());
      break;
  }
  std::string hex;
  for (unsigned char c : bytes) hex += fmt::format("{:02x}", c);
  return hex;
}

// Same dtype, shape and bytes (so NaN payloads and −0.0 count).
bool bit_equal(const xg::Tensor& a, const xg::Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && raw_hex(a) == raw_hex(b);
}

// Every dtype, a 0-d and an empty tensor, and values that only a bit-exact format keeps.
xg::StateDict varied_state() {
  xg::StateDict s;
  s.insert("fc1.weight", xg::randn({3, 4}));
  s.insert("fc1.bias", xg::tensor({-0.0, 1e-300, NAN, INFINITY, -INFINITY, 5e-324}, {6}, xg::kFloat64));
  s.insert("step", xg::tensor(std::vector<std::int64_t>{INT64_MIN, -1, 0, INT64_MAX}, {2, 2}, xg::kInt64));
  s.insert("mask", xg::tensor({1.0, 0.0, 1.0}, {3}, xg::kBool));
  s.insert("scale", xg::scalar_tensor(0.1, xg::kFloat64));
  s.insert("empty", xg::zeros({0, 5}));
  return s;
}

json expected_json(const xg::StateDict& s, const nn::Metadata& metadata) {
  json out = {{"metadata", metadata}, {"tensors", json::object()}};
  for (const auto& [name, t] : s) {
    json values = json::array();
    for (double v : t.to_vector()) {
      if (t.dtype() == xg::kInt64 || t.dtype() == xg::kBool) continue;
      if (std::isnan(v))
        values.push_back("nan");
      else if (std::isinf(v))
        values.push_back(v > 0 ? "inf" : "-inf");
      else
        values.push_back(v);
    }
    if (t.dtype() == xg::kInt64)
      for (std::int64_t i = 0; i < t.numel(); ++i) values.push_back(t.data_ptr<std::int64_t>()[i]);
    if (t.dtype() == xg::kBool)
      for (std::int64_t i = 0; i < t.numel(); ++i) values.push_back(t.data_ptr<bool>()[i]);
    const char* code = t.dtype() == xg::kFloat32   ? "F32"
                       : t.dtype() == xg::kFloat64 ? "F64"
                       : t.dtype() == xg::kInt64   ? "I64"
                                                   : "BOOL";
    out["tensors"][name] = {{"dtype", code}, {"shape", t.shape()}, {"values", values}, {"hex", raw_hex(t)}};
  }
  return out;
}

bool python_has_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0; }

std::string interop_script() { return std::string(XGRAD_SOURCE_DIR) + "/scripts/safetensors_interop.py"; }

// Loads `path`; true when it threw an xgrad::Error (any other exception fails the test).
bool load_throws(const std::string& path) {
  try {
    nn::load(path);
    return false;
  } catch (const xg::Error&) {
    return true;
  }
}

}  // namespace

TEST_CASE("a state_dict round-trips bit-exactly, in order, with metadata") {
  TempDir dir;
  xg::manual_seed(1);
  const xg::StateDict s = varied_state();
  const std::string path = dir.file("model.safetensors");
  nn::save(s, path, {{"format", "pt"}, {"epoch", "3"}});
  const nn::SafetensorsFile loaded = nn::load_file(path);
  CHECK(loaded.tensors.keys() == s.keys());
  for (const auto& [name_entry, t] : s) {
    const auto& name = name_entry;  // CAPTURE cannot take a structured binding in clang 14
    CAPTURE(name);
    CHECK(bit_equal(loaded.tensors.at(name), t));
  }
  CHECK(loaded.metadata == nn::Metadata{{"format", "pt"}, {"epoch", "3"}});
  CHECK(nn::load(path).size() == s.size());
  CHECK(dir.count() == 1);  // no temporary left behind

  // A module's state_dict through a file into another module.
  nn::Sequential a(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
  nn::Sequential b(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
  nn::save(a->state_dict(), path);
  b->load_state_dict(nn::load(path));
  const auto x = xg::randn({5, 3});
  CHECK(xg::equal(a(x), b(x)));
}

TEST_CASE("the file layout is the format's: u64 LE header length, JSON header padded to 8, data back to back") {
  TempDir dir;
  xg::StateDict s;
  s.insert("b", xg::tensor({1.0, 2.0}, {2}, xg::kFloat64));
  s.insert("a", xg::tensor({3.0}, {1, 1}));
  const std::string path = dir.file("layout.safetensors");
  nn::save(s, path);
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() >= 8);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  CHECK(n % 8 == 0);
  CHECK(bytes.size() == 8 + n + 16 + 4);
  const json header = json::parse(bytes.substr(8, n));
  CHECK(header["b"] == json{{"dtype", "F64"}, {"shape", {2}}, {"data_offsets", {0, 16}}});
  CHECK(header["a"] == json{{"dtype", "F32"}, {"shape", {1, 1}}, {"data_offsets", {16, 20}}});
  CHECK_FALSE(header.contains("__metadata__"));  // only written when there is some
  double first;
  std::memcpy(&first, bytes.data() + 8 + n, 8);
  CHECK(first == 1.0);
  CHECK(bytes.substr(8, n).front() == '{');
}

TEST_CASE("every truncation of a small file throws xgrad::Error naming the file") {
  TempDir dir;
  xg::StateDict s;
  s.insert("w", xg::tensor({1.0, 2.0, 3.0}, {3}));
  s.insert("n", xg::tensor(std::vector<std::int64_t>{7}, {1}, xg::kInt64));
  const std::string good = dir.file("good.safetensors");
  nn::save(s, good);
  const std::string bytes = read_bytes(good);
  const std::string cut = dir.file("cut.safetensors");
  std::size_t thrown = 0;
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    write_bytes(cut, bytes.substr(0, len));
    if (load_throws(cut)) ++thrown;
  }
  CHECK(thrown == bytes.size());
  write_bytes(cut, bytes.substr(0, 5));
  CHECK_THROWS_WITH_AS(nn::load(cut), doctest::Contains("cut.safetensors' is truncated: 5 bytes"), xg::Error);
  write_bytes(cut, bytes.substr(0, bytes.size() - 1));
  CHECK_THROWS_WITH_AS(nn::load(cut), doctest::Contains("past the end of the file"), xg::Error);
  CHECK_THROWS_WITH_AS(nn::load(dir.file("missing.safetensors")), doctest::Contains("cannot open"), xg::Error);
}

TEST_CASE("flipped bytes in the length and header throw or load consistently, never crash") {
  TempDir dir;
  xg::StateDict s;
  s.insert("weight", xg::tensor({1.0, -2.0, 3.5, 4.0}, {2, 2}));
  s.insert("bias", xg::tensor({0.5}, {1}, xg::kFloat64));
  const std::string good = dir.file("good.safetensors");
  nn::save(s, good, {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  const std::string bad = dir.file("bad.safetensors");
  std::size_t all_bits_thrown = 0, low_bit_loaded = 0;
  for (std::size_t i = 0; i < 8 + n; ++i) {
    // Flipping all 8 bits makes a byte ≥ 0x80 in ASCII JSON (or a wrong length): always an error.
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0xFF);
    write_bytes(bad, flipped);
    if (load_throws(bad)) ++all_bits_thrown;
    // Flipping the low bit may leave a valid file ("weight" -> "veight"): then it must load sanely.
    flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    write_bytes(bad, flipped);
    try {
      const auto loaded = nn::load(bad);
      ++low_bit_loaded;
      std::int64_t total = 0;
      for (const auto& [name, t] : loaded) total += t.numel() * static_cast<std::int64_t>(xg::element_size(t.dtype()));
      CHECK(total == 24);  // whatever loaded is exactly the data block
    } catch (const xg::Error&) {
    }
  }
  CHECK(all_bits_thrown == 8 + n);
  MESSAGE("low-bit flips that still formed a valid file: " << low_bit_loaded << " of " << 8 + n);
}

TEST_CASE("hand-made corrupt headers are rejected with precise messages") {
  TempDir dir;
  const std::string path = dir.file("corrupt.safetensors");
  auto make = [&](const std::string& header, std::size_t data_bytes, std::string data = "") {
    std::string bytes(8, '\0');
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
    if (data.empty()) data = std::string(data_bytes, '\0');
    write_bytes(path, bytes + header + data);
  };
  auto rejects = [&](const std::string& header, std::size_t data, const std::string& message, std::string raw = "") {
    CAPTURE(header);
    make(header, data, raw);
    try {
      nn::load(path);
      FAIL("loaded a corrupt file");
    } catch (const xg::Error& e) {
      const std::string what = e.what();
      CHECK_MESSAGE(what.find(message) != std::string::npos, what);
      CHECK_MESSAGE(what.find("corrupt.safetensors") != std::string::npos, what);
      CHECK_MESSAGE(what.find("byte") != std::string::npos, what);
    }
  };
  make(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
  CHECK(nn::load(path).at("a").numel() == 2);  // the baseline is valid

  rejects(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4, "past the end of the file at byte");
  rejects(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "needs 12 bytes");
  rejects(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4, "dtype F16 is not supported by xgrad");
  rejects(R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,4]}})", 4, "unknown dtype \"Q7\"");
  rejects(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "not a non-negative integer");
  rejects(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", 8, "not a non-negative integer");
  rejects(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8, "too large");
  rejects(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8, "end before they begin");
  rejects(R"({"a":{"dtype":"F32","shape":[2]}})", 8, "\"data_offsets\" must be two non-negative integers");
  rejects(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", 8, "missing or non-string \"dtype\"");
  rejects(R"({"a":[1,2]})", 8, "the entry is not an object");
  rejects(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
      8, "overlaps tensor 'a'");
  rejects(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8, "4 unclaimed bytes at byte");
  rejects(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8, "4 bytes after the last tensor");
  rejects(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)", 8, "the JSON header is invalid at byte");
  rejects(R"([1,2,3])", 0, "does not start with '{'");
  rejects(R"({"__metadata__":{"k":1}})", 0, "\"__metadata__\" entry 'k'");
  rejects(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", 2, "holds the value 7 at byte",
          std::string("\x01\x07", 2));
  // A header length beyond the file, and one beyond the format's 100 MB limit.
  write_bytes(path, std::string("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10));
  CHECK_THROWS_WITH_AS(nn::load(path), doctest::Contains("header length 4294967295 (byte 0) runs past the end"),
                       xg::Error);
}

TEST_CASE("save rejects what the format cannot hold, before touching the destination") {
  TempDir dir;
  const std::string path = dir.file("x.safetensors");
  xg::StateDict s;
  s.insert("__metadata__", xg::ones({1}));
  CHECK_THROWS_WITH_AS(nn::save(s, path), doctest::Contains("'__metadata__' cannot be a tensor name"), xg::Error);
  xg::StateDict u;
  u.insert("undefined", xg::Tensor());
  CHECK_THROWS_WITH_AS(nn::save(u, path), doctest::Contains("tensor 'undefined' is undefined"), xg::Error);
  xg::StateDict bad_utf8;
  bad_utf8.insert(std::string("w\xff"), xg::ones({1}));
  CHECK_THROWS_WITH_AS(nn::save(bad_utf8, path), doctest::Contains("cannot be written as JSON"), xg::Error);
  CHECK_FALSE(fs::exists(path));
  CHECK(dir.count() == 0);
  CHECK_THROWS_WITH_AS(nn::save(varied_state(), dir.file("no/such/folder/x.safetensors")),
                       doctest::Contains("cannot create a temporary file"), xg::Error);
}

TEST_CASE("an interrupted save leaves the previous file intact") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  xg::StateDict old_state;
  old_state.insert("w", xg::tensor({1.0, 2.0, 3.0}, {3}));
  nn::save(old_state, path);
  const std::string before = read_bytes(path);
  xg::StateDict big;
  big.insert("w", xg::zeros({64 * 1024}));  // 256 KiB: far past the file-size limit below

  SUBCASE("the write fails (file size limit, as a full disk): the error names the file, the temporary is gone") {
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    auto* previous = std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
    rlimit small = saved;
    small.rlim_cur = 4096;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    bool threw = false;
    std::string message;
    try {
      nn::save(big, path);
    } catch (const xg::Error& e) {
      threw = true;
      message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
    CHECK(threw);
    CHECK_MESSAGE(message.find("ckpt.safetensors") != std::string::npos, message);
    CHECK_MESSAGE(message.find("failed at byte 4096") != std::string::npos, message);
    CHECK(read_bytes(path) == before);
    CHECK(dir.count() == 1);
  }
  SUBCASE("the saving process dies mid-write (killed by SIGXFSZ): the old file is untouched and loads") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      rlimit small{4096, 4096};
      rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);
      ::setrlimit(RLIMIT_FSIZE, &small);
      std::signal(SIGXFSZ, SIG_DFL);
      try {
        nn::save(big, path);
      } catch (...) {
      }
      ::_exit(0);  // not reached when the signal kills the child
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGXFSZ);
    CHECK(read_bytes(path) == before);
    CHECK(bit_equal(nn::load(path).at("w"), old_state.at("w")));
  }
  // And a completed save replaces the file.
  nn::save(big, path);
  CHECK(nn::load(path).at("w").numel() == 64 * 1024);
}

TEST_CASE("Python interop: numpy (and torch) read xgrad's file; xgrad reads a file written by Python") {
  if (!python_has_numpy()) {
    MESSAGE("SKIPPED: /usr/bin/python3 with numpy is not available, the Python half of the interop test did not run");
    return;
  }
  TempDir dir;
  xg::manual_seed(7);
  const xg::StateDict s = varied_state();
  const nn::Metadata metadata{{"format", "pt"}, {"written_by", "xgrad"}};
  const std::string ours = dir.file("from_xgrad.safetensors"), ours_expected = dir.file("from_xgrad.json");
  nn::save(s, ours, metadata);
  std::ofstream(ours_expected) << expected_json(s, metadata).dump();
  const std::string read_cmd =
      fmt::format("/usr/bin/python3 '{}' read '{}' '{}'", interop_script(), ours, ours_expected);
  CHECK_MESSAGE(std::system(read_cmd.c_str()) == 0, "Python could not read xgrad's file equal: " << read_cmd);

  const std::string theirs = dir.file("from_python.safetensors"), theirs_expected = dir.file("from_python.json");
  const std::string write_cmd =
      fmt::format("/usr/bin/python3 '{}' write '{}' '{}' > /dev/null", interop_script(), theirs, theirs_expected);
  REQUIRE_MESSAGE(std::system(write_cmd.c_str()) == 0, write_cmd);
  const nn::SafetensorsFile loaded = nn::load_file(theirs);
  std::ifstream in(theirs_expected);
  const json expected = json::parse(in);
  CHECK(loaded.metadata == expected["metadata"].get<nn::Metadata>());
  REQUIRE(loaded.tensors.size() == expected["tensors"].size());
  for (const auto& [name_entry, want] : expected["tensors"].items()) {
    const auto& name = name_entry;  // CAPTURE cannot take a structured binding in clang 14
    CAPTURE(name);
    const xg::Tensor& t = loaded.tensors.at(name);
    CHECK(t.shape() == want["shape"].get<xg::Shape>());
    CHECK(raw_hex(t) == want["hex"].get<std::string>());  // bit-exact, NaN and -0.0 included
    const auto values = t.to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const json& v = want["values"][i];
      if (v.is_string())
        CHECK(std::isnan(values[i]) == (v == "nan"));
      else if (v.is_boolean())
        CHECK(values[i] == (v.get<bool>() ? 1.0 : 0.0));
      else if (t.dtype() == xg::kInt64)
        CHECK(t.data_ptr<std::int64_t>()[i] == v.get<std::int64_t>());
      else
        CHECK(values[i] == v.get<double>());
    }
  }
  CHECK(loaded.tensors.keys() ==
        std::vector<std::string>{"linear.weight", "linear.bias", "special", "counts", "mask", "scalar", "empty"});
}
