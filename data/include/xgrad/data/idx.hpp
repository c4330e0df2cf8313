// The IDX format of MNIST and its family (Fashion-MNIST, EMNIST, KMNIST), plain or gzip-compressed.
//
// Layout, all big-endian: the magic number, bytes 0x00 0x00 TT NN, with TT the element type (0x08 u8,
// 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64) and NN the number of dimensions; then NN 4-byte
// sizes; then the elements in row-major order; then nothing.
#pragma once
#include <filesystem>

#include "xgrad/dtype.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::data {

// Reads an IDX file; a file starting with gzip's magic bytes is decompressed first (any name).
// Result dtype: unsigned-byte files of 2 or more dimensions (images) -> float32 in [0, 255];
// 1-D unsigned-byte files (labels) and the signed integer types -> int64; f32 -> float32; f64 -> float64.
// Shape: the file's sizes. Throws xgrad::Error naming the file and the byte offset (in the
// decompressed data for .gz files) for a missing file, a wrong magic number, a truncated header or
// data, trailing bytes, or a corrupt gzip stream.
Tensor read_idx(const std::filesystem::path& path);
// The same, converted to `dtype`.
Tensor read_idx(const std::filesystem::path& path, Dtype dtype);

}  // namespace xgrad::data
