#!/usr/bin/python3
"""Regenerates tests/fixtures/edges.json: torch 1.13's answers on an edge table for every op family
(issue 15, item 4): values, result dtypes, gradients and second-order gradients at ±0, ±inf, NaN,
ties, empty and size-1 dims, huge values (1e300 in float64, 3e38 in float32), and dtype promotion over
every pair of float64/float32/int64/bool operands, 0-d tensors and Python scalars.

Each case is one entry of a flat list:
  {"id": "family/op/tag/operand dtypes" (the op is the second part),
   "args": {op parameters} (absent when none),
   "inputs": [tensor | {"scalar": v, "kind": "float" | "int"}] (a Python scalar operand),
   "out": [tensor, ...] or "error": "torch's message, cut",
   "diff": [indices of the inputs differentiated], "grad": [tensor per diff input],
   "grad2": [tensor per diff input] (absent for value-only and first-order-only cases),
   "torch_grad_error": "..." (torch 1.13 fails to differentiate it; gradients are not compared)}
A tensor is [dtype ("f64", "f32", "i64", "bool"), shape, values], values a flat list or one number
that every element has; non-finite numbers are the strings "nan", "inf", "-inf"; null marks an element
where torch 1.13 is itself wrong (TORCH_WRONG near the end), which is not compared.
"grad" is d/dx of sum(out[0] * w1), "grad2" is d/dx of sum_j sum(grad_j * w2) with the graph of the
first gradients kept; w1[i] = 1 + 0.5 (i mod 3) and w2[i] = 0.5 + 0.25 (i mod 5), in the dtype of the
tensor they multiply, flat index i. A gradient torch leaves unconnected (None) is written as zeros.
tests/test_edges.cpp maps each op name onto xgrad's call and compares.

Adding a case is one call of add(...) below. Run with Debian's torch:
  /usr/bin/python3 scripts/make_edge_fixtures.py
"""
import json
import math
import os

import numpy
import torch
import torch.nn.functional as F

F64, F32, I64, BOOL = torch.float64, torch.float32, torch.int64, torch.bool
SHORT = {F64: "f64", F32: "f32", I64: "i64", BOOL: "bool"}
FLOATS = (F64, F32)
INF, NAN = math.inf, math.nan


def huge(dt):
    return 1e300 if dt == F64 else 3e38


