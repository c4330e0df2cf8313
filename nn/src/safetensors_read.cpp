// nn::load: reads the header, then the data it declares, and trusts nothing in them. Every check
// names the file and a byte offset (absolute, from the start of the file), so a corrupt checkpoint
// is diagnosable.
#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "safetensors_format.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/nn/serialize.hpp"
#include "xgrad/regular_file.hpp"

namespace xgrad::nn {

namespace {

using nlohmann::json;

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  std::uint64_t begin, end;  // offsets into the data block
};

// Parses one tensor's header entry; `header_at` is where the header starts (for messages).
Entry parse_entry(const std::string& path, const std::string& name, const json& info, std::uint64_t data_size,
                  std::uint64_t data_at) {
  auto fail = [&](const std::string& what) -> Error {
    return Error(
        fmt::format("nn::load: '{}': tensor '{}' in the header (bytes 8 to {}): {}", path, name, data_at, what));
  };
  if (name.empty()) throw fail("a tensor name cannot be empty (nn::save refuses to write one)");
  if (!info.is_object()) throw fail("the entry is not an object");
  if (!info.contains("dtype") || !info["dtype"].is_string()) throw fail("missing or non-string \"dtype\"");
  const std::string code = info["dtype"].get<std::string>();
  const auto dtype = safetensors::dtype_from_code(code);
  if (!dtype) {
    if (safetensors::is_other_safetensors_code(code))
      throw fail(fmt::format("dtype {} is not supported by xgrad (F32, F64, BF16, I64 and BOOL are)", code));
    throw fail(fmt::format("unknown dtype \"{}\"", code));
  }
  Entry e{name, *dtype, {}, 0, 0};
  if (!info.contains("shape") || !info["shape"].is_array()) throw fail("missing or non-array \"shape\"");
  std::uint64_t numel = 1;
  for (const json& d : info["shape"]) {
    if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<std::int64_t>() >= 0))
      throw fail(fmt::format("shape {} holds {}, not a non-negative integer", info["shape"].dump(), d.dump()));
    const auto size = d.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, size, &numel))
      throw fail(fmt::format("shape {} is too large", info["shape"].dump()));
    e.shape.push_back(static_cast<std::int64_t>(size));
  }
  const json& offsets = info.contains("data_offsets") ? info["data_offsets"] : json();
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw fail("\"data_offsets\" must be two non-negative integers [begin, end]");
  e.begin = offsets[0].get<std::uint64_t>();
  e.end = offsets[1].get<std::uint64_t>();
  if (e.begin > e.end) throw fail(fmt::format("data_offsets [{}, {}] end before they begin", e.begin, e.end));
  if (e.end > data_size)
    throw fail(fmt::format("data_offsets [{}, {}] reach byte {}, past the end of the file at byte {}", e.begin, e.end,
                           data_at + e.end, data_at + data_size));
  std::uint64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, element_size(e.dtype), &nbytes) || nbytes != e.end - e.begin)
    throw fail(fmt::format("shape {} of {} needs {} bytes, but data_offsets [{}, {}] hold {} (at byte {})",
                           shape_str(e.shape), code, numel * element_size(e.dtype), e.begin, e.end, e.end - e.begin,
                           data_at + e.begin));
  return e;
}

Metadata parse_metadata(const std::string& path, const json& value) {
  if (!value.is_object())
    throw Error(fmt::format("nn::load: '{}': \"__metadata__\" in the header (from byte 8) is not an object", path));
  Metadata out;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string())
      throw Error(
          fmt::format("nn::load: '{}': \"__metadata__\" entry '{}' (header from byte 8) is not a string", path, key));
    out[key] = v.get<std::string>();
  }
  return out;
}

// The data block must be exactly the tensors, back to back: no overlap, no gap, nothing after.
void check_layout(const std::string& path, std::vector<Entry>& entries, std::uint64_t data_size,
                  std::uint64_t data_at) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  std::uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < expected)
      throw Error(fmt::format("nn::load: '{}': tensor '{}' (bytes {} to {}) overlaps tensor '{}' (bytes {} to {})",
                              path, e.name, data_at + e.begin, data_at + e.end, previous->name,
                              data_at + previous->begin, data_at + previous->end));
    if (e.begin > expected)
      throw Error(fmt::format("nn::load: '{}': {} unclaimed bytes at byte {} before tensor '{}'", path,
                              e.begin - expected, data_at + expected, e.name));
    expected = e.end;
    previous = &e;
  }
  if (expected != data_size)
    throw Error(fmt::format("nn::load: '{}': {} bytes after the last tensor, from byte {} to the end at byte {}", path,
                            data_size - expected, data_at + expected, data_at + data_size));
}

