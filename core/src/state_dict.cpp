#include "xgrad/state_dict.hpp"

#include <algorithm>

#include "xgrad/error.hpp"

namespace xgrad {

void StateDict::insert(const std::string& name, const Tensor& t) {
  for (Entry& e : entries_)
    if (e.first == name) {
      e.second = t;
      return;
    }
  entries_.emplace_back(name, t);
}

bool StateDict::contains(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.first == name; });
}

const Tensor& StateDict::at(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.first == name) return e.second;
  throw Error("state_dict: no entry named '" + name + "'");
}

bool StateDict::erase(const std::string& name) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.first == name; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> names;
  for (const Entry& e : entries_) names.push_back(e.first);
  return names;
}

}  // namespace xgrad
