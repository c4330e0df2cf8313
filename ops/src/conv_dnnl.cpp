// float32 convolutions on oneDNN's convolution primitives (forward, backward data, backward
// weights), the fast path of the raw kernels in conv_kernels.cpp.
//
// Layouts. Each primitive picks its own memory format (format_tag::any, usually channels blocked by
// 16); our NCHW tensors are reordered into it and out of it only where the two differ.
//
// Threads and determinism, as gemm.cpp: the batch is cut into chunks fixed by the shapes alone, each
// chunk is one single-threaded primitive call, and the chunks are spread over the pool. The weight
// gradient sums the chunks' partial gradients in chunk order. So every result is computed the same
// way whatever the number of threads.
//
// Algorithm. 3x3 stride-1 convolutions with enough channels run oneDNN's Winograd F(4x4, 3x3)
// primitives (jit_wino_4x3, on AVX-512 machines): 4x fewer multiplications, 1.1-2.9x faster than
// the direct primitive where wants_winograd picks it; elsewhere, or where oneDNN has no Winograd
// primitive, the direct one. Its float32 error is larger: about 1.3e-6 of the result's largest
// value against 4e-7 for direct summation (tests/test_cnn.cpp's float64 comparison).
// XGRAD_CONV_WINOGRAD=0 in the environment keeps every convolution direct.
//
// Primitives are costly to create (a few hundred µs with their reorders), so they are cached by
// everything that shapes one: the kind, the geometry and the chunk's batch size.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <new>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "conv_ops.hpp"
#include "single_thread_pieces.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/error.hpp"
#include "xgrad/parallel.hpp"

namespace xgrad::conv_detail::dnnl_conv {

namespace {

using dnnl::memory;
using Kind = int;  // 0 forward, 1 backward data, 2 backward weights
constexpr Kind kForward = 0, kBackwardData = 1, kBackwardWeights = 2;

struct PlanKey {
  Kind kind;
  bool bias;
  std::int64_t mb;
  ConvGeometry g;
  bool operator==(const PlanKey& o) const {
    const ConvGeometry &a = g, &b = o.g;
    return kind == o.kind && bias == o.bias && mb == o.mb && a.c == b.c && a.h == b.h && a.w == b.w && a.oc == b.oc &&
           a.oh == b.oh && a.ow == b.ow && a.kh == b.kh && a.kw == b.kw && a.stride_h == b.stride_h &&
           a.stride_w == b.stride_w && a.pad_top == b.pad_top && a.pad_left == b.pad_left &&
           a.dilation_h == b.dilation_h && a.dilation_w == b.dilation_w && a.groups == b.groups;
  }
};
struct PlanKeyHash {
  std::size_t operator()(const PlanKey& k) const {
    std::size_t h = static_cast<std::size_t>(k.kind) * 2 + k.bias;
    for (std::int64_t v : {k.mb, k.g.c, k.g.h, k.g.w, k.g.oc, k.g.oh, k.g.ow, k.g.kh, k.g.kw, k.g.stride_h, k.g.stride_w,
                           k.g.pad_top, k.g.pad_left, k.g.dilation_h, k.g.dilation_w, k.g.groups})
      h = h * 1000003u ^ static_cast<std::size_t>(v);
    return h;
  }
};

// One operand of a primitive: its plain (NCHW / [G,] OIHW) layout, the primitive's, and the reorder
// between them when they differ (user -> primitive for inputs, primitive -> user for the output).
struct Operand {
  memory::desc user, prim;
  std::optional<dnnl::reorder> reorder;
  bool reordered() const { return reorder.has_value(); }
};

// The primitive for one chunk size. Forward: a = src, b = weights, out = dst. Backward data:
// a = diff_dst, b = weights, out = diff_src. Backward weights: a = src, b = diff_dst,
// out = diff_weights. Weights are whole tensors; the others are the chunk's slice of the batch.
struct Plan {
  dnnl::primitive primitive;
  Operand a, b, out;
  memory::desc bias, scratchpad;
  int arg_a, arg_b, arg_out;
};

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

memory::dims dims(std::initializer_list<std::int64_t> v) { return memory::dims(v.begin(), v.end()); }

memory::desc activation_desc(std::int64_t mb, std::int64_t c, std::int64_t h, std::int64_t w, memory::format_tag tag) {
  return memory::desc(dims({mb, c, h, w}), memory::data_type::f32, tag);
}
memory::desc weight_desc(const ConvGeometry& g, memory::format_tag any_or_plain) {
  const bool plain = any_or_plain != memory::format_tag::any;
  if (g.groups == 1)
    return memory::desc(dims({g.oc, g.c, g.kh, g.kw}), memory::data_type::f32,
                        plain ? memory::format_tag::oihw : any_or_plain);
  return memory::desc(dims({g.groups, g.oc_per_group(), g.c_per_group(), g.kh, g.kw}), memory::data_type::f32,
                      plain ? memory::format_tag::goihw : any_or_plain);
}

Operand operand(const memory::desc& user, const memory::desc& prim, bool input) {
  Operand o{user, prim, std::nullopt};
  if (user != prim)
    o.reorder = input ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), prim))
                      : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), prim, engine(), user));
  return o;
}

