// Checkpoints in the safetensors format, readable by Python's safetensors, numpy and torch:
//   8-byte little-endian header length N | N bytes of JSON header | raw little-endian tensor data
// The header maps each name to {"dtype": "F32"|"F64"|"I64"|"BOOL", "shape": [...], "data_offsets":
// [begin, end]} (offsets into the data block) and may hold "__metadata__": {string: string}.
#pragma once
#include <map>
#include <string>

#include "xgrad/state_dict.hpp"

namespace xgrad::nn {

using Metadata = std::map<std::string, std::string>;

// Writes `state` to a temporary file in the destination's folder, fsyncs it and renames it over
// `path`, so an interrupted save leaves any previous file intact. Tensors keep the state's order.
void save(const StateDict& state, const std::string& path, const Metadata& metadata = {});

// Reads and validates a whole file: header length within the file, JSON well formed, every dtype
// known, shape × element size = byte length, offsets in bounds, contiguous and non-overlapping.
// Anything else throws xgrad::Error naming the file and the byte offset. Tensors come back in
// the order of their data in the file (which is the order they were saved in).
StateDict load(const std::string& path);

struct SafetensorsFile {
  StateDict tensors;
  Metadata metadata;
};
// load() with the header's "__metadata__" as well.
SafetensorsFile load_file(const std::string& path);

}  // namespace xgrad::nn
