// The MPI process group of a data-parallel run: starting and stopping MPI, this process's rank and
// the number of processes.
#pragma once

namespace xgrad::distributed {

// Starts MPI when made and stops it when destroyed: make one at the top of main, before any other
// call in xgrad::distributed, and keep it alive until the last one. MPI is started with "funneled"
// threading: only the thread that made the Environment may call xgrad::distributed (DataLoader
// workers never do). If the program started MPI itself, the Environment neither starts nor stops it.
// xgrad's collectives talk on their own duplicate of MPI_COMM_WORLD, so a program's own MPI messages
// never mix with them.
class Environment {
 public:
  Environment();
  Environment(int& argc, char**& argv);  // lets MPI see (and remove) its own command-line arguments
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  int rank() const;
  int world_size() const;
};

// True while an Environment is alive.
bool is_initialized();
// This process's index in [0, world_size()), and the number of processes (mpirun's -np). Both throw
// xgrad::Error when no Environment is alive.
int rank();
int world_size();
// Returns on each rank once every rank has called it.
void barrier();
// Ends every rank of the run (MPI_Abort). For an error only some ranks see: the others would wait
// forever in their next collective call.
[[noreturn]] void abort(int exit_code = 1);

}  // namespace xgrad::distributed
