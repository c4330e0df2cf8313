// nn::save: the header is built with nlohmann's ordered_json (tensors in the state's order), padded
// with spaces to a multiple of 8 bytes as the reference writer does (so data stays 8-aligned), and
// the whole file goes to a temporary that is fsynced and renamed over the destination: a crash or
// a full disk mid-save leaves the previous checkpoint as it was.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "safetensors_format.hpp"
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/nn/serialize.hpp"

namespace xgrad::nn {

namespace {

// A tensor's bytes: storage is contiguous and views share it from its start (xgrad has no offsets).
const unsigned char* raw_bytes(const Tensor& t) { return static_cast<const unsigned char*>(t.impl()->storage->data); }

std::string build_header(const StateDict& state, const Metadata& metadata, const std::string& path) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : state) {
    if (name.empty() || name == "__metadata__")
      throw Error(fmt::format("nn::save: '{}': '{}' cannot be a tensor name", path, name));
    if (!t.defined()) throw Error(fmt::format("nn::save: '{}': tensor '{}' is undefined", path, name));
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype());
    header[name] = {{"dtype", safetensors::dtype_code(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // names or metadata that are not valid UTF-8
    throw Error(fmt::format("nn::save: '{}': the header cannot be written as JSON: {}", path, e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// A file descriptor that closes itself; the temporary is removed unless commit() ran.
class TempFile {
 public:
  explicit TempFile(const std::string& target) {
    static std::atomic<unsigned> counter{0};
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      path_ = fmt::format("{}.tmp.{}.{}", target, ::getpid(), counter++);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0)
      throw Error(
          fmt::format("nn::save: cannot create a temporary file next to '{}': {}", target, std::strerror(errno)));
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(const void* data, std::size_t n, const std::string& target) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0)
        throw Error(
            fmt::format("nn::save: writing '{}' failed at byte {}: {}", target, written_, std::strerror(errno)));
      p += w;
      n -= static_cast<std::size_t>(w);
      written_ += static_cast<std::uint64_t>(w);
    }
  }

  void commit(const std::string& target) {
    if (::fsync(fd_) != 0) throw Error(fmt::format("nn::save: fsync of '{}' failed: {}", path_, std::strerror(errno)));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(fmt::format("nn::save: closing '{}' failed: {}", path_, std::strerror(errno)));
    if (::rename(path_.c_str(), target.c_str()) != 0)
      throw Error(fmt::format("nn::save: renaming '{}' to '{}' failed: {}", path_, target, std::strerror(errno)));
    committed_ = true;
    sync_directory(target);
  }

 private:
  // Makes the rename itself durable (best effort: some file systems refuse to fsync a directory).
  static void sync_directory(const std::string& target) {
    std::filesystem::path dir = std::filesystem::path(target).parent_path();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
  std::uint64_t written_ = 0;
};

}  // namespace

void save(const StateDict& state, const std::string& path, const Metadata& metadata) {
  const std::string header = build_header(state, metadata, path);
  TempFile file(path);
  unsigned char length[8];
  safetensors::put_u64_le(length, header.size());
  file.write(length, 8, path);
  file.write(header.data(), header.size(), path);
  std::vector<unsigned char> swapped;
  for (const auto& [name, t] : state) {
    const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * element_size(t.dtype());
    if constexpr (std::endian::native == std::endian::little) {
      file.write(raw_bytes(t), nbytes, path);
    } else {
      swapped.assign(raw_bytes(t), raw_bytes(t) + nbytes);
      safetensors::to_or_from_little_endian(swapped.data(), nbytes, element_size(t.dtype()));
      file.write(swapped.data(), nbytes, path);
    }
  }
  file.commit(path);
}

}  // namespace xgrad::nn
