// The tiled products behind gemm.hpp. oneDNN's matmul primitive is costly to create (a few hundred
// µs), so each thread keeps the primitives it made, keyed by everything that shapes one: tile size,
// k, transposes, leading dimensions, bias and accumulation. Every tile runs on one thread: inside the
// pool's region oneDNN sees it is nested and stays on its thread; outside it (a single tile), the
// thread's OpenMP setting is dropped to one for the call.
#include "gemm.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "single_thread_pieces.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/error.hpp"

namespace xgrad::kernels {

namespace {

// The tiles trade one core's speed for the pool's: each tile packs its own panels of A and B, so
// small tiles lose speed on one core. Measured at the MLP benchmarks' shapes on one core: float32
// tiles of 128 x 256 of a 256 x 1024 x 1024 product run 14% slower than the whole product and
// 256 x 512 tiles 6%; bfloat16 (AMX) kernels are three times faster, so packing weighs three times
// more: 256 x 512 tiles of a 1024 x 1024 x 256 product ran 40% slower. A tile therefore gets at
// least this much work and this many rows and columns, unless the product itself is smaller.
struct TileLimits {
  std::int64_t min_flops, min_rows, min_cols;
};
constexpr TileLimits kFloatTiles{std::int64_t{1} << 23, 128, 256};      // ~40 µs of float32 work
constexpr TileLimits kBFloat16Tiles{std::int64_t{1} << 25, 256, 512};   // ~50 µs of AMX work
// More tiles than this only adds packing; 16 keep a 16-core machine busy on the larger products.
constexpr std::int64_t kMaxTiles = 16;

struct Tiling {
  std::int64_t tile_m, tile_n, rows, cols;
  std::int64_t count() const { return rows * cols; }
};

std::int64_t round_up(std::int64_t x, std::int64_t to) { return (x + to - 1) / to * to; }

// Halves the longer side of the tile (square tiles pack the least per flop) until there are enough
// tiles for the work; rows stay multiples of 16 and columns of 64 (whole vector registers).
Tiling choose_tiling(std::int64_t m, std::int64_t n, std::int64_t k, const TileLimits& limits) {
  const std::int64_t flops = 2 * m * n * k;
  const std::int64_t wanted = std::clamp<std::int64_t>(flops / limits.min_flops, 1, kMaxTiles);
  std::int64_t tm = m, tn = n;
  auto count = [&] { return ((m + tm - 1) / tm) * ((n + tn - 1) / tn); };
  while (count() < wanted) {
    const bool can_split_n = tn >= 2 * limits.min_cols, can_split_m = tm >= 2 * limits.min_rows;
    if (can_split_n && (tn >= tm || !can_split_m))
      tn = round_up(tn / 2, 64);
    else if (can_split_m)
      tm = round_up(tm / 2, 16);
    else
      break;
  }
  return {tm, tn, (m + tm - 1) / tm, (n + tn - 1) / tn};
}

// ---- oneDNN (float32 and bfloat16 inputs) ----

using dnnl::memory;

struct PrimitiveKey {
  Dtype input;
  bool ta, tb, bias, accumulate;
  std::int64_t m, n, k, lda, ldb, ldc;
  bool operator==(const PrimitiveKey&) const = default;
};
struct PrimitiveKeyHash {
  std::size_t operator()(const PrimitiveKey& key) const {
    std::size_t h = static_cast<std::size_t>(key.input) | (key.ta << 4) | (key.tb << 5) | (key.bias << 6) |
                    (key.accumulate << 7);
    for (std::int64_t v : {key.m, key.n, key.k, key.lda, key.ldb, key.ldc})
      h = h * 1000003u ^ static_cast<std::size_t>(v);
    return h;
  }
};

struct TilePrimitive {
  dnnl::matmul primitive;
  memory::desc a, b, c, bias, scratchpad;
};

struct ThreadDnnl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<PrimitiveKey, TilePrimitive, PrimitiveKeyHash> primitives;
  std::vector<unsigned char> scratchpad;
};

ThreadDnnl& thread_dnnl() {
  thread_local ThreadDnnl state;
  return state;
}

memory::desc matrix_desc(std::int64_t rows, std::int64_t cols, memory::data_type type, bool transposed,
                         std::int64_t ld) {
  return memory::desc({rows, cols}, type, transposed ? memory::dims{1, ld} : memory::dims{ld, 1});
}

const TilePrimitive& tile_primitive(ThreadDnnl& state, const PrimitiveKey& key) {
  auto found = state.primitives.find(key);
  if (found != state.primitives.end()) return found->second;
  if (state.primitives.size() >= 4096) state.primitives.clear();  // a program cycling through shapes
  const auto type = key.input == kBFloat16 ? memory::data_type::bf16 : memory::data_type::f32;
  TilePrimitive p;
  p.a = matrix_desc(key.m, key.k, type, key.ta, key.lda);
  p.b = matrix_desc(key.k, key.n, type, key.tb, key.ldb);
  p.c = matrix_desc(key.m, key.n, memory::data_type::f32, false, key.ldc);
  if (key.bias) p.bias = memory::desc({1, key.n}, memory::data_type::f32, memory::dims{key.n, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (key.accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p.a, p.b, p.bias, p.c), attr, state.engine);
  p.scratchpad = pd.scratchpad_desc();
  p.primitive = dnnl::matmul(pd);
  return state.primitives.emplace(key, std::move(p)).first->second;
}

// One tile on the calling thread.
void dnnl_tile(Dtype input, const GemmArgs& t) {
  ThreadDnnl& state = thread_dnnl();
  const TilePrimitive& p = tile_primitive(
      state, {input, t.ta, t.tb, t.bias != nullptr, t.accumulate, t.m, t.n, t.k, t.lda, t.ldb, t.ldc});
  if (state.scratchpad.size() < p.scratchpad.get_size()) state.scratchpad.resize(p.scratchpad.get_size());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(p.a, state.engine, const_cast<void*>(t.a))},
      {DNNL_ARG_WEIGHTS, memory(p.b, state.engine, const_cast<void*>(t.b))},
      {DNNL_ARG_DST, memory(p.c, state.engine, t.c)},
      {DNNL_ARG_SCRATCHPAD, memory(p.scratchpad, state.engine, state.scratchpad.data())}};
  if (t.bias) args.emplace(DNNL_ARG_BIAS, memory(p.bias, state.engine, const_cast<void*>(t.bias)));
  p.primitive.execute(state.stream, args);
}

