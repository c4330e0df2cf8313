// A file opened for reading that is known to be a regular file, for the readers of IDX, CSV and
// safetensors files (and users' own readers). Directories, devices, FIFOs and sockets are refused
// before a byte is read: they have no size to check a header against, and /dev/zero never ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace xgrad {

class RegularFile {
 public:
  // Errors are xgrad::Error "{op}: ..." naming the path.
  RegularFile(const std::filesystem::path& path, const char* op);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  // The size the file had when it was opened; reads never go past it.
  std::uint64_t size() const { return size_; }
  // Exactly `count` bytes from byte `offset`, which must lie within size().
  std::vector<unsigned char> read(std::uint64_t offset, std::uint64_t count) const;
  std::vector<unsigned char> read_all() const { return read(0, size_); }

 private:
  std::filesystem::path path_;
  const char* op_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace xgrad
