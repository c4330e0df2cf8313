// No data lost: a process saving a checkpoint is SIGKILLed at random moments, 200 times. After each
// kill the checkpoint must load and be exactly the previous or the new state, never a mix or a
// partial file (nn::save writes a temporary, fsyncs it and renames it over the destination).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <thread>

#include <xgrad/xgrad.hpp>

#include "data_test_files.hpp"

namespace fs = std::filesystem;

namespace {

// Model and optimizer tensors as a trainer saves them; every value of version k is k.
xg::StateDict checkpoint_state(std::int64_t version) {
  xg::StateDict s;
  const double v = static_cast<double>(version);
  s.insert("model.0.weight", xg::full({512, 512}, v));  // 1 MiB: the save takes a while
  s.insert("model.0.bias", xg::full({512}, v));
  s.insert("optimizer.state.0.exp_avg", xg::full({512, 512}, v));
  s.insert("optimizer.step", xg::tensor(std::vector<std::int64_t>{version}, {1}));
  return s;
}

// The version a checkpoint holds, after checking every tensor is entirely of that version.
std::int64_t version_of(const xg::StateDict& loaded) {
  const std::int64_t version = loaded.at("optimizer.step").item<std::int64_t>();
  const xg::StateDict expected = checkpoint_state(version);
  REQUIRE(loaded.keys() == expected.keys());
  for (const auto& [name, tensor] : expected) {
    const auto got = loaded.at(name);
    REQUIRE(got.shape() == tensor.shape());
    REQUIRE(xg::equal(got, tensor));
  }
  return version;
}

// Forks a child that saves `state` to `path`.
pid_t save_in_child(const xg::StateDict& state, const std::string& path) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      xg::nn::save(state, path);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  return child;
}

void wait_for_success(pid_t child) {
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

// Saves in a child and SIGKILLs it after `delay`. Returns whether the kill landed (the child was
// still running).
bool save_in_child_and_kill(const xg::StateDict& state, const std::string& path, std::chrono::microseconds delay) {
  const pid_t child = save_in_child(state, path);
  std::this_thread::sleep_for(delay);
  ::kill(child, SIGKILL);  // harmless if it has exited: it stays a zombie until waited for
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (WIFEXITED(status)) REQUIRE(WEXITSTATUS(status) == 0);
  return WIFSIGNALED(status);
}

}  // namespace

TEST_CASE("a checkpoint save killed at 200 random moments leaves the old or the new file, never a partial one") {
  const data_test::TempDir dir;
  const std::string path = (dir / "checkpoint.safetensors").string();
  xg::nn::save(checkpoint_state(0), path);

  // How long a forked save takes here, so the kills spread over the whole save and past its end.
  const auto start = std::chrono::steady_clock::now();
  constexpr int kTimed = 3;
  for (int i = 0; i < kTimed; ++i) wait_for_success(save_in_child(checkpoint_state(0), path));
  const auto save_time =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start) / kTimed;
  REQUIRE(version_of(xg::nn::load(path)) == 0);

  std::mt19937 rng(20261123);
  std::uniform_int_distribution<std::int64_t> delay_us(0, 2 * save_time.count());
  constexpr int kKills = 200;
  int kept_old = 0, got_new = 0, killed_while_running = 0, leftover_temporaries = 0;
  std::int64_t current = 0;
  for (int i = 0; i < kKills; ++i) {
    const bool killed =
        save_in_child_and_kill(checkpoint_state(current + 1), path, std::chrono::microseconds(delay_us(rng)));
    killed_while_running += killed;
    const std::int64_t found = version_of(xg::nn::load(path));  // loads completely, one version throughout
    CHECK((found == current || found == current + 1));
    if (found == current) {
      ++kept_old;
      CHECK(killed);  // an unfinished save only when the child died
    } else {
      ++got_new;
    }
    current = found;
    // A killed save can leave its temporary behind (never the checkpoint itself); count and remove.
    for (const auto& entry : fs::directory_iterator(dir.path()))
      if (entry.path().filename() != "checkpoint.safetensors") {
        ++leftover_temporaries;
        fs::remove(entry.path());
      }
  }
  MESSAGE(kKills << " kills (save takes ~" << save_time.count() << " us forked): " << killed_while_running
                 << " landed while the child ran, " << kept_old << " left the previous checkpoint, " << got_new
                 << " the new one; " << leftover_temporaries << " temporaries left behind");
  CHECK(kept_old + got_new == kKills);
  CHECK(kept_old > 0);  // the kills did interrupt saves ...
  CHECK(got_new > 0);   // ... and saves did complete between them
}
