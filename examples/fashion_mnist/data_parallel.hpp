// What the trainer needs from a data-parallel run, as an interface: the trainer library stays free of
// MPI (the tests link it), and the fashion_mnist program plugs in the MPI implementation when
// xgrad::distributed was built.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

namespace fashion {

class DataParallel {
 public:
  virtual ~DataParallel() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // This rank's share of every epoch's shuffled order of `dataset_size` samples (the same seed on
  // every rank), padded so that every rank gets the same number of samples.
  virtual std::shared_ptr<const xgrad::data::Sampler> sampler(std::int64_t dataset_size, std::uint64_t seed) = 0;
  // Once the model is built (and a checkpoint loaded): rank 0's weights to every rank, and from now
  // on reduce_gradients() averages this model's gradients.
  virtual void attach(const xgrad::nn::Module& model) = 0;
  // After backward(), before the optimizer step: each gradient becomes its mean over the ranks.
  virtual void reduce_gradients() = 0;
  virtual double sum(double value) = 0;                                   // over the ranks
  virtual std::vector<double> from_rank0(std::vector<double> values) = 0;  // rank 0's values everywhere
  // One line about the gradient all-reduce so far (time per step, buckets, bytes).
  virtual std::string summary() const = 0;
  // Ends every rank: for an error only this rank saw, which would leave the others waiting.
  [[noreturn]] virtual void abort_all(int exit_code) = 0;
};

// Starts MPI, unless an xgrad::distributed::Environment is already alive, and returns the run's
// DataParallel (MPI stops when it is destroyed, if it started it). In a build without
// xgrad::distributed it throws xgrad::Error saying so.
std::unique_ptr<DataParallel> start_mpi_data_parallel();

}  // namespace fashion