def num(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 and not (v == 0 and math.copysign(1.0, v) < 0):
        return int(v)  # 2 for 2.0: shorter, and the dtype is written beside the values (-0.0 keeps its sign)
    return v


def short32(v):
    """The shortest decimal that reads back as the same float32 (keeps the file small)."""
    return float(repr(numpy.float32(v))) if math.isfinite(v) else v


def enc(t, exact=False):
    """Results keep 15 significant digits (the test compares float64 to 1e-12); inputs keep all."""
    t = t.detach()
    if t._is_zerotensor():
        t = torch.zeros(t.shape, dtype=t.dtype)
    values = t.reshape(-1).tolist()
    if t.dtype == F32:
        values = [short32(v) for v in values]
    elif t.dtype == F64 and not exact:
        values = [float("%.15g" % v) for v in values]
    values = [num(v) for v in values]
    if len(values) > 1 and all(repr(v) == repr(values[0]) for v in values):
        return [SHORT[t.dtype], list(t.shape), values[0]]  # every element the same (zero gradients)
    return [SHORT[t.dtype], list(t.shape), values]


def weights(t, second):
    n = t.numel()
    vals = [(0.5 + 0.25 * (i % 5)) if second else (1.0 + 0.5 * (i % 3)) for i in range(n)]
    return torch.tensor(vals, dtype=t.dtype).reshape(t.shape)


class S:
    """A Python scalar operand (float or int)."""

    def __init__(self, v):
        self.v = v

    def enc(self):
        return {"scalar": num(self.v), "kind": "int" if isinstance(self.v, int) else "float"}


def T(values, dtype, shape=None):
    t = torch.tensor(values, dtype=dtype)
    return t.reshape(shape) if shape is not None else t


# ---- the op table: name -> fn(inputs, args) -> tuple of outputs ------------------------------------
def pick(v):
    return v.v if isinstance(v, S) else v


OPS = {
    # unary
    "exp": lambda x, a: torch.exp(x[0]), "log": lambda x, a: torch.log(x[0]),
    "log1p": lambda x, a: torch.log1p(x[0]), "sqrt": lambda x, a: torch.sqrt(x[0]),
    "rsqrt": lambda x, a: torch.rsqrt(x[0]), "abs": lambda x, a: torch.abs(x[0]),
    "sin": lambda x, a: torch.sin(x[0]), "cos": lambda x, a: torch.cos(x[0]),
    "tanh": lambda x, a: torch.tanh(x[0]), "sigmoid": lambda x, a: torch.sigmoid(x[0]),
    "erf": lambda x, a: torch.erf(x[0]), "neg": lambda x, a: torch.neg(x[0]),
    "reciprocal": lambda x, a: torch.reciprocal(x[0]), "relu": lambda x, a: torch.relu(x[0]),
    "elu": lambda x, a: F.elu(x[0], a.get("alpha", 1.0)),
    "leaky_relu": lambda x, a: F.leaky_relu(x[0], a.get("slope", 0.01)),
    "gelu": lambda x, a: F.gelu(x[0]),
    "softplus": lambda x, a: F.softplus(x[0], a.get("beta", 1.0), a.get("threshold", 20.0)),
    "clamp": lambda x, a: torch.clamp(x[0], a["min"], a["max"]),
    "clamp_min": lambda x, a: torch.clamp_min(x[0], a["min"]),
    "clamp_max": lambda x, a: torch.clamp_max(x[0], a["max"]),
    "sign": lambda x, a: torch.sign(x[0]), "square": lambda x, a: torch.square(x[0]),
    # binary (either operand may be a scalar)
    "add": lambda x, a: pick(x[0]) + pick(x[1]), "sub": lambda x, a: pick(x[0]) - pick(x[1]),
    "mul": lambda x, a: pick(x[0]) * pick(x[1]), "div": lambda x, a: pick(x[0]) / pick(x[1]),
    "pow": lambda x, a: torch.pow(pick(x[0]), pick(x[1])),
    "maximum": lambda x, a: torch.maximum(x[0], x[1]), "minimum": lambda x, a: torch.minimum(x[0], x[1]),
    "where": lambda x, a: torch.where(x[0], pick(x[1]), pick(x[2])),
    # reduce
    "sum": lambda x, a: torch.sum(x[0]) if "dims" not in a else torch.sum(x[0], a["dims"], a.get("keepdim", False)),
    "mean": lambda x, a: torch.mean(x[0]) if "dims" not in a else torch.mean(x[0], a["dims"], a.get("keepdim", False)),
    "var": lambda x, a: torch.var(x[0]) if "dims" not in a else torch.var(
        x[0], a["dims"], unbiased=a.get("unbiased", True), keepdim=a.get("keepdim", False)),
    "std": lambda x, a: torch.std(x[0]) if "dims" not in a else torch.std(
        x[0], a["dims"], unbiased=a.get("unbiased", True), keepdim=a.get("keepdim", False)),
    "max": lambda x, a: torch.max(x[0]), "min": lambda x, a: torch.min(x[0]),
    "max_dim": lambda x, a: tuple(torch.max(x[0], a["dim"], a.get("keepdim", False))),
    "min_dim": lambda x, a: tuple(torch.min(x[0], a["dim"], a.get("keepdim", False))),
    "amax": lambda x, a: torch.amax(x[0], a["dim"], a.get("keepdim", False)),
    "logsumexp": lambda x, a: torch.logsumexp(x[0], a["dims"], a.get("keepdim", False)),
    "argmax": lambda x, a: torch.argmax(x[0]) if "dim" not in a else torch.argmax(x[0], a["dim"], a.get("keepdim", False)),
    "argmin": lambda x, a: torch.argmin(x[0], a["dim"], a.get("keepdim", False)),
    # shape
    "reshape": lambda x, a: torch.reshape(x[0], a["shape"]), "view": lambda x, a: x[0].view(a["shape"]),
    "permute": lambda x, a: x[0].permute(a["dims"]), "transpose": lambda x, a: torch.transpose(x[0], a["d0"], a["d1"]),
    "cat": lambda x, a: torch.cat(list(x), a["dim"]),
    "narrow": lambda x, a: torch.narrow(x[0], a["dim"], a["start"], a["length"]),
    "expand": lambda x, a: x[0].expand(a["shape"]),
    "squeeze": lambda x, a: torch.squeeze(x[0]) if "dim" not in a else torch.squeeze(x[0], a["dim"]),
    "unsqueeze": lambda x, a: torch.unsqueeze(x[0], a["dim"]),
    # index
    "index_select": lambda x, a: torch.index_select(x[0], a["dim"], x[1]),
    "gather": lambda x, a: torch.gather(x[0], a["dim"], x[1]),
    "scatter_add": lambda x, a: torch.scatter_add(x[0], a["dim"], x[1], x[2]),
    "index_add": lambda x, a: torch.index_add(x[0], a["dim"], x[1], x[2]),
    # linalg
    "mm": lambda x, a: torch.mm(x[0], x[1]), "bmm": lambda x, a: torch.bmm(x[0], x[1]),
    "matmul": lambda x, a: torch.matmul(x[0], x[1]),
    # softmax
    "softmax": lambda x, a: torch.softmax(x[0], a["dim"]), "log_softmax": lambda x, a: torch.log_softmax(x[0], a["dim"]),
    # fused losses
    "cross_entropy": lambda x, a: F.cross_entropy(
        x[0], x[1], weight=x[2] if len(x) > 2 else None, ignore_index=a.get("ignore_index", -100),
        label_smoothing=a.get("label_smoothing", 0.0), reduction=a.get("reduction", "mean")),
    "nll_loss": lambda x, a: F.nll_loss(x[0], x[1], weight=x[2] if len(x) > 2 else None,
                                        ignore_index=a.get("ignore_index", -100), reduction=a.get("reduction", "mean")),
    "binary_cross_entropy": lambda x, a: F.binary_cross_entropy(x[0], x[1], reduction=a.get("reduction", "mean")),
    "binary_cross_entropy_with_logits": lambda x, a: F.binary_cross_entropy_with_logits(
        x[0], x[1], pos_weight=x[2] if len(x) > 2 else None, reduction=a.get("reduction", "mean")),
    "mse_loss": lambda x, a: F.mse_loss(x[0], x[1], reduction=a.get("reduction", "mean")),
    "l1_loss": lambda x, a: F.l1_loss(x[0], x[1], reduction=a.get("reduction", "mean")),
    "kl_div": lambda x, a: F.kl_div(x[0], x[1], reduction=a.get("reduction", "mean"), log_target=a.get("log_target", False)),
    "smooth_l1_loss": lambda x, a: F.smooth_l1_loss(x[0], x[1], reduction=a.get("reduction", "mean"), beta=a.get("beta", 1.0)),
    "huber_loss": lambda x, a: F.huber_loss(x[0], x[1], reduction=a.get("reduction", "mean"), delta=a.get("delta", 1.0)),
}

cases = []
ids = set()


def add(family, op, inputs, args=None, diff=None, order=2, tag=""):
    """One case: run OPS[op] on the inputs; differentiate w.r.t. `diff` (default: every floating tensor
    input) to `order` (0: values only, 1: first gradients, 2: also second)."""
    args = args or {}
    if diff is None:
        diff = [i for i, v in enumerate(inputs) if isinstance(v, torch.Tensor) and v.dtype in FLOATS]
    dts = "_".join(SHORT[v.dtype] + ("0d" if v.dim() == 0 else "") if isinstance(v, torch.Tensor)
                   else ("int" if isinstance(v.v, int) else "float") for v in inputs)
    cid = f"{family}/{op}/{tag + '/' if tag else ''}{dts}"
    n = 2
    base = cid
    while cid in ids:
        cid = f"{base}#{n}"
        n += 1
    ids.add(cid)
    c = {"id": cid, "inputs": [v.enc() if isinstance(v, S) else enc(v, exact=True) for v in inputs]}
    if args:
        c["args"] = args
    xs = [v.detach().clone().requires_grad_(i in diff) if isinstance(v, torch.Tensor) else v
          for i, v in enumerate(inputs)]
    try:
        out = OPS[op](xs, args)
    except (RuntimeError, IndexError) as e:
        c["error"] = str(e).split("\n")[0][:60]
        cases.append(c)
        return
    outs = out if isinstance(out, tuple) else (out,)
    c["out"] = [enc(o) for o in outs]
    y = outs[0]
    if order >= 1 and diff and y.requires_grad:
        try:
            grads(c, y, [xs[i] for i in diff], order)
            c["diff"] = diff
        except RuntimeError as e:  # torch 1.13 cannot differentiate it (pow with a bool exponent)
            c.pop("grad", None)
            c.pop("grad2", None)
            c["torch_grad_error"] = str(e).split("\n")[0][:60]
    cases.append(c)


def grads(c, y, leaves, order):
    gs = torch.autograd.grad((y * weights(y, False)).sum(), leaves, create_graph=order >= 2, allow_unused=True)
    gs = [g if g is not None else torch.zeros_like(leaves[k]) for k, g in enumerate(gs)]
    c["grad"] = [enc(g) for g in gs]
    if order >= 2:
        terms = [(g * weights(g, True)).sum() for g in gs if g.requires_grad]
        if terms:
            ggs = torch.autograd.grad(sum(terms), leaves, allow_unused=True)
            ggs = [g if g is not None else torch.zeros_like(leaves[k]) for k, g in enumerate(ggs)]
        else:  # the first gradients do not depend on the inputs
            ggs = [torch.zeros_like(v) for v in leaves]
        c["grad2"] = [enc(g) for g in ggs]


# ---- unary -----------------------------------------------------------------------------------------
def edge_vector(dt):
    h = huge(dt)
    return T([0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 0.5, -2.5, 3.0, h, -h], dt)


UNARY = [("exp", {}), ("log", {}), ("log1p", {}), ("sqrt", {}), ("rsqrt", {}), ("abs", {}), ("sin", {}),
         ("cos", {}), ("tanh", {}), ("sigmoid", {}), ("erf", {}), ("neg", {}), ("reciprocal", {}), ("relu", {}),
         ("elu", {}), ("elu", {"alpha": 0.5}), ("leaky_relu", {"slope": 0.1}), ("gelu", {}), ("softplus", {}),
         ("softplus", {"beta": 2.0, "threshold": 5.0}), ("clamp", {"min": -1.0, "max": 0.5}),
         ("clamp", {"min": 1.0, "max": -1.0}), ("clamp_min", {"min": 0.5}), ("clamp_max", {"max": -0.5}),
         ("sign", {}), ("square", {})]
for op, args in UNARY:
    tag = ",".join(f"{k}={v}" for k, v in args.items())
    for dt in FLOATS:
        add("unary", op, [edge_vector(dt)], args, tag=(tag + "/edges") if tag else "edges")
        add("unary", op, [T(-0.75, dt)], args, tag=(tag + "/0d") if tag else "0d")
        add("unary", op, [torch.zeros(2, 0, dtype=dt)], args, tag=(tag + "/empty") if tag else "empty")
    if not args:
        add("unary", op, [T([-3, 0, 2], I64)], tag="ints")
        add("unary", op, [T([True, False], BOOL)], tag="bools")
# log1p and sigmoid near their cancellation points; tanh/sigmoid/erf/gelu saturating
for dt in FLOATS:
    add("unary", "log1p", [T([-1.0, -0.999999, 1e-10, -1e-10], dt)], tag="near-1")
    add("unary", "sigmoid", [T([-40.0, 40.0, -800.0, 800.0], dt)], tag="saturated")
    add("unary", "tanh", [T([-20.0, 20.0, -400.0, 400.0], dt)], tag="saturated")
    add("unary", "gelu", [T([-40.0, 40.0, -6.0, 6.0], dt)], tag="saturated")
    add("unary", "softplus", [T([19.999, 20.0, 20.001, -800.0, 800.0], dt)], tag="threshold")
    add("unary", "elu", [T([-800.0, -1e-8, 1e-8], dt)], tag="tails")
    add("unary", "relu", [T([[0.0, -0.0], [1.0, -1.0]], dt)], tag="zeros")

# ---- binary ----------------------------------------------------------------------------------------
def operand(dt, zero_d, which):
    if dt == BOOL:
        return T(True, dt) if zero_d else T([True, False], dt)
    if dt == I64:
        return T(3 if which else 2, dt) if zero_d else T([2, -3], dt)
    if zero_d:
        return T(-1.5 if which else 2.0, dt)
    return T([1.5, -2.0], dt) if which else T([2.0, -4.0], dt)


ALL = (F64, F32, I64, BOOL)
for op in ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]:
    for da in ALL:
        for db in ALL:
            # 0-d operands on either side (they do not take part in promotion within a category);
            # first gradients only (the edge rows below go to second order)
            shapes = [(False, False), (False, True), (True, False)] if op in ("add", "mul", "div", "pow") \
                else [(False, False)]
            for za, zb in shapes:
                add("binary", op, [operand(da, za, 0), operand(db, zb, 1)], order=1, tag="promote")
            # 0-d with 0-d once per pair for the arithmetic ops
            if op in ("add", "div"):
                add("binary", op, [operand(da, True, 0), operand(db, True, 1)], order=1, tag="promote")
    # Python scalars on either side
    for dt in ALL:
        for s in (S(2.0), S(2), S(-0.5)):
            if op in ("maximum", "minimum") or (s.v == -0.5 and op not in ("div", "pow")):
                continue
            add("binary", op, [operand(dt, False, 0), s], tag="scalar")
            # C++ has no integer base for pow: 2 ** x is written pow(2.0, x)
            if op in ("add", "sub", "mul", "div") or (op == "pow" and isinstance(s.v, float)):
                add("binary", op, [s, operand(dt, False, 0)], tag="scalar")
