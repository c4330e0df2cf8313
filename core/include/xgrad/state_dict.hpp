// An ordered name -> tensor map: what modules and optimizers save and load (torch's state_dict).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

class StateDict {
 public:
  using Entry = std::pair<std::string, Tensor>;

  // Adds or replaces an entry; insertion order is kept (it is the order tensors are saved in).
  void insert(const std::string& name, const Tensor& t);
  bool contains(const std::string& name) const;
  // The tensor stored under `name`; throws xgrad::Error naming the key when it is missing.
  const Tensor& at(const std::string& name) const;
  bool erase(const std::string& name);
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<std::string> keys() const;

  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace xgrad
