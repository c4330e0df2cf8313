// start_mpi_data_parallel in a build without MPI (xgrad::distributed is built only when MPI is found).
#include "data_parallel.hpp"

namespace fashion {

std::unique_ptr<DataParallel> start_mpi_data_parallel() {
  throw xgrad::Error("fashion_mnist: --distributed needs MPI, and this build has none; install Open MPI "
                     "(libopenmpi-dev openmpi-bin) and configure again");
}

}  // namespace fashion
