// A CSV reader for numeric tables with one label column: rows become samples.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/dtype.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::data {

struct CsvOptions {
  bool header = true;     // the first line names the columns
  char delimiter = ',';
  // The label column's index; negative counts from the end (-1: the last). std::nullopt: no label.
  std::optional<std::int64_t> label_column = -1;
  std::string label_name = {};              // picks the label column by its header name instead
  std::vector<std::int64_t> columns = {};   // data columns by index (negative from the end); empty: all but the label
  bool categorical_label = false;           // labels are names, numbered 0..K-1 in sorted order
  Dtype dtype = kFloat32;                   // of data
  Dtype label_dtype = kInt64;               // of targets; a float dtype for regression targets
};

struct CsvTable {
  Tensor data;                       // [rows, columns] of options.dtype
  Tensor targets;                    // [rows] of options.label_dtype; undefined without a label column
  std::vector<std::string> columns;  // the data columns' names (header), or "column 1", "column 2", ...
  std::vector<std::string> classes;  // with categorical_label: the label names, by class index
};

// Reads a delimited text file of numbers. Fields may be quoted ("..." with "" for a quote) and padded
// with spaces; blank lines and a trailing \r are ignored. Errors are xgrad::Error naming the file, the
// line and, where one is at fault, the column (both counted from 1), e.g.
//   read_csv: 'iris.csv', line 7, column 3 ('petal_length'): 'abc' is not a number
CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace xgrad::data
