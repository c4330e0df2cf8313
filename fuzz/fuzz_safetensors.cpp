// libFuzzer target: nn::load_file on arbitrary bytes. Only xgrad::Error may come out; a file that
// loads must describe itself consistently (every tensor's bytes fit its shape and dtype).
#include <cstdlib>
#include <xgrad/xgrad.hpp>

#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xgrad_fuzz::MemoryFile file;
  const std::string& path = file.write(data, size);
  try {
    const xgrad::nn::SafetensorsFile loaded = xgrad::nn::load_file(path);
    std::size_t bytes = 0;
    for (const auto& [name, tensor] : loaded.tensors)
      bytes += static_cast<std::size_t>(tensor.numel()) * xgrad::element_size(tensor.dtype());
    if (bytes + 8 > size) std::abort();  // more tensor data than the file holds
  } catch (const xgrad::Error&) {
  }
  return 0;
}