// The right padding oneDNN wants: what makes (in + left + right − extent) / stride + 1 equal the
// output size. Rows past the last window (fewer than a stride) need none.
std::int64_t right_pad(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                       std::int64_t dilation, std::int64_t left) {
  return std::max<std::int64_t>(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in - left);
}

// Where Winograd measured faster than direct (bench_conv_winograd, table in bench/README.md), per
// primitive, at the batch chunks chunk_batch cuts: forward and backward data from 32 x 64 channel
// pairs at outputs of 8x8 and more (at 7x7 the 4x4 tiles waste half their work); backward weights
// from 64 x 64 pairs, or 32 x 32 at 16x16 and more. With fewer channels the transforms, which cost
// per channel and not per pair, outweigh the saving.
bool wants_winograd(const PlanKey& key) {
  static const bool disabled = [] {
    const char* v = std::getenv("XGRAD_CONV_WINOGRAD");
    return v && *v == '0';
  }();
  const ConvGeometry& g = key.g;
  if (disabled || g.kh != 3 || g.kw != 3 || g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 ||
      g.dilation_w != 1 || g.groups != 1)
    return false;
  const std::int64_t pairs = g.c * g.oc, outputs = g.oh * g.ow;
  if (key.kind == kBackwardWeights) return pairs >= 64 * 64 || (pairs >= 32 * 32 && outputs >= 16 * 16);
  return pairs >= 32 * 64 && outputs >= 8 * 8;
}

std::unique_ptr<Plan> make_plan(const PlanKey& key, dnnl::algorithm algo) {
  const ConvGeometry& g = key.g;
  const auto any = memory::format_tag::any, nchw = memory::format_tag::nchw;
  const memory::dims strides = dims({g.stride_h, g.stride_w}), dilates = dims({g.dilation_h - 1, g.dilation_w - 1}),
                     pad_l = dims({g.pad_top, g.pad_left}),
                     pad_r = dims({right_pad(g.h, g.oh, g.kh, g.stride_h, g.dilation_h, g.pad_top),
                                   right_pad(g.w, g.ow, g.kw, g.stride_w, g.dilation_w, g.pad_left)});
  const memory::desc src_any = activation_desc(key.mb, g.c, g.h, g.w, any), dst_any = activation_desc(key.mb, g.oc, g.oh, g.ow, any);
  const memory::desc src_plain = activation_desc(key.mb, g.c, g.h, g.w, nchw),
                     dst_plain = activation_desc(key.mb, g.oc, g.oh, g.ow, nchw);
  const memory::desc w_any = weight_desc(g, any), w_plain = weight_desc(g, nchw);
  const memory::desc bias_desc = key.bias ? memory::desc(dims({g.oc}), memory::data_type::f32, memory::format_tag::x)
                                          : memory::desc();
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_forward::primitive_desc forward(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src_any, w_any, bias_desc, dst_any,
                                      strides, dilates, pad_l, pad_r),
      attr, engine());
  auto plan = std::make_unique<Plan>();
  if (key.kind == kForward) {
    plan->a = operand(src_plain, forward.src_desc(), true);
    plan->b = operand(w_plain, forward.weights_desc(), true);
    plan->out = operand(dst_plain, forward.dst_desc(), false);
    plan->bias = bias_desc;
    plan->scratchpad = forward.scratchpad_desc();
    plan->primitive = dnnl::convolution_forward(forward);
    plan->arg_a = DNNL_ARG_SRC, plan->arg_b = DNNL_ARG_WEIGHTS, plan->arg_out = DNNL_ARG_DST;
  } else if (key.kind == kBackwardData) {
    const dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(algo, src_any, w_any, dst_any, strides, dilates, pad_l, pad_r), attr,
        engine(), forward);
    plan->a = operand(dst_plain, pd.diff_dst_desc(), true);
    plan->b = operand(w_plain, pd.weights_desc(), true);
    plan->out = operand(src_plain, pd.diff_src_desc(), false);
    plan->scratchpad = pd.scratchpad_desc();
    plan->primitive = dnnl::convolution_backward_data(pd);
    plan->arg_a = DNNL_ARG_DIFF_DST, plan->arg_b = DNNL_ARG_WEIGHTS, plan->arg_out = DNNL_ARG_DIFF_SRC;
  } else {
    // with a bias, the primitive also sums its gradient while it reads diff_dst
    const auto desc = key.bias ? dnnl::convolution_backward_weights::desc(algo, src_any, w_any, bias_desc, dst_any, strides,
                                                                          dilates, pad_l, pad_r)
                               : dnnl::convolution_backward_weights::desc(algo, src_any, w_any, dst_any, strides, dilates,
                                                                          pad_l, pad_r);
    const dnnl::convolution_backward_weights::primitive_desc pd(desc, attr, engine(), forward);
    plan->bias = bias_desc;
    plan->a = operand(src_plain, pd.src_desc(), true);
    plan->b = operand(dst_plain, pd.diff_dst_desc(), true);
    plan->out = operand(w_plain, pd.diff_weights_desc(), false);
    plan->scratchpad = pd.scratchpad_desc();
    plan->primitive = dnnl::convolution_backward_weights(pd);
    plan->arg_a = DNNL_ARG_SRC, plan->arg_b = DNNL_ARG_DIFF_DST, plan->arg_out = DNNL_ARG_DIFF_WEIGHTS;
  }
  return plan;
}

