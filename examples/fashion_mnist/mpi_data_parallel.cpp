// DataParallel over MPI with xgrad::distributed (built only when MPI is installed).
#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <xgrad/distributed.hpp>

#include "data_parallel.hpp"

namespace fashion {

namespace {

namespace dist = xgrad::distributed;

class MpiDataParallel final : public DataParallel {
 public:
  MpiDataParallel() {
    if (!dist::is_initialized()) environment_.emplace();
  }
  int rank() const override { return dist::rank(); }
  int world_size() const override { return dist::world_size(); }

  std::shared_ptr<const xgrad::data::Sampler> sampler(std::int64_t dataset_size, std::uint64_t seed) override {
    return std::make_shared<dist::DistributedSampler>(dataset_size, dist::DistributedSamplerOptions{.seed = seed});
  }

  void attach(const xgrad::nn::Module& model) override {
    const auto named = model.named_parameters();
    dist::broadcast_parameters(named);
    reducer_.emplace(named);
  }

  void reduce_gradients() override {
    if (!reducer_) throw xgrad::Error("MpiDataParallel: reduce_gradients() before attach()");
    reducer_->reduce();
  }

  double sum(double value) override {
    const auto t = xgrad::full({}, value, xgrad::kFloat64);
    dist::all_reduce(t, dist::Op::Sum);
    return t.item<double>();
  }

  std::vector<double> from_rank0(std::vector<double> values) override {
    const auto t = xgrad::tensor(values, {static_cast<std::int64_t>(values.size())}, xgrad::kFloat64);
    dist::broadcast(t, 0);
    return t.to_vector();
  }

  std::string summary() const override {
    if (!reducer_) return "gradient all-reduce: not attached";
    const dist::ReducerStats& s = reducer_->stats();
    const double steps = static_cast<double>(std::max<std::int64_t>(s.reductions, 1));
    return fmt::format("gradient all-reduce: {} ranks, {} bucket(s), {:.1f} KiB per step, {:.3f} ms per step in MPI, "
                       "{:.3f} ms per step in reduce() ({} steps)",
                       world_size(), reducer_->num_buckets(), s.bytes / steps / 1024, 1e3 * s.mpi_seconds / steps,
                       1e3 * s.total_seconds / steps, s.reductions);
  }

  [[noreturn]] void abort_all(int exit_code) override { dist::abort(exit_code); }

 private:
  // First member: MPI starts before, and stops after, the rest. Empty when the program already has an
  // Environment (the tests make their own).
  std::optional<dist::Environment> environment_;
  std::optional<dist::GradientReducer> reducer_;
};

}  // namespace

std::unique_ptr<DataParallel> start_mpi_data_parallel() { return std::make_unique<MpiDataParallel>(); }

}  // namespace fashion
