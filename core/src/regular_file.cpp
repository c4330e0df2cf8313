#include "xgrad/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad {

namespace {
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}
}  // namespace

RegularFile::RegularFile(const std::filesystem::path& path, const char* op) : path_(path), op_(op) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can refuse it.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open '{}': {}", op, path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    throw Error(fmt::format("{}: cannot inspect '{}': {}", op, path.string(), std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw Error(fmt::format("{}: '{}' is {}, not a regular file", op, path.string(), kind_of(st.st_mode)));
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

RegularFile::~RegularFile() { ::close(fd_); }

std::vector<unsigned char> RegularFile::read(std::uint64_t offset, std::uint64_t count) const {
  if (offset > size_ || count > size_ - offset)
    throw Error(fmt::format("{}: '{}': bytes {} to {} lie past the end of the file at byte {}", op_, path_.string(),
                            offset, offset + count, size_));
  std::vector<unsigned char> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(count));
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format("{}: '{}': cannot allocate {} bytes to read it", op_, path_.string(), count));
  }
  for (std::uint64_t done = 0; done < count;) {
    const ssize_t n = ::pread(fd_, bytes.data() + done, count - done, static_cast<off_t>(offset + done));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0)
      throw Error(fmt::format("{}: '{}': read error at byte offset {}: {}", op_, path_.string(), offset + done,
                              std::strerror(errno)));
    if (n == 0)  // the file shrank since it was opened
      throw Error(fmt::format("{}: '{}': the file ends at byte offset {}, before the {} bytes it had when opened", op_,
                              path_.string(), offset + done, size_));
    done += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

}  // namespace xgrad
