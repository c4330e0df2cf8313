#include "xgrad/detail/allocator.hpp"

#include <sys/sysinfo.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace xgrad::detail {

namespace {

constexpr std::size_t kCacheFrom = 64 * 1024;    // smaller blocks: malloc's own bins do well
constexpr std::size_t kCacheUpTo = 16u << 20;    // larger ones (data sets): their compute dwarfs a page-in
constexpr std::size_t kCacheLimit = 256u << 20;  // never hold more than this many free bytes
constexpr std::size_t kPerSizeLimit = 16;        // blocks kept per distinct size

bool cacheable(std::size_t size) { return size >= kCacheFrom && size <= kCacheUpTo; }

std::size_t rounded(std::size_t nbytes) {
  const std::size_t unit = nbytes >= kCacheFrom ? 4096 : 64;
  return (nbytes + unit - 1) / unit * unit;
}

struct BlockCache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  std::size_t bytes = 0;

  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& [size, blocks] : free_blocks)
      for (void* p : blocks) std::free(p);
    free_blocks.clear();
    bytes = 0;
  }
};

// Never destroyed: tensors in static storage may be freed after every other static is gone.
// Its blocks stay reachable through this pointer, so leak checkers do not count them.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache;
  return *instance;
}

// Physical memory plus swap, read once: no single tensor can be larger.
std::size_t machine_memory_bytes() {
  static const std::size_t bytes = [] {
    constexpr std::size_t kCeiling = std::size_t{1} << 62;
    struct sysinfo info {};
    std::size_t total = 0;
    if (::sysinfo(&info) != 0 ||
        __builtin_mul_overflow(std::size_t{info.totalram} + info.totalswap, std::max<unsigned>(info.mem_unit, 1), &total))
      return kCeiling;
    return std::min(total, kCeiling);
  }();
  return bytes;
}

}  // namespace

void* allocate_buffer(std::size_t nbytes) {
  // A request beyond the machine's memory fails here rather than in malloc: with overcommit a huge
  // block could be granted and the process killed while filling it, and sanitizer allocators abort
  // on sizes they cannot serve. (This also keeps the rounding below from wrapping near SIZE_MAX.)
  if (nbytes > machine_memory_bytes()) throw std::bad_alloc();
  const std::size_t size = rounded(nbytes);
  if (cacheable(size)) {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.bytes -= size;
      return p;
    }
  }
  void* p = std::aligned_alloc(64, size);
  if (!p) throw std::bad_alloc();
  return p;
}

void free_buffer(void* data, std::size_t nbytes) {
  const std::size_t size = rounded(nbytes);
  if (cacheable(size)) {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    std::vector<void*>& blocks = c.free_blocks[size];
    if (c.bytes + size <= kCacheLimit && blocks.size() < kPerSizeLimit) {
      blocks.push_back(data);
      c.bytes += size;
      return;
    }
  }
  std::free(data);
}

void release_cached_buffers() { cache().release(); }

std::size_t cached_buffer_bytes() {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.bytes;
}

}  // namespace xgrad::detail
