// Command line of the MLP benchmarks (both sides parse it the same way) and the RSS probe.
#pragma once
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

struct MlpArgs {
  int threads = 1;
  std::vector<long> sizes;  // layer widths, input first, classes last
  long batch = 128;
  int steps = 20;           // steps per timing repeat
  int rss_steps = 0;        // with --rss N: N more steps, RSS reported after 100 and after N
};

// bench_mlp <threads> <batch> <width> <width> ... [--keep-memory] [--rss N]
inline MlpArgs parse_mlp_args(int argc, char** argv) {
  MlpArgs args;
  std::vector<long> numbers;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rss") == 0 && i + 1 < argc) {
      args.rss_steps = std::atoi(argv[++i]);
    } else if (std::strncmp(argv[i], "--", 2) != 0) {
      numbers.push_back(std::atol(argv[i]));
    }
  }
  if (numbers.size() < 4) {
    std::fprintf(stderr, "usage: %s <threads> <batch> <in> <hidden...> <classes> [--keep-memory]\n", argv[0]);
    std::exit(2);
  }
  args.threads = static_cast<int>(numbers[0]);
  args.batch = numbers[1];
  args.sizes.assign(numbers.begin() + 2, numbers.end());
  return args;
}

// Resident set size now, in MiB (from /proc/self/statm).
inline double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * 4096.0 / (1 << 20);
}

// Runs `steps` more steps and prints RSS after the first 100 and at the end, and the peak.
template <class Step>
void print_rss(Step&& step, int steps) {
  if (steps <= 0) return;
  double after_100 = 0;
  for (int i = 0; i < steps; ++i) {
    step();
    if (i == 99) after_100 = rss_mib();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("rss_after_100_steps_MiB %.1f\n", after_100);
  std::printf("rss_after_all_steps_MiB %.1f\n", rss_mib());
  std::printf("peak_rss_MiB %.1f\n", usage.ru_maxrss / 1024.0);
}

}  // namespace bench
