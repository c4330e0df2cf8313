#include "file_bytes.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "xgrad/error.hpp"
#include "xgrad/regular_file.hpp"

namespace xgrad::data::detail {

std::vector<unsigned char> read_file(const std::filesystem::path& path, const char* op) {
  return RegularFile(path, op).read_all();
}

bool is_gzip(std::span<const unsigned char> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {

struct Inflater {
  z_stream stream{};
  Inflater() {
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)  // 16+: expect a gzip wrapper and check its CRC
      throw Error("gunzip: zlib could not be initialized");
  }
  ~Inflater() { inflateEnd(&stream); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

// gzip stores the uncompressed size (mod 2^32) in its last 4 bytes: a good first guess for the buffer.
// Trusted only up to deflate's maximum ratio (about 1032:1), so a damaged or truncated file cannot
// make us allocate gigabytes up front.
std::size_t size_hint(std::span<const unsigned char> in) {
  constexpr std::size_t kMin = 1 << 16;
  if (in.size() < 18) return kMin;
  const unsigned char* p = in.data() + in.size() - 4;
  const std::size_t isize = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::size_t>(p[3]) << 24);
  return std::clamp<std::size_t>(isize, kMin, std::max(kMin, in.size() * 1032));
}

}  // namespace

std::vector<unsigned char> gunzip(std::span<const unsigned char> in, const std::filesystem::path& path, const char* op,
                                  std::size_t limit) {
  auto fail = [&](std::size_t offset, const std::string& what) {
    return Error(fmt::format("{}: '{}': {} at compressed byte offset {}", op, path.string(), what, offset));
  };
  Inflater z;
  std::vector<unsigned char> out(std::min(size_hint(in), limit));
  std::size_t pos = 0, produced = 0;
  for (;;) {
    if (produced == limit) break;  // the caller needs no more (a gzip bomb stops here)
    if (produced == out.size()) out.resize(std::min(out.size() * 2, limit));
    // zlib counts in 32-bit unsigned: feed and drain at most UINT_MAX bytes per call.
    z.stream.next_in = const_cast<Bytef*>(in.data() + pos);
    z.stream.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size() - pos, UINT_MAX));
    z.stream.next_out = out.data() + produced;
    z.stream.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, UINT_MAX));
    const uInt avail_in = z.stream.avail_in, avail_out = z.stream.avail_out;
    const int status = inflate(&z.stream, Z_NO_FLUSH);
    pos += avail_in - z.stream.avail_in;
    produced += avail_out - z.stream.avail_out;
    if (status == Z_STREAM_END) {
      if (pos == in.size()) break;
      if (!is_gzip(in.subspan(pos)))
        throw fail(pos, fmt::format("{} trailing bytes after the gzip stream", in.size() - pos));
      inflateReset(&z.stream);  // the next member of a multi-member file
    } else if (status == Z_OK || status == Z_BUF_ERROR) {
      if (pos == in.size() && z.stream.avail_out != 0)
        throw fail(pos, "the gzip stream is truncated: the file ends");
      if (status == Z_BUF_ERROR && z.stream.avail_out != 0)  // input and room, yet no progress
        throw fail(pos, "zlib cannot make progress in the gzip stream");
    } else {
      throw fail(pos, fmt::format("corrupt gzip data ({})", z.stream.msg ? z.stream.msg : zError(status)));
    }
  }
  out.resize(produced);
  return out;
}

}  // namespace xgrad::data::detail
