// read_idx on small IDX files written byte by byte: every element type, plain and gzip, and every
// way a file can be cut short or corrupted (each must be an xgrad::Error naming file and offset).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include <xgrad/xgrad.hpp>

#include "data_test_files.hpp"

#if __has_include(<zlib.h>)
#include <zlib.h>
#define XGRAD_TEST_HAVE_ZLIB 1
#endif

using data_test::Bytes;
using data_test::big_endian;
using data_test::idx_file;
using data_test::write_file;
namespace xd = xgrad::data;

namespace {

// A 2x3x2 unsigned-byte "image" file: 16 header bytes + 12 data bytes.
Bytes small_images() {
  return idx_file(0x08, {2, 3, 2}, {0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255});
}

// The message of the xgrad::Error that `f` throws, or a failed check.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const xg::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("not an xgrad::Error: " << e.what());
    return {};
  }
  FAIL_CHECK("no exception");
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("read_idx: unsigned-byte images as float32 with the file's shape, labels as int64") {
  data_test::TempDir dir;
  write_file(dir / "images.idx", small_images());
  const xg::Tensor images = xd::read_idx(dir / "images.idx");
  CHECK(images.dtype() == xg::kFloat32);
  CHECK(images.shape() == xg::Shape{2, 3, 2});
  CHECK(images.to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255});

  write_file(dir / "labels.idx", idx_file(0x08, {5}, {9, 0, 3, 255, 1}));
  const xg::Tensor labels = xd::read_idx(dir / "labels.idx");
  CHECK(labels.dtype() == xg::kInt64);
  CHECK(labels.shape() == xg::Shape{5});
  CHECK(labels.to_vector() == std::vector<double>{9, 0, 3, 255, 1});

  // An explicit dtype overrides the default.
  CHECK(xd::read_idx(dir / "images.idx", xg::kFloat64).dtype() == xg::kFloat64);
  CHECK(xd::read_idx(dir / "labels.idx", xg::kFloat32).to_vector() == std::vector<double>{9, 0, 3, 255, 1});

  // Zero samples is a valid, empty file.
  write_file(dir / "empty.idx", idx_file(0x08, {0, 28, 28}, {}));
  CHECK(xd::read_idx(dir / "empty.idx").shape() == xg::Shape{0, 28, 28});
}

TEST_CASE("read_idx: the other element types, big-endian") {
  data_test::TempDir dir;
  const auto path = dir / "t.idx";

  write_file(path, idx_file(0x09, {4}, big_endian<std::int8_t>({-128, -1, 0, 127})));
  xg::Tensor t = xd::read_idx(path);
  CHECK(t.dtype() == xg::kInt64);
  CHECK(t.to_vector() == std::vector<double>{-128, -1, 0, 127});

  write_file(path, idx_file(0x0B, {2, 2}, big_endian<std::int16_t>({-32768, -2, 258, 32767})));
  t = xd::read_idx(path);
  CHECK(t.dtype() == xg::kInt64);
  CHECK(t.shape() == xg::Shape{2, 2});
  CHECK(t.to_vector() == std::vector<double>{-32768, -2, 258, 32767});

  write_file(path, idx_file(0x0C, {3}, big_endian<std::int32_t>({std::numeric_limits<std::int32_t>::min(), 0x01020304, -7})));
  t = xd::read_idx(path);
  CHECK(t.dtype() == xg::kInt64);
  CHECK(t.to_vector() == std::vector<double>{-2147483648.0, 16909060.0, -7});

  write_file(path, idx_file(0x0D, {1, 3}, big_endian<float>({1.5f, -2.25f, 3.0e38f})));
  t = xd::read_idx(path);
  CHECK(t.dtype() == xg::kFloat32);
  CHECK(t.shape() == xg::Shape{1, 3});
  CHECK(t.data_ptr<float>()[0] == 1.5f);
  CHECK(t.data_ptr<float>()[1] == -2.25f);
  CHECK(t.data_ptr<float>()[2] == 3.0e38f);

  write_file(path, idx_file(0x0E, {2}, big_endian<double>({M_PI, -1e300})));
  t = xd::read_idx(path);
  CHECK(t.dtype() == xg::kFloat64);
  CHECK(t.data_ptr<double>()[0] == M_PI);
  CHECK(t.data_ptr<double>()[1] == -1e300);

  // A float that cannot become an int64 is an error at its own offset (8 header + 4 bytes of 1.0f).
  write_file(path, idx_file(0x0D, {2}, big_endian<float>({1.0f, std::numeric_limits<float>::quiet_NaN()})));
  const std::string message = error_of([&] { xd::read_idx(path, xg::kInt64); });
  CHECK_MESSAGE(contains(message, "byte offset 12"), message);
  CHECK(xd::read_idx(path, xg::kFloat64).dtype() == xg::kFloat64);
}

