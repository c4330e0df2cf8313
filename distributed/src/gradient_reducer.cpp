// GradientReducer: gradients are copied into a few contiguous buffers of one dtype each (buckets),
// each bucket is summed over the ranks with one MPI_Allreduce, and the sums divided by the number of
// ranks are copied back. Each bucket also carries one "has a gradient" flag per parameter, so ranks
// agree on which gradients exist without another message.
#include "xgrad/distributed/gradient_reducer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>

#include "mpi_support.hpp"
#include "tensor_agreement.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::distributed {

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kName = "GradientReducer";

// Parameters `members` (indices) laid out one after another in `buffer`, then one flag per member.
struct Bucket {
  Dtype dtype;
  std::vector<std::size_t> members;
  std::vector<std::int64_t> offsets;  // where each member's gradient starts in the buffer
  std::int64_t gradient_elements = 0;
  Tensor buffer;  // [gradient_elements + members.size()]
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

struct GradientReducer::Impl {
  std::vector<Tensor> params;
  std::vector<Bucket> buckets;
  ReducerStats stats;
  MPI_Comm comm = MPI_COMM_NULL;
  int world_size = 1;

  void plan(std::size_t bucket_bytes);
  template <class T> void pack(Bucket& b) const;
  template <class T> void unpack(Bucket& b) const;
  void reduce(Bucket& b);
};

// Consecutive parameters of one dtype share a bucket until it would exceed bucket_bytes; float32
// and float64 parameters fill separate buckets, each kept in parameter order.
void GradientReducer::Impl::plan(std::size_t bucket_bytes) {
  std::vector<Bucket> open(2);  // the bucket being filled, per floating dtype
  open[0].dtype = Dtype::Float32;
  open[1].dtype = Dtype::Float64;
  auto close = [&](Bucket& b) {
    if (b.members.empty()) return;
    const Dtype dtype = b.dtype;
    buckets.push_back(std::move(b));
    b = Bucket{};
    b.dtype = dtype;
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    Bucket& b = open[params[i].dtype() == Dtype::Float32 ? 0 : 1];
    const std::size_t element_bytes = element_size(b.dtype);
    const std::int64_t n = params[i].numel();
    if (!b.members.empty() && static_cast<std::size_t>(b.gradient_elements + n) * element_bytes > bucket_bytes)
      close(b);
    if (b.gradient_elements + n + static_cast<std::int64_t>(b.members.size()) + 1 > INT_MAX)
      throw Error(fmt::format("{}: parameter {} has {} elements, more than one MPI message holds ({})", kName, i, n,
                              INT_MAX));
    b.members.push_back(i);
    b.offsets.push_back(b.gradient_elements);
    b.gradient_elements += n;
  }
  for (Bucket& b : open) close(b);
}

template <class T>
void GradientReducer::Impl::pack(Bucket& b) const {
  T* data = b.buffer.data_ptr<T>();
  T* flags = data + b.gradient_elements;
  for (std::size_t k = 0; k < b.members.size(); ++k) {
    const Tensor& p = params[b.members[k]];
    T* slice = data + b.offsets[k];
    Tensor g = p.grad();
    if (g.defined()) {
      if (g.dtype() != p.dtype()) g = g.detach().to(p.dtype());
      std::memcpy(slice, g.data_ptr<T>(), static_cast<std::size_t>(p.numel()) * sizeof(T));
    } else {
      std::fill_n(slice, p.numel(), T(0));
    }
    flags[k] = g.defined() ? T(1) : T(0);
  }
}

template <class T>
void GradientReducer::Impl::unpack(Bucket& b) const {
  const T* data = b.buffer.data_ptr<T>();
  const T* flags = data + b.gradient_elements;
  const T ranks = static_cast<T>(world_size);
  for (std::size_t k = 0; k < b.members.size(); ++k) {
    if (flags[k] == T(0)) continue;  // no rank had a gradient: leave it undefined
    Tensor p = params[b.members[k]];
    Tensor g = p.grad();
    // A gradient that is itself part of a graph (create_graph) is replaced, never written through.
    const bool in_place = g.defined() && !g.requires_grad() && g.dtype() == p.dtype();
    if (!in_place) g = empty(p.shape(), p.dtype());
    T* out = g.data_ptr<T>();
    const T* sum = data + b.offsets[k];
    const std::int64_t n = p.numel();  // hoisted: an out-of-line call in the condition stops vectorization
    for (std::int64_t j = 0; j < n; ++j) out[j] = sum[j] / ranks;
    if (in_place) g.bump_version();
    else p.set_grad(g);
  }
}

void GradientReducer::Impl::reduce(Bucket& b) {
  // Allocated on first use (never with one rank), then reused every step.
  if (!b.buffer.defined())
    b.buffer = empty({b.gradient_elements + static_cast<std::int64_t>(b.members.size())}, b.dtype);
  const bool single = b.dtype == Dtype::Float32;
  if (single) pack<float>(b);
  else pack<double>(b);
  const auto count = static_cast<int>(b.buffer.numel());
  void* data = b.buffer.mutable_bytes().data();
  const auto start = Clock::now();
  detail::check(MPI_Allreduce(MPI_IN_PLACE, data, count, detail::datatype(b.dtype, kName), MPI_SUM, comm), kName,
                "MPI_Allreduce");
  stats.mpi_seconds += seconds_since(start);
  stats.mpi_calls += 1;
  stats.bytes += static_cast<std::int64_t>(count) * static_cast<std::int64_t>(element_size(b.dtype));
  if (single) unpack<float>(b);
  else unpack<double>(b);
}

GradientReducer::GradientReducer(const std::vector<std::pair<std::string, Tensor>>& named_parameters,
                                 ReducerOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.bucket_bytes == 0) throw Error(fmt::format("{}: bucket_bytes must be at least 1", kName));
  detail::check_same_tensors(detail::describe(named_parameters), 0, kName, true);
  for (std::size_t i = 0; i < named_parameters.size(); ++i) {
    const auto& [name, t] = named_parameters[i];
    const std::string label =
        name.empty() ? fmt::format("parameter {}", i) : fmt::format("parameter {} ('{}')", i, name);
    if (!t.defined()) throw Error(fmt::format("{}: {} is undefined", kName, label));
    if (!t.is_floating_point())
      throw Error(fmt::format("{}: {} is {}; only float32 and float64 gradients are averaged", kName, label,
                              dtype_name(t.dtype())));
    impl_->params.push_back(t);
  }
  impl_->comm = detail::communicator(kName);
  MPI_Comm_size(impl_->comm, &impl_->world_size);
  impl_->plan(options.bucket_bytes);
}

