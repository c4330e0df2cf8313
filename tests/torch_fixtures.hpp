// Shared by the linalg and functional tests: torch-made JSON fixtures (scripts/make_linalg_fixtures.py)
// read back as float64 tensors, and the error measure results are compared in.
#pragma once
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>
#include <xgrad/xgrad.hpp>

namespace torch_fixtures {

using nlohmann::json;

inline json load(const std::string& name) {
  const std::string path = std::string(XGRAD_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path + "; run scripts/make_linalg_fixtures.py");
  return json::parse(in);
}

// A fixture number: JSON has no literal for non-finite values, so they are the strings "nan", "inf"
// and "-inf"; null (an element not to compare) reads as a signaling NaN.
inline double number(const json& v) {
  if (v.is_null()) return std::numeric_limits<double>::signaling_NaN();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  return v.get<double>();
}

// A fixture's dtype name, long ("float64") or short ("f64").
inline xg::Dtype dtype_of(const std::string& name) {
  if (name == "float64" || name == "f64") return xg::kFloat64;
  if (name == "float32" || name == "f32") return xg::kFloat32;
  if (name == "int64" || name == "i64") return xg::kInt64;
  return xg::kBool;
}

// {"shape": [...], "values": [...]} -> a float64 tensor.
inline xg::Tensor tensor(const json& j, bool requires_grad = false) {
  return xg::tensor(j["values"].get<std::vector<double>>(), j["shape"].get<xg::Shape>(), xg::kFloat64, requires_grad);
}

// Worst |got − want| / max(1e-3, |want|) over the elements; infinity for a shape mismatch or NaN.
// The floor keeps elements that are zero up to rounding from reading as large relative errors.
inline double rel_error(const xg::Tensor& got, const json& want) {
  if (!got.defined() || got.shape() != want["shape"].get<xg::Shape>()) return INFINITY;
  const std::vector<double> a = got.to_vector();
  const auto b = want["values"].get<std::vector<double>>();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = std::abs(a[i] - b[i]) / std::max(1e-3, std::abs(b[i]));
    if (!(e <= worst)) worst = e;  // NaN wins
  }
  return worst;
}

}  // namespace torch_fixtures
