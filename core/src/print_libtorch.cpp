// libtorch's C++ tensor printing (print.hpp), written from its observable behaviour: every value is
// converted to double; one format (width, fixed/scientific, optional common scale) is chosen per
// vector or per matrix from the magnitudes of its finite values; tensors of more than two dimensions
// print as a sequence of matrices headed "(i,j,.,.) = ".
#include "xgrad/print.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <vector>

namespace xgrad {

const char* libtorch_type_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "CPUFloatType";
    case Dtype::Float64: return "CPUDoubleType";
    case Dtype::BFloat16: return "CPUBFloat16Type";
    case Dtype::Int64: return "CPULongType";
    case Dtype::Bool: return "CPUBoolType";
  }
  return "CPUUnknownType";
}

namespace {

// Restores the stream's flags, precision and fill when printing ends, whatever it changed.
class StreamStateGuard {
 public:
  explicit StreamStateGuard(std::ostream& os) : os_(os), flags_(os.flags()), precision_(os.precision()), fill_(os.fill()) {}
  ~StreamStateGuard() {
    os_.flags(flags_);
    os_.precision(precision_);
    os_.fill(fill_);
  }

 private:
  std::ostream& os_;
  std::ios_base::fmtflags flags_;
  std::streamsize precision_;
  char fill_;
};

struct Format {
  double scale = 1.0;  // values are printed divided by this, after a line "<scale> *"
  int width = 0;
};

// Chooses the format of `values` (a vector or a matrix) and sets the stream's notation for it:
// integers print as integers (scientific beyond 10 digits); other values print fixed with 4 decimals,
// with a common power-of-ten scale when the largest is below 0.1 or above 10^5, and in scientific
// notation when the magnitudes span more than 4 orders.
Format choose_format(std::ostream& os, const double* values, std::int64_t n) {
  Format f;
  if (n == 0) return f;
  bool integers = true;
  for (std::int64_t i = 0; i < n; ++i)
    if (std::isfinite(values[i]) && values[i] != std::ceil(values[i])) {
      integers = false;
      break;
    }
  std::int64_t first = 0;
  while (first < n && !std::isfinite(values[first])) ++first;
  double exp_min = 1, exp_max = 1;
  if (first != n) {
    exp_min = std::fabs(values[first]);
    exp_max = std::fabs(values[first]);
    for (std::int64_t i = first; i < n; ++i) {
      const double z = std::fabs(values[i]);
      if (!std::isfinite(z)) continue;
      if (z < exp_min) exp_min = z;
      // libtorch compares the signed value here, so a negative number never raises the maximum;
      // printing the same lines means doing the same.
      if (values[i] > exp_max) exp_max = z;
    }
    exp_min = exp_min != 0 ? std::floor(std::log10(exp_min)) + 1 : 1;
    exp_max = exp_max != 0 ? std::floor(std::log10(exp_max)) + 1 : 1;
  }
  if (integers) {
    if (exp_max > 9) {
      f.width = 11;
      os << std::scientific << std::setprecision(4);
    } else {
      f.width = static_cast<int>(exp_max) + 1;
      os.unsetf(std::ios_base::floatfield);
    }
  } else if (exp_max - exp_min > 4) {
    f.width = 11;
    if (std::fabs(exp_max) > 99 || std::fabs(exp_min) > 99) f.width += 1;
    os << std::scientific << std::setprecision(4);
  } else {
    if (exp_max > 5 || exp_max < 0) {
      f.width = 7;
      f.scale = std::pow(10, exp_max - 1);
    } else {
      f.width = exp_max == 0 ? 7 : static_cast<int>(exp_max) + 6;
    }
    os << std::fixed << std::setprecision(4);
  }
  return f;
}

// "1e+05 *": the scale in default notation at the format's precision (4), as libtorch writes it.
void print_scale(std::ostream& os, double scale) {
  const auto flags = os.flags();
  os.unsetf(std::ios_base::floatfield);
  os << scale << " *\n";
  os.flags(flags);
}

void indent(std::ostream& os, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) os << ' ';
}