# where: condition bool, every pair of value dtypes, and scalars
for da in ALL:
    for db in ALL:
        add("binary", "where", [T([True, False], BOOL), operand(da, False, 0), operand(db, False, 1)],
            tag="promote")
for dt in FLOATS:
    add("binary", "where", [T([True, False], BOOL), operand(dt, False, 0), S(0.5)], tag="scalar")
    add("binary", "where", [T([True, False], BOOL), S(0.5), operand(dt, False, 0)], tag="scalar")
    add("binary", "where", [T([True, False, True], BOOL), T([NAN, 1.0, INF], dt), T([-INF, NAN, 2.0], dt)],
        tag="nonfinite")

# Edge values: every float edge against every other, both dtypes (gradients to second order).
for dt in FLOATS:
    h = huge(dt)
    vals = [0.0, -0.0, INF, -INF, NAN, 1.0, -2.0]
    a = T([u for u in vals for _ in vals], dt)
    b = T([v for _ in vals for v in vals], dt)
    for op in ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]:
        add("binary", op, [a, b], tag="edges")
        add("binary", op, [T([h, h, -h, h, 0.5], dt), T([h, -h, -h, 0.5, h], dt)], tag="huge")
    # ties in maximum/minimum split the gradient
    for op in ["maximum", "minimum"]:
        add("binary", op, [T([1.0, -0.0, 2.0], dt), T([1.0, 0.0, 2.0], dt)], tag="ties")
    # pow with edge bases and scalar exponents (0, 1, 2, 0.5, -1, 3, -0.5, inf)
    for e in (0.0, 1.0, 2.0, 0.5, -1.0, 3.0, -0.5, INF, 2, 0):
        add("binary", "pow", [edge_vector(dt), S(e)], tag=f"scalar-exp={e}")
    # scalar base with edge exponents
    for base in (2.0, 0.0, -1.0):
        add("binary", "pow", [S(base), edge_vector(dt)], tag=f"scalar-base={base}")
    # broadcasting with size-1 and empty dims
    add("binary", "mul", [T([[1.0], [INF]], dt), T([[2.0, 0.0, NAN]], dt)], tag="broadcast")
    add("binary", "add", [torch.zeros(2, 0, dtype=dt), T([[1.0], [2.0]], dt)], tag="broadcast-empty")
    add("binary", "div", [T([[1.0, -1.0, 0.0]], dt), T([[0.0], [-0.0]], dt)], tag="broadcast-zero")

