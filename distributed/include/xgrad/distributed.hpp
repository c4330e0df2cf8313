// xgrad::distributed — data-parallel training over MPI: link xgrad::distributed, run under mpirun.
// Only xgrad types appear here; MPI's headers stay inside the library.
#pragma once
#include "xgrad/distributed/collectives.hpp"
#include "xgrad/distributed/environment.hpp"
#include "xgrad/distributed/gradient_reducer.hpp"
#include "xgrad/distributed/sampler.hpp"
