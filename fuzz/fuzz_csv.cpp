// libFuzzer target: data::read_csv on arbitrary text. The first two bytes pick the options (header,
// delimiter, label column or name, categorical or real labels, dtypes); only xgrad::Error may come
// out, and a table that loads must be consistent (rows of data = targets, columns = names).
#include <cstdlib>
#include <xgrad/xgrad.hpp>

#include "memory_file.hpp"

namespace {

xgrad::data::CsvOptions options_from(std::uint8_t a, std::uint8_t b) {
  xgrad::data::CsvOptions o;
  o.header = a & 1;
  o.delimiter = ",;\t| "[(a >> 1) % 5];
  o.categorical_label = a & 0x10;
  o.dtype = a & 0x20 ? xgrad::kFloat64 : xgrad::kFloat32;
  switch (b % 6) {
    case 0: o.label_column = std::nullopt; break;
    case 1: o.label_column = -1; break;
    case 2: o.label_column = 0; break;
    case 3: o.label_column = 2; break;
    case 4: o.label_name = "label"; break;
    case 5: o.columns = {0, -2}; break;
  }
  if (!o.categorical_label) o.label_dtype = (b >> 3) & 1 ? xgrad::kFloat32 : xgrad::kInt64;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xgrad_fuzz::MemoryFile file;
  if (size < 2) return 0;
  const xgrad::data::CsvOptions options = options_from(data[0], data[1]);
  const std::string& path = file.write(data + 2, size - 2);
  try {
    const xgrad::data::CsvTable table = xgrad::data::read_csv(path, options);
    if (table.data.dim() != 2 || table.data.size(1) != static_cast<std::int64_t>(table.columns.size())) std::abort();
    if (table.targets.defined() && table.targets.size(0) != table.data.size(0)) std::abort();
  } catch (const xgrad::Error&) {
  }
  return 0;
}