# ---- reduce ----------------------------------------------------------------------------------------
for dt in FLOATS:
    h = huge(dt)
    m = T([[1.0, 3.0, 3.0, -2.0], [0.0, -0.0, 0.0, -0.0], [INF, 1.0, 2.0, 3.0], [NAN, 5.0, 5.0, 1.0],
           [h, h, -h, 0.5], [-INF, -INF, -INF, -INF]], dt)
    plain = T([[1.0, 3.0, 3.0, -2.0], [0.5, -1.5, 2.0, 4.0], [2.0, 2.0, 2.0, 2.0]], dt)
    e20 = torch.zeros(2, 0, dtype=dt)
    one = T([[1.5, -0.5, 2.0]], dt)  # [1, 3]
    for op in ["sum", "mean"]:
        add("reduce", op, [m], tag="all")
        add("reduce", op, [m], {"dims": [1]}, tag="dim1")
        add("reduce", op, [m], {"dims": [0], "keepdim": True}, tag="dim0-keep")
        add("reduce", op, [e20], tag="empty-all")
        add("reduce", op, [e20], {"dims": [1]}, tag="empty-dim1")
        add("reduce", op, [e20], {"dims": [0]}, tag="empty-dim0")
        add("reduce", op, [one], {"dims": [0]}, tag="size1")
        add("reduce", op, [plain], {"dims": [0, 1]}, tag="dims01")
    for op in ["var", "std"]:
        add("reduce", op, [plain], tag="all")
        add("reduce", op, [plain], {"dims": [1]}, tag="dim1")
        add("reduce", op, [plain], {"dims": [0], "unbiased": False, "keepdim": True}, tag="dim0-biased-keep")
        add("reduce", op, [m], {"dims": [1]}, tag="edges")
        add("reduce", op, [e20], tag="empty-all")
        add("reduce", op, [e20], {"dims": [1]}, tag="empty-dim1")
        # torch 1.13 gets the gradient wrong for a single element (its backward fails on the shape) and
        # for var(x, dim=[]) (±inf); xgrad's right answers are tested in test_semantics.cpp. Values only.
        add("reduce", op, [one], {"dims": [0]}, order=0, tag="size1")
        add("reduce", op, [one], {"dims": [0], "unbiased": False}, tag="size1-biased")
        add("reduce", op, [plain], {"dims": []}, order=0, tag="dims-empty-list")
        add("reduce", op, [T([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], dt)], {"dims": [1]}, tag="constant-rows")
    for op in ["max", "min"]:
        add("reduce", op, [plain], tag="all-ties")
        add("reduce", op, [m[:3]], tag="all-inf")
        add("reduce", op, [m], tag="all-nan")
        add("reduce", op, [e20], tag="empty")
        add("reduce", op, [T(2.5, dt)], tag="0d")
    for op in ["max_dim", "min_dim"]:
        add("reduce", op, [m], {"dim": 1}, tag="dim1")
        add("reduce", op, [m], {"dim": 0, "keepdim": True}, tag="dim0-keep")
        add("reduce", op, [one], {"dim": 0}, tag="size1")
        add("reduce", op, [e20], {"dim": 0}, tag="empty-dim0")
        add("reduce", op, [e20], {"dim": 1}, tag="empty-reduced")
    add("reduce", "amax", [m], {"dim": 1}, tag="dim1")
    add("reduce", "amax", [m], {"dim": 0, "keepdim": True}, tag="dim0-keep")
    add("reduce", "amax", [plain], {"dim": 1}, tag="ties")
    add("reduce", "amax", [e20], {"dim": 0}, tag="empty-dim0")
    add("reduce", "logsumexp", [plain], {"dims": [1]}, tag="dim1")
    add("reduce", "logsumexp", [plain], {"dims": [0, 1]}, tag="dims01")
    add("reduce", "logsumexp", [T([[INF, 1.0], [-INF, 1.0], [NAN, 1.0], [h, h]], dt)], {"dims": [1]}, tag="edges")
    # torch 1.13's logsumexp gradient where every entry of a slice is -inf (or +inf, a tie at the max)
    # is exp(x - lse) = exp(nan) = NaN; values only for those rows.
    add("reduce", "logsumexp", [T([[-INF, -INF], [INF, INF]], dt)], {"dims": [1]}, order=0, tag="inf-ties")
    add("reduce", "logsumexp", [e20], {"dims": [1]}, tag="empty-reduced")
    add("reduce", "logsumexp", [one], {"dims": [0], "keepdim": True}, tag="size1")
    add("reduce", "argmax", [m], {"dim": 1}, tag="dim1")
    add("reduce", "argmax", [m], tag="flat")
    add("reduce", "argmax", [plain], {"dim": 1, "keepdim": True}, tag="ties")
    add("reduce", "argmax", [e20], {"dim": 0}, tag="empty-dim0")
    add("reduce", "argmax", [e20], tag="empty-flat")
    add("reduce", "argmin", [m], {"dim": 1}, tag="dim1")