// The cache: null for a geometry oneDNN has no primitive for (the caller falls back to im2col).
// Plans are never removed while the program runs (a program cycling through more than a few
// thousand shapes starts over), so a pointer handed out stays valid until the next clear; the
// clear happens under the lock before any plan of the current call is looked up.
const Plan* find_plan(const PlanKey& key) {
  static std::mutex mutex;
  static std::unordered_map<PlanKey, std::unique_ptr<Plan>, PlanKeyHash> plans;
  const std::lock_guard<std::mutex> lock(mutex);
  auto found = plans.find(key);
  if (found != plans.end()) return found->second.get();
  if (plans.size() >= 4096) plans.clear();
  std::unique_ptr<Plan> plan;
  try {
    // Every plan runs on one thread, so it is made for one: a primitive made for more waits at
    // barriers for threads that never come when it runs alone.
    const kernels::SingleThreadScope one_thread;
    if (wants_winograd(key)) {
      try {
        plan = make_plan(key, dnnl::algorithm::convolution_winograd);
      } catch (const dnnl::error&) {
        // no Winograd primitive on this machine or for these channels: the direct one below
      }
    }
    if (!plan) plan = make_plan(key, dnnl::algorithm::convolution_direct);
  } catch (const dnnl::error&) {
    plan = nullptr;
  }
  return plans.emplace(key, std::move(plan)).first->second.get();
}

// Per-thread buffers a chunk works in (its reordered operands and the primitive's scratchpad),
// kept between calls so a training loop does not page-fault fresh memory every step.
class Buffer {
 public:
  void* get(std::size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_ = (bytes + 4095) / 4096 * 4096;
      data_ = std::aligned_alloc(64, size_);
      if (!data_) {
        size_ = 0;
        throw std::bad_alloc();
      }
    }
    return data_;
  }
  ~Buffer() { std::free(data_); }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};
struct ThreadBuffers {
  Buffer a, b, out, scratchpad;
};
ThreadBuffers& thread_buffers() {
  thread_local ThreadBuffers buffers;
  return buffers;
}

// The batch in chunks: enough work in each to hide a primitive call's cost, at most 16 (a 16-core
// machine busy), fixed by the shapes alone.
struct Chunks {
  std::int64_t size, count;
};
constexpr double kMinChunkFlops = 1 << 24;
Chunks chunk_batch(const ConvGeometry& g) {
  const double flops = 2.0 * g.n * g.oc * g.oh * g.ow * g.c_per_group() * g.kh * g.kw;
  const std::int64_t wanted = std::clamp<std::int64_t>(static_cast<std::int64_t>(flops / kMinChunkFlops), 1,
                                                       std::min<std::int64_t>(g.n, 16));
  const std::int64_t size = (g.n + wanted - 1) / wanted;
  return {size, (g.n + size - 1) / size};
}

