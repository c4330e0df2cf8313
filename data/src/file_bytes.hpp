// Whole-file reads for the data readers, with gzip decompression through zlib.
#pragma once
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace xgrad::data::detail {

// The file's bytes; throws xgrad::Error "{op}: '{path}': ..." when it cannot be opened or read.
std::vector<unsigned char> read_file(const std::filesystem::path& path, const char* op);

// Whether `bytes` start with gzip's magic bytes 1f 8b.
bool is_gzip(std::span<const unsigned char> bytes);

// Decompresses a gzip file (several concatenated members allowed, as gzip itself writes them) and
// checks each member's CRC. Errors name the file and the compressed byte offset.
std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::filesystem::path& path,
                                  const char* op);

}  // namespace xgrad::data::detail
