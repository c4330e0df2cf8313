// Writes tests/fixtures/torch_compat.txt: what each program of tests/torch_compat/programs.hpp prints
// when built against libtorch 1.13. Build and run with scripts/make_torch_compat_fixtures.sh.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "programs.hpp"

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  torch::manual_seed(0);
  for (const auto& [name, run] : torch_compat::programs()) {
    std::cout << "== " << name << "\n";
    run(std::cout, dir);
  }
  return 0;
}