// The plans for full chunks and the last (shorter) one, or nullopt when oneDNN lacks either.
struct Plans {
  const Plan* full;
  const Plan* tail;
  const Plan* of(std::int64_t mb, std::int64_t size) const { return mb == size ? full : tail; }
};
std::optional<Plans> find_plans(Kind kind, bool bias, const ConvGeometry& g, const Chunks& chunks) {
  const Plan* full = find_plan({kind, bias, chunks.size, g});
  if (!full) return std::nullopt;
  const std::int64_t last = g.n - (chunks.count - 1) * chunks.size;
  const Plan* tail = last == chunks.size ? full : find_plan({kind, bias, last, g});
  if (!tail) return std::nullopt;
  return Plans{full, tail};
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(engine());
  return stream;
}

// Runs an input operand's reorder into `buffer` when it has one; returns where the primitive reads it.
void* prepared(const Operand& o, void* user, Buffer& buffer) {
  if (!o.reordered()) return user;
  void* data = buffer.get(o.prim.get_size());
  memory from(o.user, engine(), user), to(o.prim, engine(), data);
  o.reorder->execute(thread_stream(), from, to);
  return data;
}

// One chunk through its plan on the calling thread: a and b (already in the primitive's layout
// when `b_ready`), out written in the user's layout; `bias` is read (forward) or written (backward
// weights) where the plan has one.
void run_chunk(const Plan& p, void* a, void* b, bool b_ready, const void* bias, void* out) {
  ThreadBuffers& buffers = thread_buffers();
  dnnl::stream& stream = thread_stream();
  void* pa = prepared(p.a, a, buffers.a);
  void* pb = b_ready ? b : prepared(p.b, b, buffers.b);
  void* pout = p.out.reordered() ? buffers.out.get(p.out.prim.get_size()) : out;
  std::unordered_map<int, memory> args{
      {p.arg_a, memory(p.a.prim, engine(), pa)},
      {p.arg_b, memory(p.b.prim, engine(), pb)},
      {p.arg_out, memory(p.out.prim, engine(), pout)},
      {DNNL_ARG_SCRATCHPAD, memory(p.scratchpad, engine(), buffers.scratchpad.get(std::max<std::size_t>(p.scratchpad.get_size(), 64)))}};
  if (bias)
    args.emplace(p.arg_out == DNNL_ARG_DIFF_WEIGHTS ? DNNL_ARG_DIFF_BIAS : DNNL_ARG_BIAS,
                 memory(p.bias, engine(), const_cast<void*>(bias)));
  p.primitive.execute(stream, args);
  if (p.out.reordered()) {
    memory from(p.out.prim, engine(), pout), to(p.out.user, engine(), out);
    p.out.reorder->execute(stream, from, to);
  }
}

// chunk(i) for every chunk over the pool, each on one thread (see the file's comment); the first
// exception is rethrown after the region.
template <class Body>
void for_chunks(const Chunks& chunks, double flops, const char* op, Body&& chunk) {
  kernels::run_single_thread_pieces(chunks.count, static_cast<std::int64_t>(std::min(flops, 9e18)),
                                    static_cast<std::int64_t>(kMinChunkFlops), chunk,
                                    [op] { return fmt::format("{}: oneDNN failed", op); });
}

double flops_of(const ConvGeometry& g) { return 2.0 * g.n * g.oc * g.oh * g.ow * g.c_per_group() * g.kh * g.kw; }

bool usable(const ConvGeometry& g) {
  static const bool disabled = [] {
    const char* v = std::getenv("XGRAD_CONV_IM2COL");
    return v && *v && *v != '0';
  }();
  return !disabled && g.n > 0 && g.c > 0 && g.oc > 0 && g.oh > 0 && g.ow > 0 && g.h > 0 && g.w > 0;
}

// The weights in the layouts the plans read, reordered once per call for all chunks.
struct PreparedWeights {
  void* full;
  void* tail;
  std::vector<Tensor> holders;
};
PreparedWeights prepare_weights(const Plans& plans, const Tensor& weight) {
  PreparedWeights w{nullptr, nullptr, {}};
  auto one = [&](const Plan* p) -> void* {
    void* user = contiguous_data<float>(weight);
    if (!p->b.reordered()) return user;
    Tensor t = make_tensor({static_cast<std::int64_t>((p->b.prim.get_size() + 3) / 4)}, kFloat32, "conv2d");
    memory from(p->b.user, engine(), user), to(p->b.prim, engine(), contiguous_data<float>(t));
    const kernels::SingleThreadScope one_thread;
    p->b.reorder->execute(thread_stream(), from, to);
    w.holders.push_back(t);
    return contiguous_data<float>(t);
  };
  w.full = one(plans.full);
  w.tail = plans.tail == plans.full ? w.full : one(plans.tail);
  return w;
}

