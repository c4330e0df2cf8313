// libFuzzer target: data::read_idx (plain and gzip) on arbitrary bytes. The first byte picks the
// natural dtype or a conversion; only xgrad::Error may come out, and a tensor that loads must hold
// exactly the elements its header declares.
#include <algorithm>
#include <cstdlib>
#include <xgrad/xgrad.hpp>

#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xgrad_fuzz::MemoryFile file;
  if (size == 0) return 0;
  const std::uint8_t mode = data[0] % 5;
  const std::string& path = file.write(data + 1, size - 1);
  static const xgrad::Dtype kConversions[] = {xgrad::kFloat32, xgrad::kFloat64, xgrad::kInt64, xgrad::kBool};
  try {
    const xgrad::Tensor t = mode == 0 ? xgrad::data::read_idx(path) : xgrad::data::read_idx(path, kConversions[mode - 1]);
    const xgrad::Shape& shape = t.shape();
    std::int64_t declared = 1;
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) {
      declared = 0;  // any other sizes, however large, hold no elements
    } else {
      for (std::int64_t d : shape)
        if (d < 0 || __builtin_mul_overflow(declared, d, &declared)) std::abort();
    }
    if (t.numel() != declared) std::abort();
  } catch (const xgrad::Error&) {
  }
  return 0;
}