for dt in (I64, BOOL):
    x = T([[1, 0, 3], [3, 2, 0]], I64).to(dt)
    for op, args in [("sum", {}), ("sum", {"dims": [1]}), ("mean", {}), ("max", {}), ("max_dim", {"dim": 1}),
                     ("argmax", {"dim": 1}), ("amax", {"dim": 0}), ("var", {}), ("logsumexp", {"dims": [1]})]:
        add("reduce", op, [x], args, tag="ints")

# ---- shape -----------------------------------------------------------------------------------------
for dt in FLOATS:
    x = T([[1.0, NAN, -0.0], [INF, -INF, huge(dt)]], dt)  # [2, 3]
    add("shape", "reshape", [x], {"shape": [3, -1]}, tag="minus1")
    add("shape", "reshape", [x], {"shape": [6]}, tag="flat")
    add("shape", "reshape", [torch.zeros(2, 0, dtype=dt)], {"shape": [0, 5, -1]}, tag="empty")
    add("shape", "reshape", [T(2.0, dt)], {"shape": [1, 1]}, tag="0d")
    add("shape", "view", [x], {"shape": [1, 2, 3]}, tag="unsqueezed")
    add("shape", "view", [T([4.0], dt)], {"shape": []}, tag="to-0d")
    add("shape", "permute", [x.reshape(1, 2, 3)], {"dims": [2, 0, 1]}, tag="3d")
    add("shape", "permute", [x.reshape(1, 2, 3)], {"dims": [-1, -3, -2]}, tag="negative")
    add("shape", "transpose", [x], {"d0": 0, "d1": 1}, tag="2d")
    add("shape", "transpose", [x.reshape(2, 1, 3)], {"d0": -1, "d1": 1}, tag="size1")
    add("shape", "transpose", [torch.zeros(0, 3, dtype=dt)], {"d0": 0, "d1": 1}, tag="empty")
    add("shape", "cat", [x, T([[5.0, 6.0, 7.0]], dt)], {"dim": 0}, tag="dim0")
    add("shape", "cat", [x, T([[5.0], [NAN]], dt)], {"dim": -1}, tag="dim-1")
    add("shape", "cat", [x, torch.zeros(0, 3, dtype=dt), x], {"dim": 0}, tag="with-empty")
    add("shape", "cat", [torch.zeros(0, dtype=dt), x], {"dim": 0}, tag="legacy-empty-1d")
    add("shape", "cat", [torch.zeros(2, 0, dtype=dt), torch.zeros(2, 0, dtype=dt)], {"dim": 1}, tag="all-empty")
    add("shape", "narrow", [x], {"dim": 1, "start": 1, "length": 2}, tag="dim1")
    add("shape", "narrow", [x], {"dim": 0, "start": 2, "length": 0}, tag="length0")
    add("shape", "narrow", [x], {"dim": -1, "start": -2, "length": 1}, tag="negative")
    add("shape", "expand", [T([[1.0], [NAN]], dt)], {"shape": [2, 3]}, tag="size1")
    add("shape", "expand", [T([INF, -INF], dt)], {"shape": [3, 2]}, tag="new-dim-infs")
    add("shape", "expand", [T([[1.0, 2.0]], dt)], {"shape": [0, 2]}, tag="to-empty")
    add("shape", "expand", [T(3.0, dt)], {"shape": [2, 2]}, tag="0d")
    add("shape", "expand", [T([[1.0], [2.0]], dt)], {"shape": [-1, 4]}, tag="minus1")
    add("shape", "squeeze", [x.reshape(1, 2, 1, 3)], tag="all")
    add("shape", "squeeze", [x.reshape(1, 2, 1, 3)], {"dim": 2}, tag="dim")
    add("shape", "squeeze", [x], {"dim": 0}, tag="not-size1")
    add("shape", "squeeze", [T([7.0], dt)], tag="to-0d")
    add("shape", "unsqueeze", [x], {"dim": -1}, tag="last")
    add("shape", "unsqueeze", [T(1.0, dt)], {"dim": 0}, tag="0d")
    add("shape", "unsqueeze", [torch.zeros(0, dtype=dt)], {"dim": 1}, tag="empty")
for da, db in [(F32, F64), (I64, F32), (BOOL, I64), (F64, BOOL)]:
    add("shape", "cat", [T([1, 0], da), T([1, 1], db)], {"dim": 0}, tag="promote")
add("shape", "reshape", [T([1, 2, 3, 4], I64)], {"shape": [2, 2]}, tag="ints")
add("shape", "expand", [T([True], BOOL)], {"shape": [3]}, tag="bools")