TEST_CASE("read_idx: gzip files, detected by content, one or several members") {
  data_test::TempDir dir;
  const Bytes raw = small_images();
  const std::vector<double> expected = xd::read_idx([&] {
    write_file(dir / "plain.idx", raw);
    return dir / "plain.idx";
  }()).to_vector();

  write_file(dir / "images.idx.gz", data_test::gzip_stored(raw));
  CHECK(xd::read_idx(dir / "images.idx.gz").to_vector() == expected);
  CHECK(xd::read_idx(dir / "images.idx.gz").shape() == xg::Shape{2, 3, 2});

  // Several stored blocks, then two concatenated members (what `cat a.gz b.gz` makes).
  write_file(dir / "blocks.gz", data_test::gzip_stored(raw, 5));
  CHECK(xd::read_idx(dir / "blocks.gz").to_vector() == expected);
  Bytes two = data_test::gzip_stored(Bytes(raw.begin(), raw.begin() + 10));
  const Bytes second = data_test::gzip_stored(Bytes(raw.begin() + 10, raw.end()));
  two.insert(two.end(), second.begin(), second.end());
  write_file(dir / "members.gz", two);
  CHECK(xd::read_idx(dir / "members.gz").to_vector() == expected);

#ifdef XGRAD_TEST_HAVE_ZLIB
  // Really compressed data (Huffman-coded blocks), larger than one output buffer.
  Bytes elements(300 * 17 * 13);
  for (std::size_t i = 0; i < elements.size(); ++i) elements[i] = static_cast<unsigned char>((i * i) % 251);
  const Bytes big = idx_file(0x08, {300, 17, 13}, elements);
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes packed(deflateBound(&z, big.size()));
  z.next_in = const_cast<Bytef*>(big.data());
  z.avail_in = static_cast<uInt>(big.size());
  z.next_out = packed.data();
  z.avail_out = static_cast<uInt>(packed.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  packed.resize(z.total_out);
  deflateEnd(&z);
  CHECK(packed.size() < big.size());
  write_file(dir / "big.gz", packed);
  const xg::Tensor t = xd::read_idx(dir / "big.gz");
  CHECK(t.shape() == xg::Shape{300, 17, 13});
  CHECK(t.data_ptr<float>()[1234] == static_cast<float>((1234 * 1234) % 251));
  CHECK(t.data_ptr<float>()[elements.size() - 1] == static_cast<float>(elements.back()));
#endif
}

TEST_CASE("read_idx: every truncation of a small file is an error naming the file and the offset") {
  data_test::TempDir dir;
  const Bytes full = small_images();  // header 16 bytes, data 12
  REQUIRE(full.size() == 28);
  const auto path = dir / "cut-images.idx";
  for (std::size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    write_file(path, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string message = error_of([&] { xd::read_idx(path); });
    CHECK_MESSAGE(contains(message, "cut-images.idx"), message);
    // The reader reports where the file stopped short: its length.
    CHECK_MESSAGE(contains(message, "byte offset " + std::to_string(n)), message);
    CHECK_MESSAGE(contains(message, n < 16 ? "truncated header" : "truncated data"), message);
  }
}

TEST_CASE("read_idx: every truncation of a gzip file is an error naming the file and an offset") {
  data_test::TempDir dir;
  const Bytes full = data_test::gzip_stored(small_images(), 7);
  const auto path = dir / "cut.idx.gz";
  for (std::size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    write_file(path, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string message = error_of([&] { xd::read_idx(path); });
    CHECK_MESSAGE(contains(message, "cut.idx.gz"), message);
    CHECK_MESSAGE(contains(message, "byte offset"), message);
  }
}

TEST_CASE("read_idx: wrong magic numbers, trailing bytes, corrupt gzip, missing files") {
  data_test::TempDir dir;
  const auto path = dir / "bad.idx";
  auto error_for = [&](const Bytes& bytes) {
    write_file(path, bytes);
    return error_of([&] { xd::read_idx(path); });
  };
  Bytes b = small_images();

  struct Case {
    const char* what;
    Bytes bytes;
    std::vector<std::string> parts;
  };
  Bytes nonzero = b, unknown_type = b, no_dims = {0, 0, 8, 0}, swapped = b, trailing = b;
  nonzero[1] = 1;
  unknown_type[2] = 0x0A;
  std::swap(swapped[0], swapped[3]);  // the magic number written little-endian
  std::swap(swapped[1], swapped[2]);
  trailing.push_back(0);
  const std::vector<Case> cases = {
      {"nonzero first bytes", nonzero, {"wrong magic number 0x00010803", "byte offset 0"}},
      {"unknown type", unknown_type, {"wrong magic number 0x00000A03", "byte offset 2"}},
      {"little-endian magic", swapped, {"wrong magic number 0x03080000", "byte offset 0"}},
      {"zero dimensions", no_dims, {"0 dimensions", "byte offset 3"}},
      {"trailing byte", trailing, {"1 trailing bytes", "byte offset 28"}},
      {"a text file", Bytes{'h', 'e', 'l', 'l', 'o'}, {"wrong magic number 0x68656C6C", "byte offset 0"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const std::string message = error_for(c.bytes);
    CHECK_MESSAGE(contains(message, "bad.idx"), message);
    for (const auto& part : c.parts) CHECK_MESSAGE(contains(message, part), message);
  }

  // Sizes that promise more data than the file holds, even when their product overflows 64 bits.
  const std::string huge = error_for(idx_file(0x0E, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3}));
  CHECK_MESSAGE(contains(huge, "truncated data"), huge);

  // Inside a gzip file, offsets count decompressed bytes, and say so.
  write_file(dir / "bad.gz", data_test::gzip_stored(nonzero));
  std::string message = error_of([&] { xd::read_idx(dir / "bad.gz"); });
  CHECK_MESSAGE(contains(message, "byte offset 0 of the decompressed data"), message);

  // A damaged CRC, a damaged stored-block length, and bytes after the gzip stream.
  Bytes gz = data_test::gzip_stored(b);
  Bytes bad_crc = gz, bad_len = gz, gz_trailing = gz;
  bad_crc[bad_crc.size() - 8] ^= 0x40;
  bad_len[11] ^= 0x01;  // LEN no longer matches NLEN
  gz_trailing.push_back('x');
  // No structured binding here: CAPTURE and the lambda capture `name`, which clang 14 cannot.
  for (const auto& row : std::vector<std::tuple<std::string, Bytes, std::string>>{
           {"crc.gz", bad_crc, "corrupt gzip data"},
           {"len.gz", bad_len, "corrupt gzip data"},
           {"trailing.gz", gz_trailing, "1 trailing bytes after the gzip stream"}}) {
    const std::string& name = std::get<0>(row);
    const std::string& part = std::get<2>(row);
    CAPTURE(name);
    write_file(dir / name, std::get<1>(row));
    message = error_of([&] { xd::read_idx(dir / name); });
    CHECK_MESSAGE(contains(message, name), message);
    CHECK_MESSAGE(contains(message, part), message);
    CHECK_MESSAGE(contains(message, "byte offset"), message);
  }

  message = error_of([&] { xd::read_idx(dir / "missing.idx"); });
  CHECK_MESSAGE(contains(message, "missing.idx"), message);
  CHECK_MESSAGE(contains(message, "No such file"), message);
  message = error_of([&] { xd::read_idx(dir / ""); });
  CHECK_MESSAGE(contains(message, "directory"), message);
}
