// torch.autograd.functional on top of autograd::grad. Each entry point: enable grad, make fresh
// differentiable copies of the inputs, run f once, then ask the engine for vector-Jacobian products.
// The single-tensor forms wrap f and call the vector forms, so the rules live in one place.
#include "xgrad/functional.hpp"

#include <fmt/format.h>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::autograd::functional {

namespace {

using Tensors = std::vector<Tensor>;

// Inputs f is run on. Under create_graph an input that already requires grad is aliased by a
// differentiable view, so the results stay connected to the caller's graph; otherwise a detached
// leaf keeps the caller's graph out of it.
Tensors prepare(const char* op, const Tensors& x, bool create_graph) {
  Tensors out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!x[i].defined()) throw Error(fmt::format("{}: input {} is undefined", op, i));
    if (!x[i].is_floating_point())
      throw Error(fmt::format("{}: input {} has dtype {}; only floating-point inputs can be differentiated", op, i,
                              dtype_name(x[i].dtype())));
    out.push_back(create_graph && x[i].requires_grad() ? view(x[i], x[i].shape())
                                                        : x[i].detach().requires_grad_());
  }
  return out;
}

Tensor run(const char* op, const FunctionN& f, const Tensors& inputs) {
  Tensor out = f(inputs);
  if (!out.defined()) throw Error(fmt::format("{}: the function returned an undefined tensor", op));
  if (!out.is_floating_point())
    throw Error(fmt::format("{}: the function returned dtype {}; a floating-point output is needed", op,
                            dtype_name(out.dtype())));
  return out;
}

void require_scalar(const char* op, const Tensor& out) {
  if (out.numel() != 1)
    throw Error(fmt::format("{}: the function must return a single element, got shape {}", op,
                            shape_str(out.shape())));
}

// The vector a product is taken with: given (shape-checked) or implied (ones) for one element.
Tensor direction(const char* op, const char* name, const Tensor& v, const Tensor& like) {
  if (!v.defined()) {
    if (like.numel() != 1)
      throw Error(fmt::format("{}: {} must be given when its tensor has shape {} (more than one element)", op, name,
                              shape_str(like.shape())));
    return ones_like(like);
  }
  if (v.shape() != like.shape())
    throw Error(fmt::format("{}: {} has shape {} but must have shape {}", op, name, shape_str(v.shape()),
                            shape_str(like.shape())));
  return v.to(like.dtype());
}
Tensors directions(const char* op, const char* name, const Tensors& v, const Tensors& like) {
  if (!v.empty() && v.size() != like.size())
    throw Error(fmt::format("{}: got {} tensors in {} for {} inputs", op, v.size(), name, like.size()));
  Tensors out;
  for (std::size_t i = 0; i < like.size(); ++i) out.push_back(direction(op, name, v.empty() ? Tensor() : v[i], like[i]));
  return out;
}

// grad(outputs, inputs, grad_outputs) keeping the graph for further calls; undefined entries for
// inputs the outputs do not depend on. Outputs that do not require grad are skipped.
Tensors vjp_raw(const Tensors& outputs, const Tensors& inputs, const Tensors& grad_outputs, bool create_graph) {
  Tensors outs, gouts;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].defined() && outputs[i].requires_grad()) {
      outs.push_back(outputs[i]);
      gouts.push_back(grad_outputs[i]);
    }
  if (outs.empty()) return Tensors(inputs.size());
  return grad(outs, inputs, gouts, /*retain_graph=*/true, create_graph, /*allow_unused=*/true);
}

// A result for input i: the gradient found, or zeros (strict: an error) when there was none.
Tensor result_or_zeros(const char* op, const Tensor& g, const Tensor& like, bool strict, const std::string& what) {
  if (g.defined()) return g;
  if (strict) throw Error(fmt::format("{}: {} (strict=true does not allow this)", op, what));
  return zeros_like(like);
}

Tensor finish(const Tensor& t, bool create_graph) { return create_graph ? t : t.detach(); }
Tensors finish(Tensors ts, bool create_graph) {
  for (auto& t : ts) t = finish(t, create_graph);
  return ts;
}

