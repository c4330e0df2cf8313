// Reading and writing the entries of a scheduler's state_dict, with errors naming the scheduler
// and the key (internal to xgrad::optim).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/state_dict.hpp"

namespace xgrad::optim::scheduler_state {

void put_int(StateDict& state, const std::string& key, std::int64_t value);
void put_double(StateDict& state, const std::string& key, double value);
void put_doubles(StateDict& state, const std::string& key, const std::vector<double>& values);

std::int64_t get_int(const StateDict& state, const std::string& key, const char* who);
double get_double(const StateDict& state, const std::string& key, const char* who);
// One value per param group: throws unless the vector holds exactly `groups` values.
std::vector<double> get_doubles(const StateDict& state, const std::string& key, const char* who, std::size_t groups);

// The entries with `prefix` added to each key, and the entries under `prefix` with it removed.
StateDict with_prefix(const StateDict& state, const std::string& prefix);
StateDict under_prefix(const StateDict& state, const std::string& prefix);

}  // namespace xgrad::optim::scheduler_state