# ---- index -----------------------------------------------------------------------------------------
for dt in FLOATS:
    x = T([[1.0, NAN, -0.0], [INF, -INF, huge(dt)], [2.0, 3.0, 4.0]], dt)
    idx = lambda v: T(v, I64)
    add("index", "index_select", [x, idx([2, 0, 2])], {"dim": 0}, tag="dup")
    add("index", "index_select", [x, idx([1])], {"dim": -1}, tag="size1")
    add("index", "index_select", [x, idx([])], {"dim": 1}, tag="empty-index")
    add("index", "index_select", [torch.zeros(0, 3, dtype=dt), idx([])], {"dim": 0}, tag="empty-source")
    add("index", "index_select", [T([1.0, 2.0, 3.0], dt), idx(2)], {"dim": 0}, tag="0d-index")
    add("index", "gather", [x, idx([[0, 0], [2, 1], [1, 1]])], {"dim": 1}, tag="dim1-dup")
    add("index", "gather", [x, idx([[2, 2, 0]])], {"dim": 0}, tag="dim0")
    add("index", "gather", [x, torch.zeros(3, 0, dtype=I64)], {"dim": 1}, tag="empty-index")
    add("index", "gather", [T(5.0, dt), idx(0)], {"dim": 0}, tag="0d")
    src = T([[0.5, INF, 1.0], [NAN, 2.0, -1.0]], dt)
    add("index", "scatter_add", [x, idx([[0, 0, 2], [0, 1, 2]]), src], {"dim": 0}, tag="dup")
    # an index smaller than src: torch 1.13's backward gives src a gradient of the index's shape
    # ("invalid gradient"), so only self is differentiated there
    add("index", "scatter_add", [x, idx([[2], [0]]), src], {"dim": 1}, diff=[0], tag="smaller-index")
    add("index", "scatter_add", [x, torch.zeros(0, 3, dtype=I64), src], {"dim": 0}, diff=[0], tag="empty-index")
    add("index", "scatter_add", [x, idx([[1, 1, 1], [1, 1, 1]]), src], {"dim": 0}, tag="all-same")
    add("index", "index_add", [x, idx([2, 2]), src], {"dim": 0}, tag="dup")
    add("index", "index_add", [x, idx([1, 1]), src.t()], {"dim": 1}, tag="dim1")
    add("index", "index_add", [x, idx([]), torch.zeros(0, 3, dtype=dt)], {"dim": 0}, tag="empty-index")
    add("index", "index_add", [x, idx([0]), src[:1]], {"dim": 0}, tag="one")
add("index", "index_select", [T([[1, 2], [3, 4]], I64), T([1, 1], I64)], {"dim": 0}, tag="ints")
add("index", "gather", [T([True, False], BOOL), T([1, 1, 0], I64)], {"dim": 0}, tag="bools")
add("index", "scatter_add", [T([1, 2, 3], I64), T([0, 0], I64), T([5, 6], I64)], {"dim": 0}, tag="ints")
add("index", "index_add", [T([1, 2, 3], I64), T([2, 2], I64), T([5, 6], I64)], {"dim": 0}, tag="ints")
add("index", "index_add", [T([1.0, 2.0], F64), T([0], I64), T([5.0], F32)], {"dim": 0}, tag="mixed-dtypes")

# ---- linalg ----------------------------------------------------------------------------------------
for dt in FLOATS:
    a = T([[1.0, -2.0, 0.5], [INF, 1.0, 0.0], [NAN, 0.0, 1.0]], dt)
    b = T([[0.0, 1.0], [2.0, -1.0], [1.5, 0.0]], dt)
    p = T([[1.0, -2.0, 0.5], [3.0, 1.0, 0.25]], dt)
    h = huge(dt)
    add("linalg", "mm", [p, b], tag="plain")
    add("linalg", "mm", [a, b], tag="nonfinite")
    add("linalg", "mm", [T([[h, h]], dt), T([[h], [-h]], dt)], tag="overflow")
    add("linalg", "mm", [torch.zeros(2, 0, dtype=dt), torch.zeros(0, 3, dtype=dt)], tag="empty-inner")
    add("linalg", "mm", [torch.zeros(0, 2, dtype=dt), T([[1.0], [2.0]], dt)], tag="empty-outer")
    add("linalg", "mm", [T([[2.0]], dt), T([[3.0, -1.0]], dt)], tag="size1")
    add("linalg", "bmm", [p.reshape(1, 2, 3).expand(2, 2, 3) * T([1.0, -1.0], dt).reshape(2, 1, 1),
                          b.reshape(1, 3, 2).expand(2, 3, 2).contiguous()], tag="plain")
    add("linalg", "bmm", [torch.zeros(0, 2, 3, dtype=dt), torch.zeros(0, 3, 2, dtype=dt)], tag="empty-batch")
    add("linalg", "bmm", [T([[[INF, 0.0]]], dt), T([[[0.0], [1.0]]], dt)], tag="inf-times-zero")
    add("linalg", "matmul", [T([1.0, 2.0, -1.0], dt), T([0.5, NAN, 2.0], dt)], tag="dot")
    add("linalg", "matmul", [T([1.0, 2.0, -1.0], dt), b], tag="vec-mat")
    add("linalg", "matmul", [p, T([1.0, 2.0, -1.0], dt)], tag="mat-vec")
    add("linalg", "matmul", [p.reshape(1, 2, 3).expand(2, 2, 3).contiguous(), b], tag="batched-broadcast")
    add("linalg", "matmul", [p, b.reshape(1, 3, 2).expand(2, 3, 2).contiguous()], tag="broadcast-batched")
    add("linalg", "matmul", [torch.zeros(0, dtype=dt), torch.zeros(0, dtype=dt)], tag="empty-dot")
    add("linalg", "matmul", [torch.zeros(2, 1, 0, dtype=dt), torch.zeros(0, 3, dtype=dt)], tag="empty-inner")
