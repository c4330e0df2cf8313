// libtorch's save/load forms: xg::save(x, path) and xg::load(x, path) for a tensor, a list of tensors,
// a module (its handle, shared_ptr or the module itself) or an optimizer, plus xg::str. They write
// safetensors files through nn::save (readable from Python's safetensors, unlike libtorch's TorchScript
// archives); load fills `x` in place, as torch::load does, and throws naming the file and key.
#pragma once
#include <concepts>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/serialize.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/state_dict.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// torch::str: the arguments written one after another with operator<<.
template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

namespace detail {
// The object a save/load argument stands for: a handle or pointer reaches its module.
template <class T>
decltype(auto) target_of(T& x) {
  if constexpr (requires { x.ptr(); } || requires { x.get(); })
    return *x;
  else
    return (x);
}
template <class T>
concept HasStateDict = requires(T& t, const StateDict& s) {
  t.state_dict();
  t.load_state_dict(s);
};
inline std::string tensor_key(std::size_t i) { return std::to_string(i); }
}  // namespace detail

// The key a single tensor is stored under.
inline constexpr const char* kSavedTensorKey = "tensor";

inline void save(const StateDict& state, const std::string& path) { nn::save(state, path); }
inline void save(const Tensor& t, const std::string& path) {
  StateDict state;
  state.insert(kSavedTensorKey, t);
  nn::save(state, path);
}
inline void save(const std::vector<Tensor>& tensors, const std::string& path) {
  StateDict state;
  for (std::size_t i = 0; i < tensors.size(); ++i) state.insert(detail::tensor_key(i), tensors[i]);
  nn::save(state, path);
}
template <class T>
  requires detail::HasStateDict<std::remove_reference_t<decltype(detail::target_of(std::declval<T&>()))>>
void save(const T& x, const std::string& path) {
  nn::save(detail::target_of(const_cast<T&>(x)).state_dict(), path);
}

inline void load(Tensor& t, const std::string& path) { t = nn::load(path).at(kSavedTensorKey); }
inline void load(std::vector<Tensor>& tensors, const std::string& path) {
  const StateDict state = nn::load(path);
  tensors.clear();
  for (std::size_t i = 0; i < state.size(); ++i) tensors.push_back(state.at(detail::tensor_key(i)));
}
// Copies the file's values into the module's parameters and buffers (or the optimizer's state); the
// keys must match exactly.
template <class T>
  requires detail::HasStateDict<std::remove_reference_t<decltype(detail::target_of(std::declval<T&>()))>>
void load(T& x, const std::string& path) {
  detail::target_of(x).load_state_dict(nn::load(path));
}

}  // namespace xgrad
