// read_csv: split lines into fields, resolve the label and data columns, parse numbers with from_chars.
#include "xgrad/data/csv.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string_view>

#include "file_bytes.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::data {

namespace {

// A field or name as it may appear in a message: control bytes are escaped (a NUL would end the
// message for anyone printing what()), and a long field is cut to its start and its length.
std::string printable(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out;
  for (const char ch : s.substr(0, kShown)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += ch;
  }
  if (s.size() > kShown) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

// Builds errors that point at a line and, where one is known, a column (both from 1).
struct Where {
  const std::filesystem::path& path;
  const std::vector<std::string>* names = nullptr;  // column names, once known

  Error at(std::size_t line, const std::string& what) const {
    return Error(fmt::format("read_csv: '{}', line {}: {}", path.string(), line, what));
  }
  Error at(std::size_t line, std::size_t column, const std::string& what) const {
    const std::string name =
        names && column < names->size() ? fmt::format(" ('{}')", printable((*names)[column])) : std::string();
    return Error(fmt::format("read_csv: '{}', line {}, column {}{}: {}", path.string(), line, column + 1, name, what));
  }
};

std::string_view trim(std::string_view s, char delimiter) {
  auto pad = [&](char c) { return (c == ' ' || c == '\t') && c != delimiter; };
  while (!s.empty() && pad(s.front())) s.remove_prefix(1);
  while (!s.empty() && pad(s.back())) s.remove_suffix(1);
  return s;
}

// One line's fields, unquoted and trimmed.
std::vector<std::string> split(std::string_view line, char delimiter, std::size_t line_no, const Where& where) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  for (;;) {
    const std::size_t column = fields.size();
    std::size_t end = line.find(delimiter, i);
    std::string_view raw = trim(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i), delimiter);
    if (!raw.empty() && raw.front() == '"') {
      // A quoted field may hold the delimiter: find the closing quote ("" is a literal quote).
      const std::size_t open = line.find('"', i);
      std::string value;
      std::size_t j = open + 1;
      for (;; ++j) {
        if (j >= line.size()) throw where.at(line_no, column, "unterminated quoted field");
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            value += '"';
            ++j;
          } else {
            break;
          }
        } else {
          value += line[j];
        }
      }
      end = line.find(delimiter, j + 1);
      if (!trim(line.substr(j + 1, end == std::string_view::npos ? std::string_view::npos : end - j - 1), delimiter).empty())
        throw where.at(line_no, column, "unexpected characters after a closing quote");
      fields.push_back(std::move(value));
    } else {
      fields.emplace_back(raw);
    }
    if (end == std::string_view::npos) return fields;
    i = end + 1;
  }
}

double parse_number(const std::string& field, std::size_t line, std::size_t column, const Where& where) {
  std::string_view s = field;
  if (s.empty()) throw where.at(line, column, "empty field, expected a number");
  if (s.front() == '+') s.remove_prefix(1);  // from_chars takes no leading '+'
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) throw where.at(line, column, fmt::format("'{}' is out of range", printable(field)));
  if (ec != std::errc() || end != s.data() + s.size())
    throw where.at(line, column, fmt::format("'{}' is not a number", printable(field)));
  return value;
}

std::int64_t parse_integer(const std::string& field, std::size_t line, std::size_t column, const Where& where) {
  std::string_view s = field;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc() && end == s.data() + s.size()) return value;
  // Also take integral values written as reals ("3.0", "1e2"), which many exporters produce.
  const double real = parse_number(field, line, column, where);
  if (!(real >= -0x1p63 && real < 0x1p63) || real != static_cast<double>(static_cast<std::int64_t>(real)))
    throw where.at(line, column,
                   fmt::format("'{}' is not an integer label (use label_dtype = kFloat32 for real-valued targets, "
                               "or categorical_label for names)",
                               printable(field)));
  return static_cast<std::int64_t>(real);
}

// A column index from the options: negative counts from the end; checked against the column count.
std::size_t resolve(std::int64_t index, std::size_t columns, const char* what, std::size_t line, const Where& where) {
  const auto n = static_cast<std::int64_t>(columns);
  const std::int64_t wrapped = index < 0 ? index + n : index;
  if (wrapped < 0 || wrapped >= n)
    throw where.at(line, fmt::format("{} {} is out of range for {} columns", what, index, columns));
  return static_cast<std::size_t>(wrapped);
}

}  // namespace

