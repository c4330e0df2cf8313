// The Environment owns MPI's lifetime and xgrad's communicator; rank() and friends read them.
#include "xgrad/distributed/environment.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "mpi_support.hpp"
#include "xgrad/error.hpp"

namespace xgrad::distributed {

namespace {

// What the one live Environment set up. Only the thread that made it uses it (funneled MPI).
struct State {
  bool alive = false;
  bool started_mpi = false;  // false when the program had started MPI itself: then it also stops it
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int world_size = 1;
};
State state;

void start(int* argc, char*** argv) {
  if (state.alive) throw Error("distributed::Environment: an Environment already exists (make one per process)");
  int finalized = 0, initialized = 0;
  MPI_Finalized(&finalized);
  if (finalized) throw Error("distributed::Environment: MPI was already finalized; it cannot be started again");
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "distributed::Environment",
                  "MPI_Init_thread");
    state.started_mpi = true;
  }
  // Errors come back as return codes (turned into xgrad::Error) instead of aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &state.comm), "distributed::Environment", "MPI_Comm_dup");
  MPI_Comm_set_errhandler(state.comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(state.comm, &state.rank);
  MPI_Comm_size(state.comm, &state.world_size);
  state.alive = true;
}

}  // namespace

namespace detail {

MPI_Comm communicator(const char* op) {
  if (!state.alive)
    throw Error(fmt::format("{}: MPI is not running; create an xgrad::distributed::Environment first (at the top of "
                            "main) and run the program under mpirun",
                            op));
  return state.comm;
}

}  // namespace detail

Environment::Environment() { start(nullptr, nullptr); }
Environment::Environment(int& argc, char**& argv) { start(&argc, &argv); }

Environment::~Environment() {
  MPI_Comm_free(&state.comm);
  if (state.started_mpi) MPI_Finalize();
  state = State{};
}

int Environment::rank() const { return state.rank; }
int Environment::world_size() const { return state.world_size; }

bool is_initialized() { return state.alive; }

int rank() {
  detail::communicator("distributed::rank");
  return state.rank;
}

int world_size() {
  detail::communicator("distributed::world_size");
  return state.world_size;
}

void barrier() { detail::check(MPI_Barrier(detail::communicator("barrier")), "barrier", "MPI_Barrier"); }

void abort(int exit_code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) std::exit(exit_code);  // no MPI job to end: just this process
  MPI_Abort(state.alive ? state.comm : MPI_COMM_WORLD, exit_code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest if it ever did
}

}  // namespace xgrad::distributed
