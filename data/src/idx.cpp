// read_idx: header checks against the file length, then big-endian elements to the tensor's dtype.
#include "xgrad/data/idx.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <optional>

#include "file_bytes.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/regular_file.hpp"

namespace xgrad::data {

namespace {

struct ElementType {
  unsigned char code;
  const char* name;
  std::size_t size;
};
constexpr ElementType kElementTypes[] = {
    {0x08, "unsigned byte", 1}, {0x09, "signed byte", 1}, {0x0B, "int16", 2},
    {0x0C, "int32", 4},         {0x0D, "float32", 4},     {0x0E, "float64", 8},
};

const ElementType* find_type(unsigned char code) {
  for (const auto& t : kElementTypes)
    if (t.code == code) return &t;
  return nullptr;
}

struct Header {
  const ElementType* type;
  Shape shape;
  std::size_t bytes;  // header length: the data starts here
};

// Errors name the file and where in it (for .gz: in the decompressed bytes) the problem lies.
struct Context {
  const std::filesystem::path& path;
  bool gzipped;
  Error error(std::size_t offset, const std::string& what) const {
    return Error(fmt::format("read_idx: '{}': {} at byte offset {}{}", path.string(), what, offset,
                             gzipped ? " of the decompressed data" : ""));
  }
};

std::uint32_t load_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Header parse_header(std::span<const unsigned char> bytes, const Context& ctx) {
  const std::size_t n = bytes.size();
  if (n < 4)
    throw ctx.error(n, fmt::format("truncated header: the file has {} bytes, the magic number needs 4", n));
  const std::uint32_t magic = load_u32(bytes.data());
  const ElementType* type = find_type(bytes[2]);
  if (bytes[0] != 0 || bytes[1] != 0 || !type)
    throw ctx.error(bytes[0] != 0 || bytes[1] != 0 ? 0 : 2,
                    fmt::format("wrong magic number 0x{:08X}: an IDX file starts with bytes 00 00, a type code "
                                "(08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64) and the dimension count",
                                magic));
  const std::size_t ndims = bytes[3];
  if (ndims == 0) throw ctx.error(3, fmt::format("magic number 0x{:08X} declares 0 dimensions", magic));
  const std::size_t header_bytes = 4 + 4 * ndims;
  if (n < header_bytes)
    throw ctx.error(n, fmt::format("truncated header: {} dimension sizes need {} header bytes, the file has {}",
                                   ndims, header_bytes, n));
  Shape shape(ndims);
  for (std::size_t d = 0; d < ndims; ++d) shape[d] = load_u32(bytes.data() + 4 + 4 * d);
  return {type, std::move(shape), header_bytes};
}

// The data's length in bytes, or nothing when it does not fit in size_t (sizes from a damaged header).
std::optional<std::size_t> data_bytes(const Header& h) {
  for (std::int64_t d : h.shape)
    if (d == 0) return 0;
  std::size_t count = h.type->size;
  for (std::int64_t d : h.shape)
    if (__builtin_mul_overflow(count, static_cast<std::size_t>(d), &count)) return std::nullopt;
  return count;
}

template <class T>
T load_be(const unsigned char* p) {
  using Bits = std::conditional_t<sizeof(T) == 1, std::uint8_t,
               std::conditional_t<sizeof(T) == 2, std::uint16_t,
               std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  Bits bits = 0;
  for (std::size_t k = 0; k < sizeof(T); ++k) bits = static_cast<Bits>((bits << 8) | p[k]);
  return std::bit_cast<T>(bits);
}

template <class Src, class Dst>
void convert(const unsigned char* src, std::size_t count, Dst* out, std::size_t data_offset, const Context& ctx) {
  for (std::size_t i = 0; i < count; ++i) {
    const Src v = load_be<Src>(src + i * sizeof(Src));
    if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst> && !std::is_same_v<Dst, bool>) {
      // Casting NaN, infinity or an out-of-range float to an integer is undefined behaviour.
      if (!(v >= -0x1p63 && v < 0x1p63))
        throw ctx.error(data_offset + i * sizeof(Src), fmt::format("the value {} does not fit in int64", v));
    }
    out[i] = static_cast<Dst>(v);
  }
}

template <class Dst>
void convert_from(const ElementType& type, const unsigned char* src, std::size_t count, Dst* out,
                  std::size_t data_offset, const Context& ctx) {
  switch (type.code) {
    case 0x08: return convert<std::uint8_t>(src, count, out, data_offset, ctx);
    case 0x09: return convert<std::int8_t>(src, count, out, data_offset, ctx);
    case 0x0B: return convert<std::int16_t>(src, count, out, data_offset, ctx);
    case 0x0C: return convert<std::int32_t>(src, count, out, data_offset, ctx);
    case 0x0D: return convert<float>(src, count, out, data_offset, ctx);
    case 0x0E: return convert<double>(src, count, out, data_offset, ctx);
  }
}

Dtype natural_dtype(const Header& h) {
  switch (h.type->code) {
    case 0x08: return h.shape.size() == 1 ? kInt64 : kFloat32;  // labels : images
    case 0x0D: return kFloat32;
    case 0x0E: return kFloat64;
    default: return kInt64;
  }
}

// The longest header: the magic number and 255 dimension sizes.
constexpr std::size_t kMaxHeaderBytes = 4 + 4 * 255;

Tensor read(const std::filesystem::path& path, std::optional<Dtype> dtype) {
  // The header is checked against the file's size before the body is read, and no more is read or
  // decompressed than the header declares (plus one byte, to notice trailing data).
  const RegularFile file(path, "read_idx");
  const std::vector<unsigned char> head = file.read(0, std::min<std::uint64_t>(file.size(), kMaxHeaderBytes));
  const bool gzipped = detail::is_gzip(head);
  std::vector<unsigned char> compressed;
  std::span<const unsigned char> header_bytes = head;
  std::vector<unsigned char> unzipped_head;
  if (gzipped) {
    compressed = file.read_all();  // a gzip stream must be inflated from its start
    unzipped_head = detail::gunzip(compressed, path, "read_idx", kMaxHeaderBytes);
    header_bytes = unzipped_head;
  }
  const Context ctx{path, gzipped};
  const Header h = parse_header(header_bytes, ctx);
  const std::optional<std::size_t> needed = data_bytes(h);
  const std::size_t limit = needed && *needed < SIZE_MAX - h.bytes ? h.bytes + *needed + 1 : SIZE_MAX;

  std::vector<unsigned char> bytes;
  std::uint64_t total = 0;  // the (decompressed) file's length, or a lower bound where decompression stopped
  if (gzipped) {
    bytes = detail::gunzip(compressed, path, "read_idx", limit);
    total = bytes.size();
  } else {
    total = file.size();
  }
  const std::size_t available = total - h.bytes;
  const std::string sizes = fmt::format("{} sizes [{}]", h.type->name, fmt::join(h.shape, ", "));
  if (!needed || *needed > available)
    throw ctx.error(total, fmt::format("truncated data: {} need {} bytes after the {}-byte header, the file "
                                       "has {}",
                                       sizes, needed ? std::to_string(*needed) : "more than 2^64", h.bytes, available));
  if (*needed < available)
    throw ctx.error(h.bytes + *needed, fmt::format("{}{} trailing bytes after the data ({} end here)",
                                                   gzipped ? "at least " : "", available - *needed, sizes));
  if (!gzipped) bytes = file.read_all();  // exactly the header and the data, now known to fit

  Tensor out = empty(h.shape, dtype.value_or(natural_dtype(h)));
  const std::size_t count = *needed / h.type->size;
  const unsigned char* src = bytes.data() + h.bytes;
  switch (out.dtype()) {
    case kFloat32: convert_from(*h.type, src, count, out.data_ptr<float>(), h.bytes, ctx); break;
    case kFloat64: convert_from(*h.type, src, count, out.data_ptr<double>(), h.bytes, ctx); break;
    case kInt64: convert_from(*h.type, src, count, out.data_ptr<std::int64_t>(), h.bytes, ctx); break;
    case kBool: convert_from(*h.type, src, count, out.data_ptr<bool>(), h.bytes, ctx); break;
  }
  return out;
}

}  // namespace

Tensor read_idx(const std::filesystem::path& path) { return read(path, std::nullopt); }
Tensor read_idx(const std::filesystem::path& path, Dtype dtype) { return read(path, dtype); }

}  // namespace xgrad::data
