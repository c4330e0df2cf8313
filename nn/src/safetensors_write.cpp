// nn::save: the header is built with nlohmann's ordered_json (tensors in the state's order), padded
// with spaces to a multiple of 8 bytes as the reference writer does (so data stays 8-aligned), and
// the whole file goes to a temporary that is fsynced and renamed over the destination: a crash or
// a full disk mid-save leaves the previous checkpoint as it was. A destination that is a symbolic
// link is written through (its target is replaced); temporaries of killed saves are cleaned up.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "safetensors_format.hpp"
#include "xgrad/error.hpp"
#include "xgrad/nn/serialize.hpp"

namespace xgrad::nn {

namespace {

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

// The file a save replaces. Symbolic links are followed, so that the temporary is written next to
// the link's target and renamed over it: the link stays a link and its target gets the new weights.
std::string resolve_links(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {  // 40: the kernel's own limit on a chain of links
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p.string();
    const fs::path target = fs::read_symlink(p, ec);
    if (ec)
      throw Error(fmt::format("nn::save: cannot read the symbolic link '{}': {}", p.string(), ec.message()));
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  throw Error(fmt::format("nn::save: '{}': too many levels of symbolic links", path));
}

// Temporaries this process is writing now: stale-temporary cleanup must never take one of them.
std::mutex live_temporaries_mutex;
std::set<std::string> live_temporaries;

bool is_live_temporary(const std::string& path) {
  std::lock_guard<std::mutex> lock(live_temporaries_mutex);
  return live_temporaries.count(path) > 0;
}

// Parses "<pid>.<n>" (the suffix of a temporary's name); nothing when the rest is anything else.
std::optional<pid_t> temporary_pid(std::string_view rest) {
  const std::size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size()) return std::nullopt;
  const auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
  if (!digits(rest.substr(0, dot)) || !digits(rest.substr(dot + 1)) || dot > 9) return std::nullopt;
  return static_cast<pid_t>(std::stol(std::string(rest.substr(0, dot))));
}

// A save killed by a signal leaves its temporary "<target>.tmp.<pid>.<n>" behind. Removes those of
// this target that are older than a minute (a save in progress keeps its file's time fresh as it
// writes) and that belong to no running save: not ours, not of another process that still runs.
void remove_stale_temporaries(const std::string& target) {
  namespace fs = std::filesystem;
  const fs::path target_path(target);
  const fs::path dir = target_path.has_parent_path() ? target_path.parent_path() : fs::path(".");
  const std::string prefix = target_path.filename().string() + ".tmp.";
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::optional<pid_t> pid = temporary_pid(std::string_view(name).substr(prefix.size()));
    if (!pid || is_live_temporary(it->path().string())) continue;
    if (*pid != ::getpid() && (::kill(*pid, 0) == 0 || errno == EPERM)) continue;  // that process still runs
    std::error_code time_ec;
    const auto modified = fs::last_write_time(it->path(), time_ec);
    if (time_ec || now - modified < std::chrono::minutes(1)) continue;
    std::error_code remove_ec;
    if (it->is_regular_file(remove_ec)) fs::remove(it->path(), remove_ec);  // best effort: the save goes on
  }
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
    std::lock_guard<std::mutex> lock(live_temporaries_mutex);
    live_temporaries.insert(path_);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
    std::lock_guard<std::mutex> lock(live_temporaries_mutex);
    live_temporaries.erase(path_);
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

void save(const StateDict& state, const std::string& path_given, const Metadata& metadata) {
  const std::string header = build_header(state, metadata, path_given);
  const std::string path = resolve_links(path_given);
  remove_stale_temporaries(path);
  TempFile file(path);
  unsigned char length[8];
  safetensors::put_u64_le(length, header.size());
  file.write(length, 8, path);
  file.write(header.data(), header.size(), path);
  std::vector<unsigned char> swapped;
  for (const auto& [name, t] : state) {
    const std::span<const std::byte> bytes = t.bytes();
    if constexpr (std::endian::native == std::endian::little) {
      file.write(bytes.data(), bytes.size(), path);
    } else {
      const auto* first = reinterpret_cast<const unsigned char*>(bytes.data());
      swapped.assign(first, first + bytes.size());
      safetensors::to_or_from_little_endian(swapped.data(), bytes.size(), element_size(t.dtype()));
      file.write(swapped.data(), bytes.size(), path);
    }
  }
  file.commit(path);
}

}  // namespace xgrad::nn
