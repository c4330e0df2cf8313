#!/usr/bin/python3
"""Writes tests/fixtures/cnn.json: torch 1.13's values and gradients for xgrad's convolution,
pooling and normalization ops (tests/test_cnn.cpp), on small odd-sized float64 inputs.

Run from anywhere with Debian's torch:  /usr/bin/python3 scripts/make_cnn_fixtures.py
Each case lists its inputs, the options, an upstream gradient `grad` for the output, the output
and the gradient of sum(output * grad) for every input that requires grad. Inputs have 8 decimals
(exact in the file); results are written to 15 significant digits, enough for 1e-10 checks.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "cnn.json")
rng = np.random.default_rng(20261201)


def t(*shape):
    # 8 significant digits: exact in the file, and short (the fixture stays small)
    return torch.tensor(np.round(rng.uniform(-1.0, 1.0, size=shape), 8), requires_grad=True)


def enc(x):
    x = x.detach()
    return {"shape": list(x.shape), "values": [float(f"{v:.15g}") for v in x.reshape(-1).tolist()]}


def case(name, op, options, inputs, fn):
    out = fn(*inputs)
    if isinstance(out, tuple):
        out, extra = out[0], out[1:]
    else:
        extra = ()
    grad = torch.tensor(np.round(rng.uniform(-1.0, 1.0, size=tuple(out.shape)), 8))
    grads = torch.autograd.grad(out, [x for x in inputs if x is not None], grad)
    return {
        "name": name, "op": op, "options": options,
        "inputs": [enc(x) if x is not None else None for x in inputs],
        "grad": enc(grad), "output": enc(out), "input_grads": [enc(g) for g in grads],
        "extra": [enc(e) for e in extra],
    }


cases = []


def conv(name, x, w, b, stride, padding, dilation, groups):
    cases.append(case(name, "conv2d", {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
                      [x, w, b], lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups)))


conv("plain 3x2 kernel", t(1, 3, 5, 6), t(2, 3, 3, 2), t(2), [1, 1], [0, 0], [1, 1], 1)
conv("stride, padding, dilation, groups", t(1, 4, 7, 6), t(4, 2, 3, 3), t(4), [2, 1], [1, 2], [1, 2], 2)
conv("same, dilated, even kernel, no bias", t(1, 2, 6, 5), t(2, 2, 2, 3), None, [1, 1], "same", [2, 1], 1)
conv("depthwise stride 2", t(1, 3, 5, 5), t(3, 1, 3, 3), t(3), [2, 2], [1, 1], [1, 1], 3)
conv("valid, stride 3", t(1, 2, 8, 7), t(4, 1, 2, 2), t(4), [3, 2], "valid", [1, 1], 2)

cases.append(case("conv_transpose2d stride 2, output_padding", "conv_transpose2d",
                  {"stride": [2, 2], "padding": [1, 0], "output_padding": [1, 0], "groups": 1, "dilation": [1, 1]},
                  [t(1, 4, 3, 3), t(4, 2, 3, 2), t(2)],
                  lambda x, w, b: F.conv_transpose2d(x, w, b, [2, 2], [1, 0], [1, 0], 1, [1, 1])))
cases.append(case("conv_transpose2d groups, dilation", "conv_transpose2d",
                  {"stride": [1, 2], "padding": [0, 1], "output_padding": [0, 1], "groups": 2, "dilation": [2, 1]},
                  [t(1, 4, 3, 3), t(4, 1, 2, 3), None],
                  lambda x, w, b: F.conv_transpose2d(x, w, b, [1, 2], [0, 1], [0, 1], 2, [2, 1])))
cases.append(case("conv1d", "conv1d", {"stride": 2, "padding": 1, "dilation": 1, "groups": 1},
                  [t(2, 3, 10), t(4, 3, 3), t(4)], lambda x, w, b: F.conv1d(x, w, b, 2, 1, 1, 1)))

def maxpool(name, x, k, s, p, d):
    cases.append(case(name, "max_pool2d", {"kernel": k, "stride": s, "padding": p, "dilation": d}, [x],
                      lambda x: F.max_pool2d(x, k, s, p, d, return_indices=True)))


maxpool("max_pool2d 3, stride 2, pad 1", t(1, 3, 7, 8), [3, 3], [2, 2], [1, 1], [1, 1])
maxpool("max_pool2d 2x3, dilation 2", t(1, 2, 7, 8), [2, 3], [2, 1], [0, 1], [2, 2])
for include in (True, False):
    cases.append(case(f"avg_pool2d count_include_pad={include}", "avg_pool2d",
                      {"kernel": [3, 2], "stride": [2, 2], "padding": [1, 1], "count_include_pad": include},
                      [t(1, 2, 7, 6)], lambda x: F.avg_pool2d(x, [3, 2], [2, 2], [1, 1], count_include_pad=include)))
cases.append(case("adaptive_avg_pool2d 7x9 -> 3x4", "adaptive_avg_pool2d", {"output_size": [3, 4]},
                  [t(1, 2, 7, 9)], lambda x: F.adaptive_avg_pool2d(x, [3, 4])))


def bn(name, x, training, affine):
    c = x.shape[1]
    rm = torch.tensor(np.round(rng.uniform(-0.5, 0.5, size=c), 8))
    rv = torch.tensor(np.round(rng.uniform(0.5, 1.5, size=c), 8))
    w, b = (t(c), t(c)) if affine else (None, None)
    opts = {"training": training, "momentum": 0.1, "eps": 1e-5, "running_mean": enc(rm), "running_var": enc(rv)}
    rm, rv = rm.clone(), rv.clone()  # F.batch_norm updates them in place; the file keeps the old ones

    def fn(x, *wb):
        out = F.batch_norm(x, rm, rv, wb[0] if wb else None, wb[1] if wb else None, training, 0.1, 1e-5)
        return (out, rm, rv)

    cases.append(case(name, "batch_norm", opts, [x] + ([w, b] if affine else []), fn))


bn("batch_norm 2d train affine", t(3, 2, 4, 3), True, True)
bn("batch_norm 2d eval affine", t(2, 2, 3, 3), False, True)
bn("batch_norm 1d train, no affine", t(6, 4), True, False)
bn("batch_norm 1d [N, C, L] train", t(3, 4, 5), True, True)

cases.append(case("layer_norm over the last two dims", "layer_norm", {"normalized_shape": [3, 4], "eps": 1e-5},
                  [t(2, 3, 4), t(3, 4), t(3, 4)], lambda x, w, b: F.layer_norm(x, [3, 4], w, b, 1e-5)))
cases.append(case("group_norm 3 groups of 2 channels", "group_norm", {"num_groups": 3, "eps": 1e-5},
                  [t(2, 6, 3, 2), t(6), t(6)], lambda x, w, b: F.group_norm(x, 3, w, b, 1e-5)))
EMBED_INDEX = [[1, 2, 0], [4, 0, 6]]
cases.append(case("embedding with padding_idx 0", "embedding", {"index": EMBED_INDEX, "padding_idx": 0},
                  [t(7, 3)], lambda w: F.embedding(torch.tensor(EMBED_INDEX), w, padding_idx=0)))

# ceil_mode, count_include_pad and divisor_override: odd sizes, windows hanging off the bottom/right
# edge, a last window torch drops (it would start in the right padding), a kernel larger than the input.
def maxpool_ceil(name, x, k, s, p, d):
    cases.append(case(name, "max_pool2d", {"kernel": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": True},
                      [x], lambda x: F.max_pool2d(x, k, s, p, d, ceil_mode=True, return_indices=True)))


maxpool_ceil("max_pool2d ceil 3, stride 2, pad 1", t(1, 2, 7, 8), [3, 3], [2, 2], [1, 1], [1, 1])
maxpool_ceil("max_pool2d ceil 2x2 on 5x7", t(2, 2, 5, 7), [2, 2], [2, 2], [0, 0], [1, 1])
maxpool_ceil("max_pool2d ceil drops the window starting in the padding", t(1, 2, 5, 5), [2, 2], [2, 2], [1, 1], [1, 1])
maxpool_ceil("max_pool2d ceil dilated", t(1, 2, 7, 6), [2, 3], [2, 2], [1, 0], [2, 1])
maxpool_ceil("max_pool2d ceil kernel larger than input", t(1, 1, 2, 2), [3, 3], [3, 3], [0, 0], [1, 1])


def avgpool(name, x, k, s, p, ceil, include, divisor=None):
    cases.append(case(name, "avg_pool2d",
                      {"kernel": k, "stride": s, "padding": p, "ceil_mode": ceil, "count_include_pad": include,
                       "divisor_override": divisor},
                      [x], lambda x: F.avg_pool2d(x, k, s, p, ceil, include, divisor)))


for include in (True, False):
    avgpool(f"avg_pool2d ceil 3, stride 2, pad 1, count_include_pad={include}", t(1, 2, 7, 6), [3, 3], [2, 2], [1, 1],
            True, include)
    avgpool(f"avg_pool2d ceil 2x3 stride (3, 2), count_include_pad={include}", t(2, 2, 6, 7), [2, 3], [3, 2], [0, 1],
            True, include)
avgpool("avg_pool2d ceil drops the window starting in the padding", t(1, 2, 5, 5), [2, 2], [2, 2], [1, 1], True, True)
avgpool("avg_pool2d ceil kernel larger than input", t(1, 1, 2, 2), [3, 3], [3, 3], [0, 0], True, False)
avgpool("avg_pool2d divisor_override 5, ceil", t(1, 2, 7, 6), [3, 2], [2, 2], [1, 0], True, True, 5)
avgpool("avg_pool2d divisor_override 2, floor", t(1, 2, 5, 6), [2, 2], [1, 2], [1, 1], False, False, 2)


# F.pad in every mode: several dimensions, negative amounts (a crop first), 1-D and 2-D reflect.
def pad(name, x, amounts, mode, value=0.0):
    cases.append(case(name, "pad", {"pad": amounts, "mode": mode, "value": value}, [x],
                      lambda x: F.pad(x, amounts, mode, value) if mode == "constant" else F.pad(x, amounts, mode)))


pad("pad constant 0.5, a crop", t(2, 3, 4, 5), [1, 2, 3, -1], "constant", 0.5)
pad("pad constant over three dims", t(2, 3, 4), [1, 1, 0, 1, 2, 0], "constant")
pad("pad reflect 2-D", t(1, 2, 4, 5), [2, 1, 3, 2], "reflect")
pad("pad reflect 1-D", t(2, 3, 6), [2, 5], "reflect")
pad("pad replicate with a crop", t(1, 2, 4, 5), [3, 0, -1, 2], "replicate")
pad("pad circular 2-D", t(1, 2, 4, 5), [2, 5, 1, 0], "circular")
pad("pad circular crop then wrap", t(1, 2, 5), [-1, 2], "circular")


# Conv2d / Conv1d padding_mode: the layer's own forward (_conv_forward pads with F.pad, then convolves).
def conv_mode(name, op, x, w, b, stride, padding, dilation, groups, mode):
    make = nn.Conv2d if op == "conv2d_mode" else nn.Conv1d
    layer = make(x.shape[1], w.shape[0], tuple(w.shape[2:]), stride, padding, dilation, groups, b is not None, mode)
    cases.append(case(name, op, {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
                                 "kernel": list(w.shape[2:]), "mode": mode},
                      [x, w, b], lambda x, w, b: layer._conv_forward(x, w, b)))


nn = torch.nn
conv_mode("Conv2d reflect, stride", "conv2d_mode", t(1, 2, 6, 7), t(3, 2, 3, 3), t(3), [2, 1], [1, 2], [1, 1], 1, "reflect")
conv_mode("Conv2d replicate, dilation, groups", "conv2d_mode", t(1, 4, 5, 6), t(4, 2, 3, 2), t(4), [1, 1], [2, 1],
          [2, 1], 2, "replicate")
conv_mode("Conv2d circular same", "conv2d_mode", t(1, 2, 5, 6), t(2, 2, 2, 3), None, [1, 1], "same", [1, 2], 1,
          "circular")
conv_mode("Conv1d reflect, stride 2", "conv1d_mode", t(2, 3, 9), t(4, 3, 3), t(4), 2, 2, 1, 1, "reflect")
conv_mode("Conv1d circular same", "conv1d_mode", t(1, 2, 7), t(3, 2, 4), t(3), 1, "same", 1, 1, "circular")

# The state_dict of the PyTorch twin of the trainer's --model cnn (examples/fashion_mnist/cnn_model.hpp):
# an xgrad checkpoint of that model must carry exactly these names and shapes to load here.
twin = nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                     nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                     nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                     nn.Dropout(0.25), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
                     nn.Linear(128, 10))
cnn_state = [[name, list(t.shape)] for name, t in twin.state_dict().items()]

with open(OUT, "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases, "fashion_cnn_state_dict": cnn_state}, f, separators=(",", ":"))
print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")
