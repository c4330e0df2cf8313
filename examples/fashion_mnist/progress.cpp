#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace fashion {

Progress::Progress() : terminal_(isatty(STDOUT_FILENO) != 0) {}

void Progress::batch(std::int64_t epoch, std::int64_t done, std::int64_t total, double running_loss,
                     double samples_per_second) {
  if (!terminal_ || (done % 10 != 0 && done != total)) return;  // redraw every 10 batches
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total);
  fmt::print("\repoch {:>3} [{}{}] {:>4}/{} | {:>8.0f} samples/s | loss {:.4f}", epoch, std::string(filled, '='),
             std::string(kWidth - filled, ' '), done, total, samples_per_second, running_loss);
  std::fflush(stdout);
}

void Progress::epoch(const EpochRecord& r) {
  if (terminal_) fmt::print("\r{}\r", std::string(100, ' '));
  fmt::print("epoch {:>3} | train loss {:.4f} | val loss {:.4f} | val acc {:.4f} | test acc {:.4f} | {:.1f} s, "
             "{:.0f} samples/s | lr {:.3g}\n",
             r.epoch, r.train_loss, r.val_loss, r.val_accuracy, r.test_accuracy, r.seconds, r.samples_per_second, r.lr);
  std::fflush(stdout);
}

}  // namespace fashion
