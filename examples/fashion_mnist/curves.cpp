#include "curves.hpp"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace fashion {

void write_curves_csv(const std::vector<EpochRecord>& epochs, const std::string& path) {
  std::ofstream out(path);
  out << "epoch,train_loss,val_loss,val_accuracy,test_accuracy,seconds,samples_per_second,lr\n";
  for (const auto& r : epochs)
    out << fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.3f},{:.1f},{:.6g}\n", r.epoch, r.train_loss, r.val_loss,
                       r.val_accuracy, r.test_accuracy, r.seconds, r.samples_per_second, r.lr);
}

bool plot_curves(const std::string& csv_path, const std::string& png_path) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) return false;
  const std::string script = fmt::format(
      "set terminal pngcairo noenhanced size 1000,420; set output '{}'; set datafile separator ','; set key autotitle columnhead;"
      "set multiplot layout 1,2 title 'Fashion-MNIST MLP (xgrad)'; set grid; set xlabel 'epoch';"
      "set title 'loss'; plot '{}' using 1:2 with linespoints lw 2, '' using 1:3 with linespoints lw 2;"
      "set title 'accuracy'; set key bottom right; plot '{}' using 1:4 with linespoints lw 2, '' using 1:5 with "
      "linespoints lw 2; unset multiplot",
      png_path, csv_path, csv_path);
  return std::system(fmt::format("gnuplot -e \"{}\"", script).c_str()) == 0;
}

}  // namespace fashion
