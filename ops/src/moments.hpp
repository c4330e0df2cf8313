// Mean and sum of squared deviations of a set of values, two passes in double: the statistics of
// var/std (reduce.cpp) and of float64 training-mode batch norm (batch_norm.cpp); float32 batch norm's
// shifted sums in one pass; and batch norm's backward sums, Σg and Σg·(x − μ), in one pass.
#pragma once
#include <cstdint>
#include <cstring>
#include <utility>

namespace xgrad::kernels {

// The 8 lanes of a sum (an array or a vector), added in one fixed order: the bits do not depend on
// the thread count.
template <class Lanes>
double fold_lanes(const Lanes& l) {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

// Σ f(p[k], k) over a run in double, in 8 independent lanes (one chain of dependent adds would run at
// a quarter of the adder's rate); the lanes are added in a fixed order, so the bits do not depend on
// the thread count.
template <class T, class F>
double lane_sum(const T* p, std::int64_t n, F f) {
  double lanes[8] = {};
  std::int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) lanes[j] += f(p[k + j], k + j);
  for (; k < n; ++k) lanes[0] += f(p[k], k);
  return fold_lanes(lanes);
}

// Eight values of T as one vector (GCC/clang vector extensions; plain code where there is no SIMD).
template <class T>
struct EightOf;
template <>
struct EightOf<float> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct EightOf<double> {
  typedef double type __attribute__((vector_size(64)));
};

// Four vectors of 8 double lanes: four independent chains of adds, so a loop is bound by the
// adder's rate rather than its latency (one chain per sum ran at a quarter of it).
template <class Lanes>
struct FourLanes {
  Lanes v[4] = {};
  // The 32 lanes' sum in one fixed order.
  double fold() const { return fold_lanes((v[0] + v[1]) + (v[2] + v[3])); }
};

// Calls add(k, chain) for each whole group of 8 values k .. k + 7 of a run of n, in fixed turns over
// the four chains (the order the sums' bits depend on); returns where the last, partial group starts.
template <class Add>
std::int64_t over_four_chains(std::int64_t n, Add add) {
  std::int64_t k = 0;
  for (; k + 32 <= n; k += 32)
    for (int chain = 0; chain < 4; ++chain) add(k + 8 * chain, chain);
  for (; k + 8 <= n; k += 8) add(k, 0);
  return k;
}

// Σg and Σg·(x − μ) over a run in one pass, in 32 double lanes each (batch norm's backward). Written
// with vectors: as lane_sum with two sums reading two arrays, the compiler left every lane scalar.
template <class T>
std::pair<double, double> sums_g_and_g_centered(const T* g, const T* x, std::int64_t n, double mu) {
  using Values = typename EightOf<T>::type;
  using Lanes = typename EightOf<double>::type;
  FourLanes<Lanes> sum_g, sum_gc;
  const auto add = [&](std::int64_t k, int chain) {
    Values gv, xv;
    std::memcpy(&gv, g + k, sizeof gv);
    std::memcpy(&xv, x + k, sizeof xv);
    const Lanes gd = __builtin_convertvector(gv, Lanes), xd = __builtin_convertvector(xv, Lanes);
    sum_g.v[chain] += gd;
    sum_gc.v[chain] += gd * (xd - mu);
  };
  for (std::int64_t k = over_four_chains(n, add); k < n; ++k) sum_g.v[0][0] += g[k], sum_gc.v[0][0] += static_cast<double>(g[k]) * (x[k] - mu);
  return {sum_g.fold(), sum_gc.fold()};
}

// Σ(x − s) and Σ(x − s)² over a run in one pass, in 32 double lanes each: float32 batch norm's
// statistics, shifted by one of the channel's own values so the variance Σ(x − s)²/M − (Σ(x − s)/M)²
// keeps double's precision unless the mean lies many deviations from every value.
template <class T>
std::pair<double, double> sums_shifted(const T* x, std::int64_t n, double s) {
  using Values = typename EightOf<T>::type;
  using Lanes = typename EightOf<double>::type;
  FourLanes<Lanes> sum, sum_sq;
  const auto add = [&](std::int64_t k, int chain) {
    Values xv;
    std::memcpy(&xv, x + k, sizeof xv);
    const Lanes d = __builtin_convertvector(xv, Lanes) - s;
    sum.v[chain] += d;
    sum_sq.v[chain] += d * d;
  };
  for (std::int64_t k = over_four_chains(n, add); k < n; ++k) {
    const double d = static_cast<double>(x[k]) - s;
    sum.v[0][0] += d, sum_sq.v[0][0] += d * d;
  }
  return {sum.fold(), sum_sq.fold()};
}

struct Moments {
  double mean = 0;
  double m2 = 0;  // Σ (x − mean)²
};

// The values are `count` in all, handed out as runs: for_each_run(g) calls g(pointer, length) for each
// run. The mean first, then the squared deviations from it (exact where E[x²] − mean² would cancel).
template <class T, class ForEachRun>
Moments moments(ForEachRun for_each_run, std::int64_t count) {
  double total = 0;
  for_each_run([&](const T* run, std::int64_t n) {
    total += lane_sum(run, n, [](T v, std::int64_t) { return static_cast<double>(v); });
  });
  Moments m;
  m.mean = total / static_cast<double>(count);
  for_each_run([&](const T* run, std::int64_t n) {
    m.m2 += lane_sum(run, n, [mean = m.mean](T v, std::int64_t) { return (v - mean) * (v - mean); });
  });
  return m;
}

}  // namespace xgrad::kernels
