// libtorch programs built through <xgrad/torch.hpp>: each program of torch_compat/programs.hpp prints
// the lines libtorch 1.13 printed for it (tests/fixtures/torch_compat.txt, from
// scripts/make_torch_compat_fixtures.sh, which builds the same source against <torch/torch.h>).
#include <doctest/doctest.h>

#include <xgrad/torch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "torch_compat/programs.hpp"

namespace {

// Section name ("== name") -> its lines.
std::map<std::string, std::vector<std::string>> read_fixture() {
  std::ifstream in(std::string(XGRAD_SOURCE_DIR) + "/tests/fixtures/torch_compat.txt");
  REQUIRE(in.good());
  std::map<std::string, std::vector<std::string>> sections;
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.rfind("== ", 0) == 0)
      current = line.substr(3);
    else
      sections[current].push_back(line);
  }
  return sections;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("libtorch programs print what libtorch 1.13 printed") {
  const auto expected = read_fixture();
  const auto dir = std::filesystem::temp_directory_path() / "xgrad_torch_compat";
  std::filesystem::create_directories(dir);
  const auto programs = torch_compat::programs();
  CHECK(expected.size() == programs.size());
  for (const auto& [name, run] : programs) {
    SUBCASE(name.c_str()) {
      REQUIRE(expected.count(name) == 1);
      std::ostringstream out;
      run(out, dir.string());
      const auto got = lines_of(out.str());
      const auto& want = expected.at(name);
      CHECK(got.size() == want.size());
      for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
        CAPTURE(i);
        CHECK(got[i] == want[i]);
      }
    }
  }
  std::filesystem::remove_all(dir);
}
