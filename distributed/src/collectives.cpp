// all_reduce, broadcast and broadcast_parameters: each first agrees on the tensors' shapes across
// the ranks (tensor_agreement), then checks what every rank now fails alike, then moves the data in
// place with one MPI call per tensor.
#include "xgrad/distributed/collectives.hpp"

#include <fmt/format.h>

#include <climits>

#include "mpi_support.hpp"
#include "tensor_agreement.hpp"
#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::distributed {

namespace {

// The checks of one tensor that may be sent: defined, a sendable dtype, an int-sized count (MPI
// counts are int; xgrad's tensors may be larger). Returns the count.
int checked_count(const Tensor& t, const std::string& label, const char* op) {
  if (!t.defined()) throw Error(fmt::format("{}: {} is undefined", op, label));
  detail::datatype(t.dtype(), op);
  if (t.numel() > INT_MAX)
    throw Error(fmt::format("{}: {} has {} elements, more than one MPI message holds ({})", op, label, t.numel(),
                            INT_MAX));
  return static_cast<int>(t.numel());
}

void send_from_root(const Tensor& t, int count, int root, MPI_Comm comm, const char* op) {
  if (count == 0) return;
  detail::check(MPI_Bcast(t.mutable_bytes().data(), count, detail::datatype(t.dtype(), op), root, comm), op,
                "MPI_Bcast");
  t.bump_version();
}

std::string parameter_label(std::size_t i, const std::string& name) {
  return name.empty() ? fmt::format("parameter {}", i) : fmt::format("parameter {} ('{}')", i, name);
}

}  // namespace

void all_reduce(const Tensor& tensor, Op op) {
  constexpr const char* name = "all_reduce";
  detail::check_same_tensors({detail::describe("", tensor)}, 0, name, false);
  const int count = checked_count(tensor, "the tensor", name);
  detail::check_writable(tensor, name);
  if (op == Op::Mean && !tensor.is_floating_point())
    throw Error(fmt::format("{}: Op::Mean needs a floating-point tensor, got {}", name, dtype_name(tensor.dtype())));
  MPI_Comm comm = detail::communicator(name);
  if (count == 0) return;
  detail::check(MPI_Allreduce(MPI_IN_PLACE, tensor.mutable_bytes().data(), count,
                              detail::datatype(tensor.dtype(), name), detail::reduction(op), comm),
                name, "MPI_Allreduce");
  tensor.bump_version();
  if (op == Op::Mean) {
    int ranks = 1;
    MPI_Comm_size(comm, &ranks);
    NoGradGuard no_grad;
    Tensor(tensor).mul_(1.0 / ranks);
  }
}

void broadcast(const Tensor& tensor, int root) {
  constexpr const char* name = "broadcast";
  detail::check_same_tensors({detail::describe("", tensor)}, root, name, false);
  const int count = checked_count(tensor, "the tensor", name);
  detail::check_writable(tensor, name);
  send_from_root(tensor, count, root, detail::communicator(name), name);
}

void broadcast_parameters(const std::vector<std::pair<std::string, Tensor>>& named_parameters, int root) {
  constexpr const char* name = "broadcast_parameters";
  detail::check_same_tensors(detail::describe(named_parameters), root, name, true);
  std::vector<int> counts;
  for (std::size_t i = 0; i < named_parameters.size(); ++i)
    counts.push_back(checked_count(named_parameters[i].second, parameter_label(i, named_parameters[i].first), name));
  // Parameters are written as an optimizer writes them: outside autograd, whatever the grad mode.
  MPI_Comm comm = detail::communicator(name);
  for (std::size_t i = 0; i < named_parameters.size(); ++i)
    send_from_root(named_parameters[i].second, counts[i], root, comm, name);
}

void broadcast_parameters(const std::vector<Tensor>& parameters, int root) {
  std::vector<std::pair<std::string, Tensor>> unnamed;
  unnamed.reserve(parameters.size());
  for (const Tensor& t : parameters) unnamed.emplace_back("", t);
  broadcast_parameters(unnamed, root);
}

}  // namespace xgrad::distributed