// One-hot cotangent selecting element k of a tensor shaped like `like`.
Tensor one_hot(const Tensor& like, std::int64_t k) {
  std::vector<double> values(static_cast<std::size_t>(like.numel()), 0.0);
  values[static_cast<std::size_t>(k)] = 1.0;
  return tensor(values, like.shape(), like.dtype());
}

Shape concat(const Shape& a, const Shape& b) {
  Shape s = a;
  s.insert(s.end(), b.begin(), b.end());
  return s;
}

// d outputs / d inputs, one vjp per element of `out`: result[j] has shape out.shape + inputs[j].shape.
// `row_of` names the output in strict errors.
Tensors jacobian_of(const char* op, const Tensor& out, const Tensors& inputs, bool create_graph, bool strict,
                    const std::string& row_of) {
  std::vector<Tensors> rows(inputs.size());
  for (std::int64_t k = 0; k < out.numel(); ++k) {
    const Tensors g = vjp_raw({out}, inputs, {one_hot(out, k)}, create_graph);
    for (std::size_t j = 0; j < inputs.size(); ++j)
      rows[j].push_back(result_or_zeros(op, g[j], inputs[j], strict,
                                        fmt::format("{} is independent of input {}", row_of, j)));
  }
  Tensors result;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    const Shape shape = concat(out.shape(), inputs[j].shape());
    result.push_back(rows[j].empty() ? zeros(shape, inputs[j].dtype()) : reshape(stack(rows[j], 0), shape));
  }
  return result;
}

// First derivatives of a scalar f, kept differentiable for the second-order forms.
Tensors gradient(const char* op, const Tensor& out, const Tensors& inputs, bool strict) {
  require_scalar(op, out);
  const Tensors g = vjp_raw({out}, inputs, {ones_like(out)}, /*create_graph=*/true);
  Tensors result;
  for (std::size_t j = 0; j < inputs.size(); ++j)
    result.push_back(result_or_zeros(op, g[j], inputs[j], strict,
                                     fmt::format("the output of the function is independent of input {}", j)));
  return result;
}

// J·u for y = outputs(inputs) by the double-vjp trick: g(w) = wᵀJ is linear in the cotangent w,
// so d(g(w)·u)/dw = J·u. `ys` are the outputs (here one per block), u one per input.
Tensors jvp_raw(const char* op, const Tensors& ys, const Tensors& inputs, const Tensors& u, bool create_graph,
                bool strict) {
  Tensors w;
  for (const auto& y : ys) w.push_back(zeros_like(y).requires_grad_());
  const Tensors g = vjp_raw(ys, inputs, w, /*create_graph=*/true);
  Tensors gs, us;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    if (g[j].defined() && g[j].requires_grad()) {
      gs.push_back(g[j]);
      us.push_back(u[j]);
    } else if (strict) {
      throw Error(fmt::format("{}: the output of the function is independent of input {} (strict=true does not allow "
                              "this)", op, j));
    }
  }
  Tensors result = gs.empty() ? Tensors(w.size()) : grad(gs, w, us, /*retain_graph=*/true, create_graph, true);
  for (std::size_t i = 0; i < ys.size(); ++i)
    result[i] = result_or_zeros(op, result[i], ys[i], strict,
                                "the vector-Jacobian product is independent of its cotangent");
  return result;
}

FunctionN lift(const Function& f) {
  return [f](const Tensors& x) { return f(x[0]); };
}

}  // namespace

std::tuple<Tensor, std::vector<Tensor>> vjp(const FunctionN& f, const std::vector<Tensor>& x, const Tensor& v,
                                            bool create_graph, bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("vjp", x, create_graph);
  const Tensor out = run("vjp", f, inputs);
  const Tensors g = vjp_raw({out}, inputs, {direction("vjp", "v", v, out)}, create_graph);
  Tensors result;
  for (std::size_t j = 0; j < inputs.size(); ++j)
    result.push_back(result_or_zeros("vjp", g[j], inputs[j], strict,
                                     fmt::format("the output of the function is independent of input {}", j)));
  return {finish(out, create_graph), finish(result, create_graph)};
}

std::tuple<Tensor, Tensor> jvp(const FunctionN& f, const std::vector<Tensor>& x, const std::vector<Tensor>& u,
                               bool create_graph, bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("jvp", x, create_graph);
  const Tensors us = directions("jvp", "u", u, inputs);
  const Tensor out = run("jvp", f, inputs);
  const Tensor ju = jvp_raw("jvp", {out}, inputs, us, create_graph, strict)[0];
  return {finish(out, create_graph), finish(ju, create_graph)};
}

