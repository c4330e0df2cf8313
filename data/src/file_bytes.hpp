// Whole-file reads for the data readers, with gzip decompression through zlib.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace xgrad::data::detail {

// The bytes of a regular file (directories, devices and FIFOs are refused before reading); throws
// xgrad::Error "{op}: '{path}': ..." when it cannot be opened or read.
std::vector<unsigned char> read_file(const std::filesystem::path& path, const char* op);

// Whether `bytes` start with gzip's magic bytes 1f 8b.
bool is_gzip(std::span<const unsigned char> bytes);

// Decompresses a gzip file (several concatenated members allowed, as gzip itself writes them) and
// checks each member's CRC. Errors name the file and the compressed byte offset. Stops after `limit`
// bytes of output (unchecked beyond them): a reader asks for no more than its header declares.
std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::filesystem::path& path,
                                  const char* op, std::size_t limit = SIZE_MAX);

}  // namespace xgrad::data::detail
