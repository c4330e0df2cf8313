"""Writes tests/fixtures/views.json: torch 1.13's values and gradients for writes through views and
in-place ops under autograd (tests/test_views.cpp runs the same cases by name).

Inputs are made from arange so both sides build them without a random generator."""
import json
import os

import torch

torch.set_default_dtype(torch.float64)


def t(x):
    x = x.detach()
    return {"shape": list(x.shape), "values": x.reshape(-1).tolist()}


def grid(*shape, start=0.0):
    n = 1
    for s in shape:
        n *= s
    return torch.arange(start, start + n).reshape(shape) / 4 - 1


cases = {}

# Writes through views reach the base.
w = grid(3, 4); w.narrow(0, 0, 2).fill_(0); cases["narrow_fill"] = {"base": t(w)}
x = grid(3, 4); x.t().mul_(2); cases["t_mul"] = {"base": t(x)}
x = grid(3, 4); x.select(1, 0).copy_(grid(3, start=20)); cases["select_copy"] = {"base": t(x)}
x = grid(3, 5); x[:, ::2].add_(1); cases["slice_step_add"] = {"base": t(x)}
x = grid(2, 3, 4); x.permute(2, 0, 1)[1].sub_(grid(2, 3, start=7)); cases["permute_select_sub"] = {"base": t(x)}
x = grid(4, 3); x[1:3].unsqueeze(0).squeeze(0).view(6).div_(2); cases["view_chain_div"] = {"base": t(x)}
x = grid(7); cases["unfold_values"] = {"view": t(x.unfold(0, 3, 2))}
x = grid(6, 4); cases["as_strided_values"] = {"view": t(x.as_strided((3, 2), (5, 2), 1))}

# In-place ops under autograd.
def grads(fn, *inputs):
    leaves = [i.clone().requires_grad_() for i in inputs]
    out = fn(*leaves)
    out.backward()
    return {"out": t(out), "grads": [t(l.grad) if l.grad is not None else None for l in leaves]}

W34 = grid(3, 4, start=5) * 0.3
cases["relu_"] = grads(lambda x: (lambda a: (a.relu_() * W34).sum())(x * 2), grid(3, 4))
cases["sigmoid_"] = grads(lambda x: (lambda a: (a.sigmoid_() * W34).sum())(x * 1), grid(3, 4))
cases["tanh_"] = grads(lambda x: (lambda a: (a.tanh_() * W34).sum())(x + 0.5), grid(3, 4))
cases["clamp_"] = grads(lambda x: (lambda a: (a.clamp_(-0.6, 0.4) * W34).sum())(x * 1), grid(3, 4))
cases["mul_ other requires grad"] = grads(lambda x, b: (lambda a: (a.mul_(b) * W34).sum())(x * 1), grid(3, 4), grid(4, start=2))
cases["div_ other requires grad"] = grads(lambda x, b: (lambda a: (a.div_(b + 3) * W34).sum())(x * 1), grid(3, 4), grid(3, 1, start=2))
cases["add_ sub_ alpha"] = grads(lambda x, b: (lambda a: (a.add_(b, alpha=2).sub_(b * b, alpha=0.5) * W34).sum())(x * 1), grid(3, 4), grid(4))
cases["fill_ non-leaf"] = grads(lambda x: (lambda a: (a.fill_(2) * W34).sum() + (x * x).sum())(x * 1), grid(3, 4))
cases["copy_ from a leaf"] = grads(lambda x, y: (lambda a: (a.copy_(y) * W34).sum())(x * 3), grid(3, 4), grid(4, start=1))


def mul_row(x):
    a = x.clone()
    a[1].mul_(3)
    return (a * W34).sum()
cases["row view mul_"] = grads(mul_row, grid(3, 4))


def copy_into_narrow(x, y):
    a = x.clone()
    a.narrow(1, 1, 2).copy_(y * 2)
    return (a * W34).sum()
cases["narrow view copy_"] = grads(copy_into_narrow, grid(3, 4), grid(3, 2, start=3))


def transposed_add(x, y):
    a = x * 1
    a.t().add_(y)
    return (a * W34).sum()
cases["transposed view add_"] = grads(transposed_add, grid(3, 4), grid(4, 3, start=2))


def strided_relu(x):
    a = x - 0.5
    a[:, 1::2].relu_()
    return (a * a * W34).sum()
cases["strided view relu_"] = grads(strided_relu, grid(3, 4))


def zeros_base_written(y):
    buf = torch.zeros(3, 4)
    buf[:, 0].copy_(y)
    buf.select(0, 2).mul_(y[1])
    return (buf * W34).sum()
cases["no-grad base written by a view"] = grads(zeros_base_written, grid(3, start=1))

path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "views.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", path, len(cases), "cases")
