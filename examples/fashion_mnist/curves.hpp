// The run's numbers as a CSV (always) and as a PNG of loss and accuracy curves (when gnuplot is there).
#pragma once
#include <string>
#include <vector>

#include "trainer.hpp"

namespace fashion {

void write_curves_csv(const std::vector<EpochRecord>& epochs, const std::string& path);
// Returns false (and writes nothing) when gnuplot is not installed.
bool plot_curves(const std::string& csv_path, const std::string& png_path);

}  // namespace fashion
