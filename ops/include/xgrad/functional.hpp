// Higher-order AD as functions of functions, as torch.autograd.functional: vjp, jvp, jacobian,
// hessian, hvp, vhp. Everything is built on autograd::grad; forward-mode products come from the
// double-vjp trick (the vjp is linear in its cotangent, so differentiating it by the cotangent gives J·u).
//
// Common arguments, as torch:
//   create_graph  results keep their graph (differentiable again, connected to inputs that require
//                 grad); otherwise results are detached.
//   strict        throw when the output (or the gradient, for second order) does not depend on an
//                 input, instead of returning zeros for it.
#pragma once
#include <functional>
#include <tuple>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::autograd::functional {

using Function = std::function<Tensor(const Tensor&)>;
using FunctionN = std::function<Tensor(const std::vector<Tensor>&)>;

// (f(x), vᵀ·J). `v` has f(x)'s shape; it may be left undefined when f(x) has one element.
std::tuple<Tensor, Tensor> vjp(const Function& f, const Tensor& x, const Tensor& v = Tensor(),
                               bool create_graph = false, bool strict = false);
std::tuple<Tensor, std::vector<Tensor>> vjp(const FunctionN& f, const std::vector<Tensor>& x,
                                            const Tensor& v = Tensor(), bool create_graph = false,
                                            bool strict = false);

// (f(x), J·u). `u` has x's shape; it may be left undefined when x has one element.
std::tuple<Tensor, Tensor> jvp(const Function& f, const Tensor& x, const Tensor& u = Tensor(),
                               bool create_graph = false, bool strict = false);
std::tuple<Tensor, Tensor> jvp(const FunctionN& f, const std::vector<Tensor>& x, const std::vector<Tensor>& u = {},
                               bool create_graph = false, bool strict = false);

// d f(x) / d x with shape f(x).shape + x.shape (one row of the Jacobian per output element).
Tensor jacobian(const Function& f, const Tensor& x, bool create_graph = false, bool strict = false);
std::vector<Tensor> jacobian(const FunctionN& f, const std::vector<Tensor>& x, bool create_graph = false,
                             bool strict = false);

// The Hessian of a scalar-valued f: shape x.shape + x.shape; for several inputs, block [i][j] has
// shape x[i].shape + x[j].shape.
Tensor hessian(const Function& f, const Tensor& x, bool create_graph = false, bool strict = false);
std::vector<std::vector<Tensor>> hessian(const FunctionN& f, const std::vector<Tensor>& x,
                                         bool create_graph = false, bool strict = false);

// (f(x), H·v) and (f(x), vᵀ·H) for a scalar-valued f; `v` has x's shape.
std::tuple<Tensor, Tensor> hvp(const Function& f, const Tensor& x, const Tensor& v = Tensor(),
                               bool create_graph = false, bool strict = false);
std::tuple<Tensor, std::vector<Tensor>> hvp(const FunctionN& f, const std::vector<Tensor>& x,
                                            const std::vector<Tensor>& v = {}, bool create_graph = false,
                                            bool strict = false);
std::tuple<Tensor, Tensor> vhp(const Function& f, const Tensor& x, const Tensor& v = Tensor(),
                               bool create_graph = false, bool strict = false);
std::tuple<Tensor, std::vector<Tensor>> vhp(const FunctionN& f, const std::vector<Tensor>& x,
                                            const std::vector<Tensor>& v = {}, bool create_graph = false,
                                            bool strict = false);

}  // namespace xgrad::autograd::functional