Tensor read_tensor(const std::string& path, const Entry& e, const unsigned char* data, std::uint64_t data_at) {
  Tensor t;
  try {
    t = empty(e.shape, e.dtype);
  } catch (const Error& error) {  // no memory for it: say which file and tensor asked
    throw Error(fmt::format("nn::load: '{}': tensor '{}': {}", path, e.name, error.what()));
  }
  const std::size_t nbytes = static_cast<std::size_t>(e.end - e.begin);
  const unsigned char* src = data + e.begin;
  if (e.dtype == kBool)  // any byte other than 0 or 1 would be an invalid C++ bool
    for (std::size_t i = 0; i < nbytes; ++i)
      if (src[i] > 1)
        throw Error(fmt::format("nn::load: '{}': tensor '{}' holds the value {} at byte {}, not a bool (0 or 1)", path,
                                e.name, src[i], data_at + e.begin + i));
  auto* dst = reinterpret_cast<unsigned char*>(t.mutable_bytes().data());
  if (nbytes > 0) std::memcpy(dst, src, nbytes);
  safetensors::to_or_from_little_endian(dst, nbytes, element_size(e.dtype));
  return t;
}

}  // namespace

SafetensorsFile load_file(const std::string& path) {
  // The header is read and checked against the file's size before the data; a directory or device
  // is refused before anything is read.
  const RegularFile file(path, "nn::load");
  const std::uint64_t size = file.size();
  if (size < 8)
    throw Error(
        fmt::format("nn::load: '{}' is truncated: {} bytes, but a safetensors file starts with an 8-byte "
                    "header length (byte 0)",
                    path, size));
  const std::uint64_t header_size = safetensors::get_u64_le(file.read(0, 8).data());
  if (header_size > size - 8)
    throw Error(fmt::format("nn::load: '{}': the header length {} (byte 0) runs past the end of the file at byte {}",
                            path, header_size, size));
  if (header_size > safetensors::kMaxHeaderBytes)
    throw Error(fmt::format("nn::load: '{}': the header length {} (byte 0) is above the format's limit of {} bytes",
                            path, header_size, safetensors::kMaxHeaderBytes));
  const std::vector<unsigned char> header_bytes = file.read(8, header_size);
  const auto* header_begin = header_bytes.data();
  if (header_size == 0 || header_begin[0] != '{')
    throw Error(fmt::format("nn::load: '{}': the header at byte 8 does not start with '{{'", path));
  json header;
  try {
    header = json::parse(header_begin, header_begin + header_size);
  } catch (const json::parse_error& e) {
    throw Error(fmt::format("nn::load: '{}': the JSON header is invalid at byte {}: {}", path,
                            8 + (e.byte > 0 ? e.byte - 1 : 0), e.what()));
  } catch (const json::exception& e) {  // e.g. a number too large for any JSON number type (found by fuzzing)
    throw Error(fmt::format("nn::load: '{}': the JSON header (bytes 8 to {}) is invalid: {}", path, 8 + header_size,
                            e.what()));
  }
  if (!header.is_object()) throw Error(fmt::format("nn::load: '{}': the header at byte 8 is not a JSON object", path));

  const std::uint64_t data_at = 8 + header_size, data_size = size - data_at;
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__")
      out.metadata = parse_metadata(path, info);
    else
      entries.push_back(parse_entry(path, name, info, data_size, data_at));
  }
  check_layout(path, entries, data_size, data_at);
  const std::vector<unsigned char> data = file.read(data_at, data_size);  // exactly the tensors, as checked
  for (const Entry& e : entries) out.tensors.insert(e.name, read_tensor(path, e, data.data(), data_at));
  return out;
}

StateDict load(const std::string& path) { return load_file(path).tensors; }

}  // namespace xgrad::nn