CsvTable read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  Where where{path};
  if (options.dtype != kFloat32 && options.dtype != kFloat64)
    throw where.at(1, fmt::format("dtype must be float32 or float64, got {}", dtype_name(options.dtype)));
  if (options.label_dtype == kBool)
    throw where.at(1, "label_dtype must be int64, float32 or float64, got bool");
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw where.at(1, "the delimiter cannot be a quote or a line break");

  const std::vector<unsigned char> bytes = detail::read_file(path, "read_csv");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // Spreadsheets save "UTF-8 CSV" with a byte-order mark, which would stick to the first name or value.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  std::vector<std::string> names;
  std::size_t columns = 0, first_line = 0, label = 0;
  std::vector<std::size_t> data_columns;
  std::vector<double> values, real_labels;
  std::vector<std::int64_t> int_labels;
  std::vector<std::string> text_labels;
  std::size_t rows = 0;

  // Fixes the column layout from the first non-blank line (the header, or the first row).
  auto set_up = [&](const std::vector<std::string>& fields, std::size_t line) {
    first_line = line;
    columns = fields.size();
    if (options.header) {
      names = fields;
    } else {
      for (std::size_t c = 0; c < columns; ++c) names.push_back(fmt::format("column {}", c + 1));
    }
    where.names = &names;
    const bool labeled = options.label_column.has_value() || !options.label_name.empty();
    if (!options.label_name.empty()) {
      if (!options.header) throw where.at(line, "label_name needs a header line (header = true)");
      const auto it = std::find(names.begin(), names.end(), options.label_name);
      if (it == names.end()) {
        std::vector<std::string> shown;
        for (const auto& name : names) shown.push_back(printable(name));
        throw where.at(line, fmt::format("no column named '{}' for the label; the columns are '{}'",
                                         printable(options.label_name), fmt::join(shown, "', '")));
      }
      label = static_cast<std::size_t>(it - names.begin());
    } else if (labeled) {
      label = resolve(*options.label_column, columns, "label_column", line, where);
    }
    if (options.columns.empty()) {
      for (std::size_t c = 0; c < columns; ++c)
        if (!labeled || c != label) data_columns.push_back(c);
    } else {
      for (std::int64_t c : options.columns) {
        const std::size_t col = resolve(c, columns, "data column", line, where);
        if (labeled && col == label)
          throw where.at(line, col, "this is the label column; it cannot also be a data column");
        data_columns.push_back(col);
      }
    }
    return labeled;
  };

  bool labeled = false, started = false;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t newline = text.find('\n', pos);
    std::string_view line = text.substr(pos, newline == std::string_view::npos ? std::string_view::npos : newline - pos);
    pos = newline == std::string_view::npos ? text.size() : newline + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank

    const std::vector<std::string> fields = split(line, options.delimiter, line_no, where);
    if (!started) {
      started = true;
      labeled = set_up(fields, line_no);
      if (options.header) continue;
    }
    if (fields.size() != columns)
      throw where.at(line_no, std::min(fields.size(), columns),
                     fmt::format("{} fields, but line {} has {}", fields.size(), first_line, columns));
    for (std::size_t c : data_columns) values.push_back(parse_number(fields[c], line_no, c, where));
    if (labeled) {
      if (options.categorical_label) {
        if (fields[label].empty()) throw where.at(line_no, label, "empty label");
        text_labels.push_back(fields[label]);
      } else if (options.label_dtype == kInt64) {
        int_labels.push_back(parse_integer(fields[label], line_no, label, where));
      } else {
        real_labels.push_back(parse_number(fields[label], line_no, label, where));
      }
    }
    ++rows;
  }
  if (!started) throw where.at(1, "the file is empty");

  CsvTable table;
  const auto n = static_cast<std::int64_t>(rows);
  table.data = tensor(values, {n, static_cast<std::int64_t>(data_columns.size())}, options.dtype);
  for (std::size_t c : data_columns) table.columns.push_back(names[c]);
  if (labeled && options.categorical_label) {
    std::map<std::string, std::int64_t> index;  // sorted names: the class numbering
    for (const auto& s : text_labels) index.emplace(s, 0);
    for (auto& [name, i] : index) {
      i = static_cast<std::int64_t>(table.classes.size());
      table.classes.push_back(name);
    }
    for (const auto& s : text_labels) {
      int_labels.push_back(index.at(s));
      real_labels.push_back(static_cast<double>(index.at(s)));
    }
  }
  if (labeled)
    table.targets = options.label_dtype == kInt64 ? tensor(int_labels, {n}, kInt64)
                                                  : tensor(real_labels, {n}, options.label_dtype);
  return table;
}

}  // namespace xgrad::data