// out[e] = Σ_i rows[i, e] over `count` rows of `width`, added in row order (the chunks' partial
// gradients: the same bits on any number of threads).
void sum_rows_in_order(const float* rows, std::int64_t count, std::int64_t width, float* out) {
  parallel_for(0, width, detail::kElementwiseGrain / count + 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t e = begin; e < end; ++e) {
      float s = rows[e];
      for (std::int64_t i = 1; i < count; ++i) s += rows[i * width + e];
      out[e] = s;
    }
  });
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  if (!usable(g)) return Tensor();
  const Chunks chunks = chunk_batch(g);
  const auto plans = find_plans(kForward, bias.defined(), g, chunks);
  if (!plans) return Tensor();
  const PreparedWeights w = prepare_weights(*plans, weight);
  Tensor y = make_tensor(g.output_shape(), kFloat32, "conv2d");
  float* xd = contiguous_data<float>(x);
  float* yd = contiguous_data<float>(y);
  const float* bd = bias.defined() ? contiguous_data<float>(bias) : nullptr;
  for_chunks(chunks, flops_of(g), "conv2d", [&](std::int64_t i) {
    const std::int64_t n0 = i * chunks.size, mb = std::min(chunks.size, g.n - n0);
    const Plan& p = *plans->of(mb, chunks.size);
    run_chunk(p, xd + n0 * g.c * g.h * g.w, mb == chunks.size ? w.full : w.tail, true, bd, yd + n0 * g.oc * g.oh * g.ow);
  });
  return y;
}

Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g) {
  if (!usable(g)) return Tensor();
  const Chunks chunks = chunk_batch(g);
  const auto plans = find_plans(kBackwardData, false, g, chunks);
  if (!plans) return Tensor();
  const PreparedWeights w = prepare_weights(*plans, weight);
  Tensor gx = make_tensor(g.input_shape(), kFloat32, "conv2d backward");
  float* gd = contiguous_data<float>(grad_out);
  float* xd = contiguous_data<float>(gx);
  for_chunks(chunks, flops_of(g), "conv2d backward", [&](std::int64_t i) {
    const std::int64_t n0 = i * chunks.size, mb = std::min(chunks.size, g.n - n0);
    const Plan& p = *plans->of(mb, chunks.size);
    run_chunk(p, gd + n0 * g.oc * g.oh * g.ow, mb == chunks.size ? w.full : w.tail, true, nullptr,
              xd + n0 * g.c * g.h * g.w);
  });
  return gx;
}

Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g, Tensor* bias_grad) {
  if (!usable(g)) return Tensor();
  const Chunks chunks = chunk_batch(g);
  const bool with_bias = bias_grad != nullptr;
  const auto plans = find_plans(kBackwardWeights, with_bias, g, chunks);
  if (!plans) return Tensor();
  const Shape wshape = g.weight_shape();
  const std::int64_t wsize = g.oc * g.c_per_group() * g.kh * g.kw;
  // Each chunk's weight (and bias) gradient goes to a row of partials, summed below in chunk order;
  // a single chunk writes the results themselves.
  Tensor gw = make_tensor(wshape, kFloat32, "conv2d backward");
  Tensor gb = with_bias ? make_tensor({g.oc}, kFloat32, "conv2d backward") : Tensor();
  const bool one = chunks.count == 1;
  Tensor partials = one ? gw : make_tensor({chunks.count, wsize}, kFloat32, "conv2d backward");
  Tensor bias_partials = !with_bias || one ? gb : make_tensor({chunks.count, g.oc}, kFloat32, "conv2d backward");
  float* xd = contiguous_data<float>(x);
  float* gd = contiguous_data<float>(grad_out);
  float* pd = contiguous_data<float>(partials);
  float* bd = with_bias ? contiguous_data<float>(bias_partials) : nullptr;
  for_chunks(chunks, flops_of(g), "conv2d backward", [&](std::int64_t i) {
    const std::int64_t n0 = i * chunks.size, mb = std::min(chunks.size, g.n - n0);
    const Plan& p = *plans->of(mb, chunks.size);
    run_chunk(p, xd + n0 * g.c * g.h * g.w, gd + n0 * g.oc * g.oh * g.ow, false, bd ? bd + i * g.oc : nullptr,
              pd + i * wsize);
  });
  if (!one) {
    sum_rows_in_order(pd, chunks.count, wsize, contiguous_data<float>(gw));
    if (with_bias) sum_rows_in_order(bd, chunks.count, g.oc, contiguous_data<float>(gb));
  }
  if (with_bias) *bias_grad = gb;
  return gw;
}

}  // namespace xgrad::conv_detail::dnnl_conv
