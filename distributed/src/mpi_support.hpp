// MPI plumbing shared by the distributed sources: the communicator, error checks, datatypes, and
// the in-place write rules. Internal: MPI's header never reaches users.
#pragma once
#include <mpi.h>

#include "xgrad/distributed/collectives.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::distributed::detail {

// The communicator xgrad's collectives use, a duplicate of MPI_COMM_WORLD owned by the Environment.
// Throws xgrad::Error naming `op` when no Environment is alive.
MPI_Comm communicator(const char* op);

// Throws xgrad::Error naming `op`, the MPI function and MPI's own message when rc is not MPI_SUCCESS.
void check(int rc, const char* op, const char* mpi_function);

// The MPI datatype of a dtype; throws naming `op` for bool.
MPI_Datatype datatype(Dtype dtype, const char* op);

// MPI's reduction for Op (Mean is a sum, divided afterwards).
MPI_Op reduction(Op op);

// The in-place rule of every xgrad op: a tensor that requires grad can be written only with grad mode off.
void check_writable(const Tensor& t, const char* op);

}  // namespace xgrad::distributed::detail