// A [rows, cols] matrix, in blocks of as many columns as fit in `linesize`.
void print_matrix(std::ostream& os, const double* values, std::int64_t rows, std::int64_t cols,
                  std::int64_t linesize, std::int64_t indent_by) {
  const Format f = choose_format(os, values, rows * cols);
  indent(os, indent_by);
  const std::int64_t per_line = std::max<std::int64_t>(1, (linesize - indent_by) / (f.width + 1));
  std::int64_t first = 0;
  while (first < cols) {
    const std::int64_t last = first + per_line <= cols ? first + per_line - 1 : cols - 1;
    if (per_line < cols) {
      if (first != 0) os << '\n';
      os << "Columns " << first + 1 << " to " << last + 1;
      indent(os, indent_by);
    }
    if (f.scale != 1) {
      print_scale(os, f.scale);
      indent(os, indent_by);
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = first; c <= last; ++c) {
        os << std::setw(f.width) << values[r * cols + c] / f.scale;
        if (c == last) {
          os << '\n';
          if (r != rows - 1) {
            indent(os, indent_by);
            if (f.scale != 1) os << ' ';
          }
        } else {
          os << ' ';
        }
      }
    }
    first = last + 1;
  }
}

// Three or more dimensions: each trailing matrix under a header naming its leading indices. As in
// libtorch, the first leading index runs fastest: (1,1,.,.), (2,1,.,.), (1,2,.,.), ...
void print_blocks(std::ostream& os, const std::vector<double>& values, const Shape& shape, std::int64_t linesize) {
  const std::size_t lead = shape.size() - 2;
  const std::int64_t rows = shape[lead], cols = shape[lead + 1];
  std::vector<std::int64_t> stride(lead, rows * cols);  // elements between consecutive indices of dim i
  for (std::size_t i = lead - 1; i-- > 0;) stride[i] = stride[i + 1] * shape[i + 1];
  std::int64_t blocks = 1;
  for (std::size_t i = 0; i < lead; ++i) blocks *= shape[i];
  std::vector<std::int64_t> counter(lead, 0);
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (b != 0) os << '\n';
    os << '(';
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < lead; ++i) {
      os << counter[i] + 1 << ',';
      offset += counter[i] * stride[i];
    }
    os << ".,.) = \n";
    print_matrix(os, values.data() + offset, rows, cols, linesize, 1);
    for (std::size_t i = 0; i < lead; ++i) {
      if (++counter[i] < shape[i]) break;
      counter[i] = 0;
    }
  }
}

}  // namespace

std::ostream& print(std::ostream& os, const Tensor& t, std::int64_t linesize) {
  StreamStateGuard guard(os);
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  const std::vector<double> values = t.to_vector();
  const Shape& shape = t.shape();
  const char* type = libtorch_type_name(t.dtype());
  if (shape.empty()) {
    os.unsetf(std::ios_base::floatfield);
    os.precision(6);
    os << values[0] << '\n';
    os << "[ " << type << "{}";
  } else if (shape.size() == 1) {
    if (!values.empty()) {
      const Format f = choose_format(os, values.data(), static_cast<std::int64_t>(values.size()));
      if (f.scale != 1) print_scale(os, f.scale);
      for (double v : values) os << std::setw(f.width) << v / f.scale << '\n';
    }
    os << "[ " << type << "{" << shape[0] << "}";
  } else {
    if (!values.empty()) {
      if (shape.size() == 2)
        print_matrix(os, values.data(), shape[0], shape[1], linesize, 0);
      else
        print_blocks(os, values, shape, linesize);
    }
    os << "[ " << type << "{";
    for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
    os << "}";
  }
  return os << " ]";
}

}  // namespace xgrad
