#!/usr/bin/python3
"""Regenerates tests/fixtures/indexing.json: torch 1.13's values and gradients of Tensor indexing
(t[...], index_put_, masked_fill(_), masked_select, index_add_, scatter(_), scatter_add_,
take_along_dim), including writes through indexed views into a base. Every tensor a case uses (the
float inputs, the index tensors, the masks, the weights of the loss) is in the file; the C++ test
(tests/test_tensor_index.cpp) spells the same index expression with xg::indexing and compares.

Run from anywhere with Debian's torch:  /usr/bin/python3 scripts/make_indexing_fixtures.py
"""
import json
import os

import torch

torch.manual_seed(0)
DT = torch.float64
NAMES = {torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def enc(t):
    t = t.detach()
    values = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        values = [int(v) for v in values]
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "values": values}


def L(values):
    return torch.tensor(values, dtype=torch.int64)


cases = {}


def case(name, fn, **inputs):
    """fn(**inputs) -> out; the loss is (out * weight).sum(); gradients for every float input."""
    leaves = {k: (v.detach().clone().requires_grad_() if v.dtype == DT else v) for k, v in inputs.items()}
    out = fn(**leaves)
    weight = torch.randn(out.shape, dtype=DT)
    wrt = [k for k, v in leaves.items() if v.dtype == DT]
    gs = torch.autograd.grad((out * weight).sum(), [leaves[k] for k in wrt], allow_unused=True)
    cases[name] = {
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "weight": enc(weight),
        "out": enc(out),
        "grads": {k: enc(g if g is not None else torch.zeros_like(leaves[k])) for k, g in zip(wrt, gs)},
    }


x = torch.randn(4, 5, 6, dtype=DT)

# t.index: basic (views), advanced (gathers), and both mixed.
case("slice none ellipsis step", lambda x: x[1:3, None, ..., ::2], x=x)
case("negative integer and slice", lambda x: x[-1, :, 2], x=x)
case("slice with negative bounds", lambda x: x[-3:, 1:-1, :4:3], x=x)
case("index tensor with duplicates", lambda x, i: x[i], x=x, i=L([0, 2, 2, -1]))
case("adjacent index tensors broadcast", lambda x, i, j: x[:, i, j], x=x, i=L([0, 1, 4]), j=L([[1], [2]]))
case("separated index tensors go first", lambda x, i, j: x[i, :, j], x=x, i=L([0, 1]), j=L([2, 3]))
case("integer then slice then index tensor", lambda x, i: x[1, :, i], x=x, i=L([0, 2]))
case("0-d index tensor", lambda x, i: x[:, i], x=x, i=torch.tensor(2))
case("full mask", lambda x, m: x[m], x=x, m=x > 0.3)
case("leading mask", lambda x, m: x[m], x=x, m=torch.randn(4, 5) > 0)
case("mask after a slice", lambda x, m: x[:, m], x=x, m=torch.tensor([True, False, True, True, False]))
case("ellipsis string then index tensor", lambda x, i: x[..., i], x=x, i=L([1, 3]))
case("True adds an axis", lambda x: x[True], x=x)
case("False adds an empty axis", lambda x: x[None, False], x=x)
case("mask and index tensor broadcast", lambda x, m, i: x[m, i], x=x, m=torch.tensor([True, False, True, False]),
     i=L([[0], [4]]))


# index_put_ (Python's setitem is index_put_ without accumulate).
def put(x, v):
    y = x.clone()
    y[[0, 0, 2], 1:4] = v
    return y


def put_acc(x, v, i, j):
    y = x.clone()
    y.index_put_((i, j), v, accumulate=True)
    return y


def put_scalar_mask(x, m):
    y = x * 1.0
    y[m] = 0.5
    return y


def put_slice(x, v):
    y = x.clone()
    y[1:3, :, 0] = v
    return y


def put_separated(x, v, i, j):
    y = x.clone()
    y[i, :, j] = v
    return y


def mul_through_view(x):
    y = x.clone()
    y[:, 0].mul_(2)
    return y


case("index_put_ index tensor and slice", lambda x, v: put(x, v), x=x, v=torch.randn(3, 1, 6, dtype=DT))
case("index_put_ accumulate duplicates", put_acc, x=x, v=torch.randn(4, 6, dtype=DT), i=L([0, 0, 2, 0]),
     j=L([1, 1, 3, 1]))
case("index_put_ scalar under a mask", put_scalar_mask, x=x, m=x < 0)
case("index_put_ slices write through the view", put_slice, x=x, v=torch.randn(2, 5, dtype=DT))
case("index_put_ separated index tensors", put_separated, x=x, v=torch.randn(5, dtype=DT), i=L([0, 1]), j=L([2, 3]))
case("mul_ through an indexed view", mul_through_view, x=x)

# masked ops.
m56 = torch.randn(5, 6) > 0
case("masked_fill scalar", lambda x, m: x.masked_fill(m, 0.25), x=x, m=m56)
case("masked_fill tensor value", lambda x, m, v: x.masked_fill(m, v), x=x, m=m56, v=torch.tensor(1.5, dtype=DT))


def masked_fill_(x, m, v):
    y = x.clone()
    y.masked_fill_(m, v)
    return y


case("masked_fill_", masked_fill_, x=x, m=m56, v=torch.tensor(-0.5, dtype=DT))
case("masked_select broadcast", lambda x, m: x.masked_select(m), x=x, m=torch.tensor([True, False, True, True, False, True]))

# index_add_, scatter family, take_along_dim.
def index_add_(x, i, s):
    y = x.clone()
    y.index_add_(1, i, s, alpha=2.0)
    return y


def scatter_(x, i, s):
    y = x.clone()
    y.scatter_(2, i, s)
    return y


def scatter_add_(x, i, s):
    y = x.clone()
    y.scatter_add_(0, i, s)
    return y


perm = torch.stack([torch.stack([torch.randperm(6)[:2] for _ in range(5)]) for _ in range(4)])  # [4, 5, 2], distinct per row
case("index_add_ alpha duplicates", index_add_, x=x, i=L([4, 0, 4]), s=torch.randn(4, 3, 6, dtype=DT))
case("scatter", lambda x, i, s: x.scatter(2, i, s), x=x, i=perm, s=torch.randn(4, 5, 2, dtype=DT))
case("scatter value", lambda x, i: x.scatter(2, i, 1.5), x=x, i=perm)
case("scatter_", scatter_, x=x, i=perm, s=torch.randn(4, 5, 2, dtype=DT))
case("scatter_add_ duplicates", scatter_add_, x=x, i=torch.randint(0, 4, (6, 5, 6)), s=torch.randn(6, 5, 6, dtype=DT))
case("take_along_dim broadcast", lambda x, i: torch.take_along_dim(x, i, 2), x=x, i=torch.randint(0, 6, (4, 1, 3)))
case("take_along_dim flattened", lambda x, i: torch.take_along_dim(x, i), x=x, i=torch.randint(0, 120, (7,)))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "indexing.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to tests/fixtures/indexing.json")
