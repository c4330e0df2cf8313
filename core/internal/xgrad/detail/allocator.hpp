// Tensor buffer allocation. Large buffers are cached on free and handed out again for the same
// size: a training loop allocates the same shapes every step, and returning them to the kernel
// (glibc munmaps blocks above its mmap threshold) makes every step page-fault its memory back in.
#pragma once
#include <cstddef>

namespace xgrad::detail {

// 64-byte aligned, at least `nbytes` (rounded up); throws std::bad_alloc.
void* allocate_buffer(std::size_t nbytes);
void free_buffer(void* data, std::size_t nbytes);
// Returns every cached block to the system (tests and memory-tight programs).
void release_cached_buffers();
// Bytes currently held in the cache.
std::size_t cached_buffer_bytes();

}  // namespace xgrad::detail
