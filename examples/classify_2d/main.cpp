// Two moons, classified with a sigmoid + binary cross-entropy head and a softmax + cross-entropy head.
// With gnuplot installed, the decision boundary of the softmax network is drawn to a PNG.
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "classify.hpp"

namespace {

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

// The predicted class on a grid (as an image) under the data points.
void plot_boundary(classify_example::Run& r, const std::string& png) {
  const std::string grid_path = png + ".grid.dat", points_path = png + ".points.dat";
  const int n = 120;
  std::vector<double> grid;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) grid.insert(grid.end(), {-1.5 + 4.0 * i / (n - 1), -1.0 + 2.5 * j / (n - 1)});
  const auto g = xg::tensor(grid, {n * n, 2}, xg::kFloat64);
  const auto cls = classify_example::predict(r.softmax_net, g).to_vector();
  std::ofstream grid_out(grid_path);
  for (int k = 0; k < n * n; ++k) grid_out << fmt::format("{} {} {}\n", grid[2 * k], grid[2 * k + 1], cls[k]);
  std::ofstream points_out(points_path);
  const auto x = r.train_set.x.to_vector();
  const auto y = r.train_set.labels.to_vector();
  for (std::size_t k = 0; k < y.size(); ++k) points_out << fmt::format("{} {} {}\n", x[2 * k], x[2 * k + 1], y[k]);
  grid_out.close();
  points_out.close();
  // The script goes through a file: gnuplot's $2 and $3 must not meet a shell.
  const std::string script_path = png + ".gp";
  std::ofstream(script_path) << fmt::format(
      "set terminal pngcairo size 800,560\nset output '{}'\nunset colorbox\n"
      "set palette defined (0 '#cfe2ff', 1 '#ffd6cc')\n"
      "set title 'two moons: decision regions of the softmax network'\nset xrange [-1.5:2.5]\nset yrange [-1:1.5]\n"
      "plot '{}' using 1:2:3 with image notitle, \\\n"
      "  '{}' using 1:($3==0?$2:1/0) with points pt 7 ps 0.7 lc rgb '#1f4fbf' title 'class 0', \\\n"
      "  '' using 1:($3==1?$2:1/0) with points pt 7 ps 0.7 lc rgb '#c0392b' title 'class 1'\n",
      png, grid_path, points_path);
  if (std::system(fmt::format("gnuplot '{}'", script_path).c_str()) == 0)
    fmt::print("decision boundary written to {}\n", png);
}

}  // namespace

int main(int argc, char** argv) {
  fmt::print("classify_2d: two moons, 200 training and 200 test points, networks 2-16-16-k (tanh)\n");
  auto r = classify_example::run(0, 600, /*verbose=*/true);
  for (const auto* res : {&r.sigmoid, &r.softmax})
    fmt::print("{:>7} head: loss {:.4f} -> {:.4f}, train accuracy {:.1f}%, test accuracy {:.1f}%\n", res->head,
               res->first_loss, res->final_loss, 100 * res->train_accuracy, 100 * res->test_accuracy);
  if (have_gnuplot())
    plot_boundary(r, argc > 1 ? argv[1] : "classify_2d.png");
  else
    fmt::print("gnuplot not found: no decision-boundary plot\n");
  const bool ok = r.sigmoid.test_accuracy >= 0.95 && r.softmax.test_accuracy >= 0.95;
  fmt::print("{}\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
