// GradientReducer: the data-parallel step. After backward(), every rank's gradients are replaced by
// their mean over the ranks, so an optimizer step on each rank makes the same update and the
// replicas stay identical.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::distributed {

struct ReducerOptions {
  // Gradients are copied into contiguous buffers ("buckets") of at most this many bytes, one
  // all-reduce per bucket: fewer, larger messages than one per parameter. A parameter larger than
  // the limit gets a bucket of its own. 25 MiB is torch DDP's default.
  std::size_t bucket_bytes = 25u << 20;
};

// Where reduce() spends its time, summed since construction or reset_stats().
struct ReducerStats {
  std::int64_t reductions = 0;  // calls of reduce()
  std::int64_t mpi_calls = 0;   // all-reduce calls: buckets x reductions
  std::int64_t bytes = 0;       // bytes all-reduced by this rank
  double mpi_seconds = 0;       // wall time inside MPI's all-reduce (waiting for the slowest rank included)
  double total_seconds = 0;     // wall time of reduce(): copying into and out of the buckets as well
};

class GradientReducer {
 public:
  // Collective: every rank must pass the same parameters, in the same order (count, shapes and
  // float32/float64 dtypes are checked; a mismatch throws the same xgrad::Error on every rank).
  // Parameters of both dtypes may be mixed: buckets hold one dtype each.
  explicit GradientReducer(const std::vector<Tensor>& parameters, ReducerOptions options = {});
  // The same with names in the errors, e.g. GradientReducer(net->named_parameters()).
  explicit GradientReducer(const std::vector<std::pair<std::string, Tensor>>& named_parameters,
                           ReducerOptions options = {});
  ~GradientReducer();
  GradientReducer(GradientReducer&&) noexcept;
  GradientReducer& operator=(GradientReducer&&) noexcept;

  // Collective, after backward() and before the optimizer step: each parameter's gradient becomes
  // its mean over the ranks. A rank that has no gradient for a parameter (it took no part in that
  // rank's loss) counts as zeros; a parameter no rank has a gradient for keeps none. Gradients are
  // updated in place (their version bumps) or set when missing.
  void reduce();

  std::size_t num_buckets() const;
  const ReducerStats& stats() const;
  void reset_stats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xgrad::distributed
