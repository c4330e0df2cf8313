// Helpers for the data tests: a temporary folder, and IDX and gzip files built byte by byte, so the
// readers are checked against the formats' definitions rather than against xgrad's own writers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace data_test {

using Bytes = std::vector<unsigned char>;

// A fresh folder under the system temp directory, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    for (;;) {
      path_ = std::filesystem::temp_directory_path() / ("xgrad_data_test_" + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline void put_be(Bytes& out, std::uint64_t value, int bytes) {
  for (int k = bytes - 1; k >= 0; --k) out.push_back(static_cast<unsigned char>(value >> (8 * k)));
}

// An IDX file: magic 00 00 type ndims, big-endian sizes, then the elements (already big-endian).
inline Bytes idx_file(unsigned char type, const std::vector<std::uint32_t>& sizes, const Bytes& elements) {
  Bytes out = {0, 0, type, static_cast<unsigned char>(sizes.size())};
  for (auto s : sizes) put_be(out, s, 4);
  out.insert(out.end(), elements.begin(), elements.end());
  return out;
}

// Values as the big-endian bytes IDX stores.
template <class T>
Bytes big_endian(const std::vector<T>& values) {
  using Bits = std::conditional_t<sizeof(T) == 1, std::uint8_t,
               std::conditional_t<sizeof(T) == 2, std::uint16_t,
               std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  Bytes out;
  for (T v : values) {
    Bits bits;
    std::memcpy(&bits, &v, sizeof(T));
    put_be(out, bits, sizeof(T));
  }
  return out;
}

inline void put_le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<unsigned char>(v & 0xff));
  out.push_back(static_cast<unsigned char>(v >> 8));
}

inline std::uint32_t crc32(const Bytes& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A gzip member (RFC 1952) whose deflate data (RFC 1951) is stored blocks of at most `block` bytes:
// valid gzip that needs no compressor.
inline Bytes gzip_stored(const Bytes& data, std::size_t block = 65535) {
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min(block, data.size() - pos);
    const bool last = pos + n == data.size();
    out.push_back(last ? 1 : 0);  // BFINAL, BTYPE 00 (stored), then padding to the byte boundary
    const auto len = static_cast<std::uint16_t>(n), nlen = static_cast<std::uint16_t>(~n);
    put_le16(out, len);
    put_le16(out, nlen);
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<unsigned char>(crc >> (8 * k)));
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<unsigned char>(size >> (8 * k)));
  return out;
}

}  // namespace data_test
