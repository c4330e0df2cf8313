// The distributed suite's main: one MPI job (ctest starts it with mpirun -np 2). Every rank runs every
// test case in the same order, so their collective calls pair up; checks use CHECK, not REQUIRE, so
// that a failure on one rank never makes it skip collectives the others are waiting in.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <xgrad/distributed.hpp>

int main(int argc, char** argv) {
  xgrad::distributed::Environment mpi(argc, argv);
  doctest::Context context(argc, argv);
  return context.run();  // mpirun fails when any rank does
}