ints = lambda v, s: T(v, I64, s)
add("linalg", "matmul", [ints([1, 2, 3, 4], [2, 2]), ints([5, -6, 7, 8], [2, 2])], tag="ints")
add("linalg", "matmul", [ints([1, 2, 3], [3]), ints([4, 5, 6], [3])], tag="ints-dot")
add("linalg", "matmul", [ints([1, 2, 3], [3]), ints(list(range(6)), [3, 2])], tag="ints-vec-mat")
add("linalg", "matmul", [ints(list(range(12)), [2, 2, 3]), ints(list(range(6)), [3, 2])], tag="ints-batched")
add("linalg", "matmul", [ints([2**40, 3], [1, 2]), ints([2**20, 5], [2, 1])], tag="ints-large")
add("linalg", "mm", [ints([1, 2], [1, 2]), ints([3, 4], [2, 1])], tag="ints")
add("linalg", "bmm", [ints([1, 2], [1, 1, 2]), ints([3, 4], [1, 2, 1])], tag="ints")
add("linalg", "matmul", [T([[1.0, 2.0]], F32), T([[1.0], [2.0]], F64)], tag="mixed-dtypes")
add("linalg", "mm", [T([[1.0, 2.0]], F64), ints([3, 4], [2, 1])], tag="mixed-dtypes")

# ---- softmax ---------------------------------------------------------------------------------------
for dt in FLOATS:
    h = huge(dt)
    x = T([[1.0, 2.0, 3.0], [-INF, 0.0, 1.0], [INF, 0.0, 1.0], [-INF, -INF, -INF], [NAN, 1.0, 0.0],
           [h, h, 0.0], [2.0, 2.0, 2.0]], dt)
    for op in ["softmax", "log_softmax"]:
        add("softmax", op, [x], {"dim": 1}, tag="rows")
        add("softmax", op, [x.t().contiguous()], {"dim": 0}, tag="cols")
        add("softmax", op, [torch.zeros(2, 0, dtype=dt)], {"dim": 1}, tag="empty-reduced")
        add("softmax", op, [torch.zeros(0, 3, dtype=dt)], {"dim": 1}, tag="empty-batch")
        add("softmax", op, [T([[0.5, -1.0]], dt)], {"dim": 0}, tag="size1")
        add("softmax", op, [T(1.5, dt)], {"dim": 0}, tag="0d")
        add("softmax", op, [T([[100.0, 99.0, -100.0, 0.5]], dt)], {"dim": -1}, tag="confident")
for op in ["softmax", "log_softmax"]:
    add("softmax", op, [T([1, 2], I64)], {"dim": 0}, tag="ints")

# ---- fused losses ----------------------------------------------------------------------------------
for dt in FLOATS:
    h = huge(dt)
    logits = T([[0.5, -1.0, 2.0], [1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0], [-INF, 0.0, 1.0]], dt)
    tgt = T([2, 1, 0, 1], I64)
    w = T([1.0, 2.0, 0.5], dt)
    for red in ["mean", "sum", "none"]:
        add("loss", "cross_entropy", [logits, tgt], {"reduction": red}, tag=red)
        add("loss", "nll_loss", [torch.log_softmax(logits, 1), tgt], {"reduction": red}, tag=red)
    add("loss", "cross_entropy", [logits, T([2, -100, 0, -100], I64)], tag="ignore")
    add("loss", "cross_entropy", [logits, T([2, 1, 0, 1], I64)], {"ignore_index": 1}, tag="ignore-1")
    add("loss", "cross_entropy", [logits, T([-100] * 4, I64)], tag="all-ignored")
    add("loss", "cross_entropy", [logits, tgt, w], diff=[0], tag="weight")
    add("loss", "cross_entropy", [logits, T([2, -100, 0, 1], I64), w], diff=[0], tag="weight-ignore")
    add("loss", "cross_entropy", [logits[:3], tgt[:3]], {"label_smoothing": 0.1}, tag="smoothing")
    add("loss", "cross_entropy", [torch.zeros(0, 3, dtype=dt), T([], I64)], tag="empty-batch")
    add("loss", "cross_entropy", [torch.zeros(0, 3, dtype=dt), T([], I64)], {"reduction": "sum"}, tag="empty-batch-sum")
    add("loss", "cross_entropy", [T([0.5, -1.0, 2.0], dt), T(2, I64)], tag="unbatched")
    add("loss", "cross_entropy", [T([[[0.5, 1.0], [-1.0, 0.0]], [[2.0, 1.0], [NAN, 0.0]]], dt),
                                  T([[1, 0], [0, 1]], I64)], tag="spatial")
    lp = torch.log_softmax(T([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], dt), 1)
    add("loss", "nll_loss", [lp, T([0, -100, 2], I64)], tag="ignore")
    add("loss", "nll_loss", [lp, T([0, 1, 2], I64)], {"ignore_index": 2}, tag="ignore-2")
    add("loss", "nll_loss", [lp, T([-100] * 3, I64)], tag="all-ignored")
    add("loss", "nll_loss", [lp, T([-100] * 3, I64)], {"reduction": "sum"}, tag="all-ignored-sum")
    add("loss", "nll_loss", [lp, T([0, 1, 2], I64), w], diff=[0], tag="weight")
    add("loss", "nll_loss", [lp, T([0, 1, -100], I64), w], {"reduction": "sum"}, diff=[0], tag="weight-ignore-sum")
    add("loss", "nll_loss", [T([[INF, -INF], [NAN, 0.0]], dt), T([0, 1], I64)], tag="nonfinite")
    add("loss", "nll_loss", [torch.zeros(0, 3, dtype=dt), T([], I64)], tag="empty-batch")
    prob = T([0.0, 1.0, 0.5, 1e-20, 0.999999, 0.25], dt)
    ptgt = T([0.0, 1.0, 0.5, 1.0, 0.0, 1.0], dt)
    # torch 1.13's BCE double backward uses a different epsilon from its backward (and is wrong at 0
    # and 1): first order only.
    for red in ["mean", "sum", "none"]:
        add("loss", "binary_cross_entropy", [prob, ptgt], {"reduction": red}, diff=[0], order=1, tag=red)
    add("loss", "binary_cross_entropy", [T([0.0, 1.0], dt), T([1.0, 0.0], dt)], diff=[0], order=1, tag="clamped-log")
    add("loss", "binary_cross_entropy", [torch.zeros(0, dtype=dt), torch.zeros(0, dtype=dt)], diff=[0], order=1,
        tag="empty")
    blog = T([0.0, 1000.0, -1000.0, h, -h, INF, -INF, NAN, 3.0], dt)
    btgt = T([0.5, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.25], dt)
    for red in ["mean", "sum", "none"]:
        add("loss", "binary_cross_entropy_with_logits", [blog, btgt], {"reduction": red}, tag=red)
    add("loss", "binary_cross_entropy_with_logits", [T([[0.5, -2.0], [1000.0, -1000.0]], dt),
                                                     T([[1.0, 0.0], [0.0, 1.0]], dt), T([3.0, 0.5], dt)],
        diff=[0, 1], tag="pos_weight")
    add("loss", "binary_cross_entropy_with_logits", [torch.zeros(0, dtype=dt), torch.zeros(0, dtype=dt)], tag="empty")
    rin = T([0.0, 1.0, -2.0, 0.5, INF, NAN, h, 3.0], dt)
    rtg = T([0.0, 1.5, 1.0, 0.5, 1.0, 0.0, 0.0, 3.5], dt)
    for op in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]:
        for red in ["mean", "sum", "none"]:
            add("loss", op, [rin, rtg], {"reduction": red}, tag=red)
        add("loss", op, [torch.zeros(0, dtype=dt), torch.zeros(0, dtype=dt)], tag="empty")
        add("loss", op, [T([[1.0, 2.0]], dt), T([0.5], dt)], tag="broadcast")
    add("loss", "smooth_l1_loss", [rin, rtg], {"beta": 0.0, "reduction": "none"}, tag="beta0")
    add("loss", "smooth_l1_loss", [rin, rtg], {"beta": 2.0, "reduction": "sum"}, tag="beta2")
    add("loss", "huber_loss", [rin, rtg], {"delta": 0.5, "reduction": "none"}, tag="delta0.5")
    add("loss", "huber_loss", [T([1.0, -1.0, 2.0], dt), T([0.0, 0.0, 0.0], dt)], {"delta": 1.0, "reduction": "none"},
        tag="at-delta")
    kin = T([[-1.0, -2.0, -0.5], [-INF, 0.0, -1.0]], dt)
    ktg = T([[0.5, 0.0, 0.5], [0.0, 1.0, -0.5]], dt)
    for red in ["mean", "sum", "none", "batchmean"]:
        add("loss", "kl_div", [kin, ktg], {"reduction": red}, tag=red)
    add("loss", "kl_div", [kin, T([[-1.0, -INF, 0.0], [-2.0, NAN, 0.5]], dt)], {"log_target": True, "reduction": "none"},
        tag="log_target")
    add("loss", "kl_div", [torch.zeros(0, 3, dtype=dt), torch.zeros(0, 3, dtype=dt)], {"reduction": "batchmean"},
        tag="empty")

