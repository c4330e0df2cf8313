// Where oneDNN's Winograd convolution beats its direct one, per primitive: the measurements behind
// wants_winograd in ops/src/conv_dnnl.cpp. For 3x3 stride-1 convolutions with C -> C channels at HxH,
// each primitive run alone on one thread at the batch chunk xgrad would cut from a batch of 128 (or of
// 8 at 56x56, a ResNet stage), it prints time(Winograd) / time(direct): below 1, Winograd is faster;
// "-" where oneDNN has no Winograd primitive for the shape on this machine.
// Usage: OMP_NUM_THREADS=1 bench_conv_winograd
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

namespace {

using dnnl::memory;
dnnl::engine engine(dnnl::engine::kind::cpu, 0);
dnnl::stream stream(engine);

template <class Call>
double best_ms(int calls, Call&& call) {
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) call();
    stream.wait();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls);
  }
  return best * 1e3;
}

// Forward, backward data and backward weights times (ms); nullopt where a primitive does not exist.
struct Times {
  std::optional<double> forward, data, weights;
};

Times time_primitives(memory::dim mb, memory::dim c, memory::dim h, dnnl::algorithm algorithm) {
  const auto any = memory::format_tag::any;
  const memory::desc src({mb, c, h, h}, memory::data_type::f32, any), weights({c, c, 3, 3}, memory::data_type::f32, any),
      dst({mb, c, h, h}, memory::data_type::f32, any);
  const memory::dims stride{1, 1}, pad{1, 1};
  const int calls = std::max(2, static_cast<int>(2e8 / (2.0 * mb * c * c * h * h * 9)));
  Times t;
  std::optional<dnnl::convolution_forward::primitive_desc> forward;
  try {
    forward.emplace(dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, src, weights, dst,
                                                    stride, pad, pad),
                    engine);
  } catch (const dnnl::error&) {
    return t;
  }
  {
    memory s(forward->src_desc(), engine), w(forward->weights_desc(), engine), d(forward->dst_desc(), engine);
    const dnnl::convolution_forward p(*forward);
    t.forward = best_ms(calls, [&] { p.execute(stream, {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}}); });
  }
  try {
    const dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(algorithm, src, weights, dst, stride, pad, pad), engine, *forward);
    memory dd(pd.diff_dst_desc(), engine), w(pd.weights_desc(), engine), ds(pd.diff_src_desc(), engine);
    const dnnl::convolution_backward_data p(pd);
    t.data = best_ms(calls, [&] {
      p.execute(stream, {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, ds}});
    });
  } catch (const dnnl::error&) {
  }
  try {
    const dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(algorithm, src, weights, dst, stride, pad, pad), engine, *forward);
    memory s(pd.src_desc(), engine), dd(pd.diff_dst_desc(), engine), dw(pd.diff_weights_desc(), engine);
    const dnnl::convolution_backward_weights p(pd);
    t.weights = best_ms(calls, [&] {
      p.execute(stream, {{DNNL_ARG_SRC, s}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
    });
  } catch (const dnnl::error&) {
  }
  return t;
}

void print_ratio(const char* name, const std::optional<double>& winograd, const std::optional<double>& direct) {
  if (winograd && direct)
    std::printf("  %s %5.2f", name, *winograd / *direct);
  else
    std::printf("  %s     -", name);
}

}  // namespace

int main() {
  std::printf("winograd / direct time, one thread\n");
  for (memory::dim h : {7, 8, 14, 16, 28, 56})
    for (memory::dim c : {16, 32, 64, 128, 256}) {
      // xgrad's chunk (conv_dnnl.cpp, chunk_batch): batch / min(16, flops / 2^24) images.
      const memory::dim batch = h >= 56 ? 8 : 128;
      const double flops = 2.0 * batch * c * c * h * h * 9;
      const memory::dim chunks = std::clamp<memory::dim>(static_cast<memory::dim>(flops / (1 << 24)), 1, std::min<memory::dim>(batch, 16));
      const memory::dim mb = (batch + chunks - 1) / chunks;
      const Times direct = time_primitives(mb, c, h, dnnl::algorithm::convolution_direct);
      const Times winograd = time_primitives(mb, c, h, dnnl::algorithm::convolution_winograd);
      std::printf("%3ldx%-3ld %3ld -> %-3ld mb %3ld:", static_cast<long>(h), static_cast<long>(h), static_cast<long>(c),
                  static_cast<long>(c), static_cast<long>(mb));
      print_ratio("forward", winograd.forward, direct.forward);
      print_ratio("backward data", winograd.data, direct.data);
      print_ratio("backward weights", winograd.weights, direct.weights);
      std::printf("\n");
    }
  return 0;
}