GradientReducer::GradientReducer(const std::vector<Tensor>& parameters, ReducerOptions options)
    : GradientReducer(
          [&] {
            std::vector<std::pair<std::string, Tensor>> unnamed;
            for (const Tensor& t : parameters) unnamed.emplace_back("", t);
            return unnamed;
          }(),
          options) {}

GradientReducer::~GradientReducer() = default;
GradientReducer::GradientReducer(GradientReducer&&) noexcept = default;
GradientReducer& GradientReducer::operator=(GradientReducer&&) noexcept = default;

void GradientReducer::reduce() {
  if (!impl_) throw Error(fmt::format("{}::reduce: the reducer was moved from", kName));
  const auto start = Clock::now();
  impl_->stats.reductions += 1;
  if (impl_->world_size == 1) return;  // the mean over one rank is its own gradient: nothing to do
  NoGradGuard no_grad;  // the averaged gradients are plain values, as the engine leaves them
  for (Bucket& b : impl_->buckets) impl_->reduce(b);
  impl_->stats.total_seconds += seconds_since(start);
}

std::size_t GradientReducer::num_buckets() const { return impl_ ? impl_->buckets.size() : 0; }

const ReducerStats& GradientReducer::stats() const {
  static const ReducerStats none;
  return impl_ ? impl_->stats : none;
}

void GradientReducer::reset_stats() {
  if (impl_) impl_->stats = ReducerStats{};
}

}  // namespace xgrad::distributed