# ---- where torch 1.13 itself is wrong -------------------------------------------------------------
# Elements whose torch answer is not the right one are written as null (not compared), each with why.
TORCH_WRONG = [
    # log1p(3e38) is 88.6 (1 + 3e38 does not overflow float32); torch's vectorized float32 log1p gives inf
    ("unary/log1p/edges/f32", "out", 0, [10]),
    # erf''(x) = -4x exp(-x^2)/sqrt(pi) -> 0 at ±3e38; torch's float32 -2x overflows to inf and inf * 0 = NaN
    ("unary/erf/edges/f32", "grad2", 0, [10, 11]),
    # gelu''(x) = phi(x) (2 - x^2) -> 0 at ±huge; torch multiplies exp(-x^2/2) = 0 by x^2 = inf: NaN
    ("unary/gelu/edges/f64", "grad2", 0, [10, 11]), ("unary/gelu/edges/f32", "grad2", 0, [10, 11]),
    # logsumexp tie gradient: for the row [huge, huge] the gradient is softmax = 0.5 each; torch's
    # exp(x - lse) loses the log 2 (lse rounds to x) and gives 1 each (second order likewise)
    ("reduce/logsumexp/edges/f64", "grad", 0, [6, 7]), ("reduce/logsumexp/edges/f64", "grad2", 0, [6, 7]),
    ("reduce/logsumexp/edges/f32", "grad", 0, [6, 7]), ("reduce/logsumexp/edges/f32", "grad2", 0, [6, 7]),
    # var of the float32 row [3e38, 3e38, -3e38, 0.5]: the gradient 2 (x - mean) / 3 * 1.5 is
    # [2.25e38, 2.25e38, -3.75e38 (-inf in float32), -7.5e37]; torch gives -inf for all four
    ("reduce/var/edges/f32", "grad", 0, [16, 17, 19]),
    # 0 ** x is identically 0 for x > 0, so its second derivative there is 0; torch's double backward
    # multiplies 0 by log(0)^2 = inf: NaN (at x = ±0 and below the function jumps; those stay compared)
    ("binary/pow/scalar-base=0.0/float_f64", "grad2", 0, [2, 5, 7, 9, 10]),
    ("binary/pow/scalar-base=0.0/float_f32", "grad2", 0, [2, 5, 7, 9, 10]),
    # smooth_l1 with beta 0 at d = input - target = 0: torch gives -1 to both input and target, which
    # cannot both be right (the target's gradient is minus the input's); the subgradient is not encoded
    ("loss/smooth_l1_loss/beta0/f64_f64", "grad", 0, [0, 3]), ("loss/smooth_l1_loss/beta0/f64_f64", "grad", 1, [0, 3]),
    ("loss/smooth_l1_loss/beta0/f32_f32", "grad", 0, [0, 3]), ("loss/smooth_l1_loss/beta0/f32_f32", "grad", 1, [0, 3]),
]
by_id = {c["id"]: c for c in cases}
for cid, key, k, indices in TORCH_WRONG:
    t = by_id[cid][key][k]
    n = math.prod(t[1])
    if not isinstance(t[2], list):
        t[2] = [t[2]] * n
    for i in indices:
        t[2][i] = None

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "edges.json")
with open(path, "w") as f:
    f.write('{"torch":' + json.dumps(torch.__version__) + ',"cases":[\n')
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]}\n")
counts = {}
for c in cases:
    family = c["id"].split("/")[0]
    counts[family] = counts.get(family, 0) + 1
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes,", len(cases), "cases", counts)
