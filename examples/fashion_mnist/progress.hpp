// Progress output: a bar redrawn in place on a terminal, a plain line per epoch otherwise.
#pragma once
#include <cstdint>
#include <string>

#include "trainer.hpp"

namespace fashion {

class Progress {
 public:
  Progress();  // decides between bar and plain lines by whether stdout is a terminal
  void batch(std::int64_t epoch, std::int64_t done, std::int64_t total, double running_loss, double samples_per_second);
  void epoch(const EpochRecord& record);

 private:
  bool terminal_;
};

}  // namespace fashion