std::vector<Tensor> jacobian(const FunctionN& f, const std::vector<Tensor>& x, bool create_graph, bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("jacobian", x, create_graph);
  const Tensor out = run("jacobian", f, inputs);
  return finish(jacobian_of("jacobian", out, inputs, create_graph, strict, "the output of the function"), create_graph);
}

std::vector<std::vector<Tensor>> hessian(const FunctionN& f, const std::vector<Tensor>& x, bool create_graph,
                                         bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("hessian", x, create_graph);
  const Tensor out = run("hessian", f, inputs);
  const Tensors g = gradient("hessian", out, inputs, strict);
  std::vector<Tensors> blocks;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    blocks.push_back(finish(jacobian_of("hessian", g[i], inputs, create_graph, strict,
                                        fmt::format("the gradient for input {}", i)),
                            create_graph));
  return blocks;
}

std::tuple<Tensor, std::vector<Tensor>> hvp(const FunctionN& f, const std::vector<Tensor>& x,
                                            const std::vector<Tensor>& v, bool create_graph, bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("hvp", x, create_graph);
  const Tensors vs = directions("hvp", "v", v, inputs);
  const Tensor out = run("hvp", f, inputs);
  // H·v is the forward-mode product of the gradient function, by the same double-vjp trick as jvp.
  const Tensors g = gradient("hvp", out, inputs, strict);
  return {finish(out, create_graph), finish(jvp_raw("hvp", g, inputs, vs, create_graph, strict), create_graph)};
}

std::tuple<Tensor, std::vector<Tensor>> vhp(const FunctionN& f, const std::vector<Tensor>& x,
                                            const std::vector<Tensor>& v, bool create_graph, bool strict) {
  EnableGradGuard enable;
  const Tensors inputs = prepare("vhp", x, create_graph);
  const Tensors vs = directions("vhp", "v", v, inputs);
  const Tensor out = run("vhp", f, inputs);
  // vᵀ·H is a plain vjp of the gradient function.
  const Tensors g = gradient("vhp", out, inputs, strict);
  const Tensors h = vjp_raw(g, inputs, vs, create_graph);
  Tensors result;
  for (std::size_t j = 0; j < inputs.size(); ++j)
    result.push_back(result_or_zeros("vhp", h[j], inputs[j], strict,
                                     fmt::format("the gradient of the function is independent of input {}", j)));
  return {finish(out, create_graph), finish(result, create_graph)};
}

// Single-tensor forms: the vector forms with one input.

std::tuple<Tensor, Tensor> vjp(const Function& f, const Tensor& x, const Tensor& v, bool create_graph, bool strict) {
  auto [out, g] = vjp(lift(f), Tensors{x}, v, create_graph, strict);
  return {out, g[0]};
}
std::tuple<Tensor, Tensor> jvp(const Function& f, const Tensor& x, const Tensor& u, bool create_graph, bool strict) {
  return jvp(lift(f), Tensors{x}, u.defined() ? Tensors{u} : Tensors{}, create_graph, strict);
}
Tensor jacobian(const Function& f, const Tensor& x, bool create_graph, bool strict) {
  return jacobian(lift(f), Tensors{x}, create_graph, strict)[0];
}
Tensor hessian(const Function& f, const Tensor& x, bool create_graph, bool strict) {
  return hessian(lift(f), Tensors{x}, create_graph, strict)[0][0];
}
std::tuple<Tensor, Tensor> hvp(const Function& f, const Tensor& x, const Tensor& v, bool create_graph, bool strict) {
  auto [out, h] = hvp(lift(f), Tensors{x}, v.defined() ? Tensors{v} : Tensors{}, create_graph, strict);
  return {out, h[0]};
}
std::tuple<Tensor, Tensor> vhp(const Function& f, const Tensor& x, const Tensor& v, bool create_graph, bool strict) {
  auto [out, h] = vhp(lift(f), Tensors{x}, v.defined() ? Tensors{v} : Tensors{}, create_graph, strict);
  return {out, h[0]};
}

}  // namespace xgrad::autograd::functional
