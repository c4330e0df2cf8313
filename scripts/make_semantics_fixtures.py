#!/usr/bin/python3
"""Regenerates tests/fixtures/semantics.json: torch 1.13's values, dtypes and gradients at the edges
listed in issue 15 (constant slices, all-ignored targets, NaN, exponent 0, dtype promotion, second
derivatives of piecewise-linear ops, large logits, infinite and empty slices, ties). The C++ test
(tests/test_semantics.cpp) reads the inputs from the same file, runs xgrad and compares.

Non-finite numbers are written as the strings "nan", "inf" and "-inf" (JSON has no literal for them).

Run from anywhere with Debian's torch:  /usr/bin/python3 scripts/make_semantics_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

DT = torch.float64
NAMES = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}


def num(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def enc(t):
    """A tensor as {dtype, shape, values}; float64 values keep all their digits (repr round-trips)."""
    t = t.detach()
    if t._is_zerotensor():  # torch's lazily allocated zeros (abs's double backward)
        t = torch.zeros(t.shape, dtype=t.dtype)
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "values": [num(v) for v in t.reshape(-1).tolist()]}


def leaf(values, shape=None, dtype=DT):
    t = torch.tensor(values, dtype=dtype)
    return t.reshape(shape) if shape is not None else t


def grads(out, inputs, create_graph=False):
    return torch.autograd.grad(out, inputs, create_graph=create_graph, allow_unused=True)


cases = {}

# Row 1: std over a constant slice has gradient 0 (torch's std); var().sqrt() keeps sqrt's NaN.
x = leaf([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]).requires_grad_()
s = x.std(1)
(dx,) = grads(s.sum(), [x])
normalized = (x - x.mean(1, keepdim=True)) / (x.std(1, keepdim=True) + 1e-5)
(dn,) = grads((normalized * leaf([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).sum(), [x])
(dv,) = grads(x.var(1).sqrt().sum(), [x])
cases["std_constant_row"] = {"x": enc(x), "std": enc(s), "dstd": enc(dx), "dnormalized": enc(dn), "dvar_sqrt": enc(dv)}

# Row 2: mean cross_entropy / nll_loss whose targets are all ignore_index: loss NaN, gradient 0.
logits = leaf([[0.5, -1.0, 2.0, 0.0], [1.5, 0.25, -0.75, 3.0], [0.0, 0.0, 0.0, 0.0]]).requires_grad_()
target = torch.tensor([-100, -100, -100])
ce = F.cross_entropy(logits, target)
(dce,) = grads(ce, [logits])
nll = F.nll_loss(logits, target)
(dnll,) = grads(nll, [logits])
cases["ignored_targets"] = {"logits": enc(logits), "target": enc(target), "cross_entropy": enc(ce),
                            "dcross_entropy": enc(dce), "nll_loss": enc(nll), "dnll_loss": enc(dnll)}

# Row 3: NaN through relu, leaky_relu, clamp, maximum/minimum, max/min (values and gradients).
x = leaf([math.nan, 1.0, -1.0, 0.0]).requires_grad_()
z = torch.zeros(4, dtype=DT).requires_grad_()
row = {"x": enc(x)}
for name, fn in [("relu", torch.relu), ("leaky_relu", lambda v: F.leaky_relu(v, 0.1)),
                 ("clamp", lambda v: torch.clamp(v, 0.0, 0.5)), ("abs", torch.abs),
                 ("max", torch.max), ("min", torch.min), ("max_dim", lambda v: torch.max(v, 0)[0])]:
    y = fn(x)
    (d,) = grads(y.sum(), [x])
    row[name] = enc(y)
    row["d" + name] = enc(d)
for name, fn in [("maximum", torch.maximum), ("minimum", torch.minimum)]:
    y = fn(x, z)
    da, db = grads(y.sum(), [x, z])
    row[name] = enc(y)
    row["d" + name + "_a"] = enc(da)
    row["d" + name + "_b"] = enc(db)
v = leaf([-1.0, 2.0, 0.0]).requires_grad_()
(d,) = torch.autograd.grad(torch.relu(v), [v], leaf([math.nan, math.nan, math.inf]))
row["relu_upstream_x"] = enc(v)
row["drelu_nan_upstream"] = enc(d)  # relu selects: a cut unit passes 0 even for a NaN/inf gradient
cases["nan"] = row

# Row 4: pow with a tensor exponent: the base gradient is 0 where the exponent is 0 (also at base 0).
base = leaf([0.0, 2.0, -1.0, 0.5, 0.0]).requires_grad_()
expo = leaf([0.0, 0.0, 2.0, 1.5, 2.0]).requires_grad_()
y = torch.pow(base, expo)
db, de = grads(y.sum(), [base, expo])
cases["pow_tensor_exponent"] = {"base": enc(base), "exponent": enc(expo), "y": enc(y), "dbase": enc(db),
                                "dexponent": enc(de)}

# Row 5: result_type. Each entry is the result of one expression (written the same way in the test).
f32 = torch.tensor([1.5, -2.0])
f64_0d = torch.tensor(2.0, dtype=DT)
i64 = torch.tensor([3, -4])
b = torch.tensor([True, False])
cases["promotion"] = {
    "f32_mul_f64_0d": enc(f32 * f64_0d),
    "f32_0d_mul_f64": enc(torch.tensor(2.0) * torch.tensor([1.5, -2.0], dtype=DT)),
    "i64_mul_f64_0d": enc(i64 * f64_0d),
    "i64_add_double": enc(i64 + 2.0),
    "i64_add_int": enc(i64 + 2),
    "i64_mul_int": enc(i64 * 3),
    "bool_add_double": enc(b + 2.0),
    "bool_add_int": enc(b + 2),
    "bool_add_bool": enc(b + torch.tensor([True, True])),
    "bool_mul_bool": enc(b * torch.tensor([True, True])),
    "i64_abs": enc(i64.abs()),
    "i64_relu": enc(torch.relu(i64)),
    "i64_neg": enc(-i64),
    "i64_pow_int": enc(i64.pow(3)),
    "i64_pow_zero": enc(i64.pow(0)),
    "bool_pow_int": enc(b.pow(2)),
    "i64_pow_double": enc(i64.pow(2.0)),
    "i64_eq_f64_0d": enc(i64 == torch.tensor(3.0, dtype=DT)),
    "i64_matmul_2d": enc(torch.tensor([[1, 2], [3, 4]]) @ torch.tensor([[5, -6], [7, 8]])),
    "i64_matmul_1d": enc(torch.tensor([1, 2, 3]) @ torch.tensor([4, 5, 6])),
    "i64_matmul_batched": enc(torch.arange(12).reshape(2, 2, 3) @ torch.arange(6).reshape(3, 2)),
}

# Row 6: first derivatives of relu, leaky_relu and abs are differentiable (second derivatives exist).
w = leaf([1.5, -2.0, 0.5]).requires_grad_()
row = {"w": enc(w)}
for name, fn in [("relu", torch.relu), ("leaky_relu", lambda v: F.leaky_relu(v, 0.1)), ("abs", torch.abs)]:
    (g,) = grads(fn(w).sum(), [w], create_graph=True)
    (gg,) = grads(g.sum(), [w])  # zeros: the slope is piecewise constant
    (h,) = grads((fn(w) * w).sum(), [w], create_graph=True)
    (hh,) = grads(h.sum(), [w])
    row[name + "_dd"] = enc(gg)
    row[name + "_times_w_dd"] = enc(hh)
cases["second_derivatives"] = row

# Row 7: expand with -1, linspace with one step.
cases["shapes"] = {"expand_minus_one": enc(torch.tensor([[1.0], [2.0]], dtype=DT).expand(-1, 3)),
                   "linspace_one_step": enc(torch.linspace(0, 1, 1, dtype=DT))}

# Row 8: log_softmax keeps large logits' digits; logsumexp with +inf and over an empty dim; amax and
# max(dim) with ties; kl_div with a negative target; var/std of an empty tensor.
huge = leaf([1e300, 1e300, 0.0])
confident = torch.tensor([[20.0, 0.0, -5.0, 3.0], [100.0, 99.0, -100.0, 0.5]])  # float32
inf_row = leaf([math.inf, 1.0]).requires_grad_()
lse = torch.logsumexp(inf_row, 0)
(dlse,) = grads(lse, [inf_row])
ties = leaf([1.0, 3.0, 3.0]).requires_grad_()
(damax,) = grads(torch.amax(ties, 0), [ties])
vmax, imax = torch.max(ties, 0)
(dmax,) = grads(vmax, [ties])
kl_in = leaf([-1.0, -2.0, -0.5])
kl_t = leaf([-0.5, 0.5, 0.0])
cases["softmax_reduce"] = {
    "huge": enc(huge), "log_softmax_huge": enc(torch.log_softmax(huge, 0)),
    "confident": enc(confident), "log_softmax_confident": enc(torch.log_softmax(confident, 1)),
    "inf_row": enc(inf_row), "logsumexp_inf": enc(lse), "dlogsumexp_inf": enc(dlse),
    "logsumexp_empty": enc(torch.logsumexp(torch.zeros(2, 0, dtype=DT), 1)),
    "ties": enc(ties), "damax": enc(damax), "max_index": enc(imax), "dmax_dim": enc(dmax),
    "kl_input": enc(kl_in), "kl_target": enc(kl_t), "kl_none": enc(F.kl_div(kl_in, kl_t, reduction="none")),
    "var_empty": enc(torch.zeros(0, dtype=DT).var()), "std_empty": enc(torch.zeros(0, dtype=DT).std()),
    "var_empty_dim": enc(torch.zeros(2, 0, dtype=DT).var(1)),
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "semantics.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