// ---- OpenBLAS (float64) ----

void blas_tile(const GemmArgs& t) {
  auto* c = static_cast<double*>(t.c);
  double beta = t.accumulate ? 1.0 : 0.0;
  if (t.bias) {  // C = bias rows (+ C), then the product adds onto it (C may be uninitialized: no 0·C)
    const auto* bias = static_cast<const double*>(t.bias);
    for (std::int64_t r = 0; r < t.m; ++r)
      for (std::int64_t j = 0; j < t.n; ++j) c[r * t.ldc + j] = t.accumulate ? c[r * t.ldc + j] + bias[j] : bias[j];
    beta = 1.0;
  }
  cblas_dgemm(CblasRowMajor, t.ta ? CblasTrans : CblasNoTrans, t.tb ? CblasTrans : CblasNoTrans, t.m, t.n, t.k,
              1.0, static_cast<const double*>(t.a), t.lda, static_cast<const double*>(t.b), t.ldb, beta, c, t.ldc);
}

// The sub-product of tile (i, j): pointers moved to the tile's corner, sizes cut at the edges.
GemmArgs tile_args(const GemmArgs& g, const Tiling& tiling, std::int64_t i, std::int64_t j, std::size_t in_size,
                   std::size_t out_size) {
  GemmArgs t = g;
  const std::int64_t r0 = i * tiling.tile_m, c0 = j * tiling.tile_n;
  t.m = std::min(tiling.tile_m, g.m - r0);
  t.n = std::min(tiling.tile_n, g.n - c0);
  const std::int64_t a_offset = g.ta ? r0 : r0 * g.lda, b_offset = g.tb ? c0 * g.ldb : c0;
  t.a = static_cast<const unsigned char*>(g.a) + a_offset * in_size;
  t.b = static_cast<const unsigned char*>(g.b) + b_offset * in_size;
  t.c = static_cast<unsigned char*>(g.c) + (r0 * g.ldc + c0) * out_size;
  if (g.bias) t.bias = static_cast<const unsigned char*>(g.bias) + c0 * out_size;
  return t;
}

// OpenBLAS keeps a pthread pool of its own: each of its calls here is one tile on one thread.
void keep_openblas_on_one_thread() {
  static const bool pinned = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)pinned;
}

}  // namespace

void gemm(Dtype input, const GemmArgs& args, std::int64_t batch, std::int64_t stride_a, std::int64_t stride_b,
          std::int64_t stride_c) {
  if (input != kFloat32 && input != kBFloat16 && input != kFloat64)
    throw Error(fmt::format("gemm: no matrix product for {} inputs", dtype_name(input)));
  if (args.m == 0 || args.n == 0 || batch == 0) return;
  const std::size_t in_size = element_size(input), out_size = input == kFloat64 ? 8 : 4;
  const TileLimits& limits = input == kBFloat16 ? kBFloat16Tiles : kFloatTiles;
  const Tiling tiling = choose_tiling(args.m, args.n, args.k, limits);
  const std::int64_t tiles = tiling.count();
  auto run_tile = [&](std::int64_t block) {
    const std::int64_t b = block / tiles, tile = block % tiles;
    GemmArgs g = args;
    g.a = static_cast<const unsigned char*>(args.a) + b * stride_a * in_size;
    g.b = static_cast<const unsigned char*>(args.b) + b * stride_b * in_size;
    g.c = static_cast<unsigned char*>(args.c) + b * stride_c * out_size;
    const GemmArgs t = tile_args(g, tiling, tile / tiling.cols, tile % tiling.cols, in_size, out_size);
    if (t.k == 0) {  // an empty sum: C = bias (+ C); oneDNN and BLAS both want k >= 1
      for (std::int64_t r = 0; r < t.m; ++r)
        for (std::int64_t j = 0; j < t.n; ++j) {
          if (input == kFloat64) {
            double& c = static_cast<double*>(t.c)[r * t.ldc + j];
            c = (t.accumulate ? c : 0.0) + (t.bias ? static_cast<const double*>(t.bias)[j] : 0.0);
          } else {
            float& c = static_cast<float*>(t.c)[r * t.ldc + j];
            c = (t.accumulate ? c : 0.0f) + (t.bias ? static_cast<const float*>(t.bias)[j] : 0.0f);
          }
        }
      return;
    }
    if (input == kFloat64)
      blas_tile(t);
    else
      dnnl_tile(input, t);
  };
  const std::int64_t blocks = batch * tiles;
  const std::int64_t flops = 2 * args.m * args.n * std::max<std::int64_t>(args.k, 1) * batch;
  keep_openblas_on_one_thread();
  run_single_thread_pieces(blocks, flops, limits.min_flops, run_tile, [&] {
    return fmt::format("gemm: oneDNN failed on a [{}, {}] x [{}, {}] product of {}", args.m, args.k, args.k, args.n,
                       dtype_name(input));
  });
}

}  // namespace xgrad::kernels
