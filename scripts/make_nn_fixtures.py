#!/usr/bin/python3
"""Regenerates tests/fixtures/nn_parity.json: PyTorch's values and gradients for xgrad's nn losses
and Linear/activation stacks, on fixed float64 inputs. The C++ parity test (tests/test_nn_parity.cpp)
feeds the same inputs to xgrad and expects agreement to 1e-12, without needing torch at test time.

Run from anywhere with Debian's torch:  /usr/bin/python3 scripts/make_nn_fixtures.py
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20240605)
DT = torch.float64


def enc(t):
    """A tensor as {dtype, shape, data}; float64 values keep all their digits (repr round-trips)."""
    t = t.detach()
    dtype = {torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    data = t.reshape(-1).tolist()
    if dtype == "float64":
        assert all(math.isfinite(v) for v in data), "fixtures hold finite values only"
    return {"dtype": dtype, "shape": list(t.shape), "data": data}


def loss_case(name, fn, tensors, options, grad_wrt):
    """Runs torch's functional loss; records output, a random upstream gradient and the grads."""
    leaves = {k: (v.clone().requires_grad_() if k in grad_wrt else v) for k, v in tensors.items()}
    kwargs = dict(options)
    for k in ("weight", "pos_weight"):
        if k in leaves:
            kwargs[k] = leaves[k]
    out = getattr(F, fn)(leaves["input"], leaves["target"], **kwargs)
    grad_output = torch.randn(out.shape, dtype=DT) if out.dim() > 0 else torch.ones((), dtype=DT)
    grads = torch.autograd.grad(out, [leaves[k] for k in grad_wrt], grad_output) if grad_wrt else []
    return {
        "name": name,
        "fn": fn,
        "options": options,
        "tensors": {k: enc(v) for k, v in tensors.items()},
        "grad_wrt": grad_wrt,
        "output": enc(out),
        "grad_output": enc(grad_output),
        "grads": {k: enc(g) for k, g in zip(grad_wrt, grads)},
    }


def losses():
    cases = []
    reductions = ["mean", "sum", "none"]
    x, y = torch.randn(3, 4, dtype=DT) * 2, torch.randn(3, 4, dtype=DT) * 2
    for r in reductions:
        for fn in ("mse_loss", "l1_loss"):
            cases.append(loss_case(f"{fn}/{r}", fn, {"input": x, "target": y}, {"reduction": r}, ["input", "target"]))
        for delta in (1.0, 0.5):
            cases.append(loss_case(f"huber_loss/{r}/delta={delta}", "huber_loss", {"input": x, "target": y},
                                   {"reduction": r, "delta": delta}, ["input", "target"]))
        for beta in (1.0, 0.5, 0.0):
            cases.append(loss_case(f"smooth_l1_loss/{r}/beta={beta}", "smooth_l1_loss", {"input": x, "target": y},
                                   {"reduction": r, "beta": beta}, ["input", "target"]))

    # kl_div: input log-probabilities; targets probabilities (or log-probabilities with log_target).
    logp = torch.randn(3, 4, dtype=DT).log_softmax(1)
    q = torch.randn(3, 4, dtype=DT).softmax(1)
    q_zero = q.clone()
    q_zero[1, 2] = 0.0  # t·log t = 0 at t = 0
    for r in reductions + ["batchmean"]:
        cases.append(loss_case(f"kl_div/{r}", "kl_div", {"input": logp, "target": q}, {"reduction": r},
                               ["input", "target"]))
        cases.append(loss_case(f"kl_div/{r}/log_target", "kl_div", {"input": logp, "target": q.log()},
                               {"reduction": r, "log_target": True}, ["input", "target"]))
        cases.append(loss_case(f"kl_div/{r}/zero_target", "kl_div", {"input": logp, "target": q_zero},
                               {"reduction": r}, ["input"]))

    # binary cross-entropy on probabilities, including 0 and 1 exactly (logs clamped at -100).
    p = torch.rand(3, 4, dtype=DT) * 0.98 + 0.01
    t = torch.rand(3, 4, dtype=DT)
    w = torch.rand(4, dtype=DT) + 0.5
    edge_p = torch.tensor([[0.0, 1.0, 0.5, 1e-30]], dtype=DT)
    edge_t = torch.tensor([[0.0, 1.0, 0.25, 0.0]], dtype=DT)
    for r in reductions:
        cases.append(loss_case(f"binary_cross_entropy/{r}", "binary_cross_entropy", {"input": p, "target": t},
                               {"reduction": r}, ["input", "target"]))
        cases.append(loss_case(f"binary_cross_entropy/{r}/weight", "binary_cross_entropy",
                               {"input": p, "target": t, "weight": w}, {"reduction": r}, ["input", "target"]))
        cases.append(loss_case(f"binary_cross_entropy/{r}/edges", "binary_cross_entropy",
                               {"input": edge_p, "target": edge_t}, {"reduction": r}, ["input"]))

    # ... and on logits, with ±1000 (stability) and 0 in the mix.
    z = torch.randn(3, 4, dtype=DT) * 3
    z[0, 0], z[0, 1], z[1, 1], z[2, 3] = 1000.0, -1000.0, 0.0, -30.0
    pw = torch.rand(4, dtype=DT) * 2 + 0.2
    for r in reductions:
        cases.append(loss_case(f"bce_with_logits/{r}", "binary_cross_entropy_with_logits",
                               {"input": z, "target": t}, {"reduction": r}, ["input", "target"]))
        cases.append(loss_case(f"bce_with_logits/{r}/weight+pos_weight", "binary_cross_entropy_with_logits",
                               {"input": z, "target": t, "weight": w, "pos_weight": pw}, {"reduction": r},
                               ["input", "target"]))

    # cross-entropy with class indices: weights, ignore_index, label smoothing, N-d and 1-D inputs.
    logits = torch.randn(5, 4, dtype=DT) * 2
    labels = torch.tensor([0, 3, 1, 3, 2])
    labels_ignored = torch.tensor([0, -100, 1, 3, -100])
    labels_ignore_1 = torch.tensor([1, 3, 1, 0, 2])
    cw = torch.rand(4, dtype=DT) + 0.5
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=DT)
    big_labels = torch.tensor([1, 2])
    nd = torch.randn(2, 3, 2, 2, dtype=DT)
    nd_labels = torch.randint(0, 3, (2, 2, 2))
    one = torch.randn(4, dtype=DT)
    one_label = torch.tensor(2)
    probs = torch.randn(5, 4, dtype=DT).softmax(1)
    for r in reductions:
        ce = "cross_entropy"
        cases.append(loss_case(f"{ce}/{r}", ce, {"input": logits, "target": labels}, {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/weight", ce, {"input": logits, "target": labels, "weight": cw},
                               {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/ignore", ce, {"input": logits, "target": labels_ignored, "weight": cw},
                               {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/ignore_index=1", ce, {"input": logits, "target": labels_ignore_1},
                               {"reduction": r, "ignore_index": 1}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/smoothing", ce, {"input": logits, "target": labels_ignored},
                               {"reduction": r, "label_smoothing": 0.2}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/smoothing+weight", ce,
                               {"input": logits, "target": labels_ignored, "weight": cw},
                               {"reduction": r, "label_smoothing": 0.15}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/logits±1000", ce, {"input": big, "target": big_labels}, {"reduction": r},
                               ["input"]))
        cases.append(loss_case(f"{ce}/{r}/nd", ce, {"input": nd, "target": nd_labels}, {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{ce}/{r}/unbatched", ce, {"input": one, "target": one_label}, {"reduction": r},
                               ["input"]))
        cases.append(loss_case(f"{ce}/{r}/probabilities", ce, {"input": logits, "target": probs},
                               {"reduction": r}, ["input", "target"]))
        cases.append(loss_case(f"{ce}/{r}/probabilities+weight+smoothing", ce,
                               {"input": logits, "target": probs, "weight": cw},
                               {"reduction": r, "label_smoothing": 0.1}, ["input", "target"]))
        nll = "nll_loss"
        lp = logits.log_softmax(1)
        cases.append(loss_case(f"{nll}/{r}", nll, {"input": lp, "target": labels}, {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{nll}/{r}/weight+ignore", nll, {"input": lp, "target": labels_ignored, "weight": cw},
                               {"reduction": r}, ["input"]))
        cases.append(loss_case(f"{nll}/{r}/nd", nll, {"input": nd.log_softmax(1), "target": nd_labels},
                               {"reduction": r}, ["input"]))
    return cases


ACTIVATIONS = {
    "relu": torch.nn.ReLU(),
    "tanh": torch.nn.Tanh(),
    "sigmoid": torch.nn.Sigmoid(),
    "elu": torch.nn.ELU(alpha=0.7),
    "leaky_relu": torch.nn.LeakyReLU(0.1),
    "gelu": torch.nn.GELU(),
    "gelu_tanh": torch.nn.GELU(approximate="tanh"),
}


def stacks():
    """Linear(3, 5) -> activation -> Linear(5, 2) [-> Softmax | LogSoftmax] as an nn.Sequential."""
    cases = []
    x = torch.randn(4, 3, dtype=DT)
    for act_name, act in ACTIVATIONS.items():
        for final in ("none", "softmax", "log_softmax"):
            layers = [torch.nn.Linear(3, 5), act, torch.nn.Linear(5, 2)]
            if final == "softmax":
                layers.append(torch.nn.Softmax(dim=1))
            if final == "log_softmax":
                layers.append(torch.nn.LogSoftmax(dim=1))
            net = torch.nn.Sequential(*layers).to(DT)
            xi = x.clone().requires_grad_()
            out = net(xi)
            grad_output = torch.randn(out.shape, dtype=DT)
            params = dict(net.named_parameters())
            grads = torch.autograd.grad(out, [xi] + list(params.values()), grad_output)
            cases.append({
                "name": f"{act_name}/{final}",
                "activation": act_name,
                "final": final,
                "state_dict": {k: enc(v) for k, v in net.state_dict().items()},
                "input": enc(x),
                "output": enc(out),
                "grad_output": enc(grad_output),
                "grads": {"input": enc(grads[0]), **{k: enc(g) for k, g in zip(params, grads[1:])}},
            })
    return cases


def init_reference():
    gains = {name: torch.nn.init.calculate_gain(name) for name in ("linear", "sigmoid", "tanh", "relu", "selu",
                                                                    "leaky_relu", "conv2d")}
    gains["leaky_relu(0.2)"] = torch.nn.init.calculate_gain("leaky_relu", 0.2)
    fans = []
    for shape in ([5, 3], [8, 4, 3, 3], [2, 7, 5]):
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        fans.append({"shape": shape, "fan_in": fi, "fan_out": fo})
    return {"gains": gains, "fans": fans}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "tests", "fixtures", "nn_parity.json")
    fixture = {
        "generator": f"scripts/make_nn_fixtures.py with torch {torch.__version__}",
        "losses": losses(),
        "stacks": stacks(),
        "init": init_reference(),
    }
    with open(out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}: {len(fixture['losses'])} loss cases, {len(fixture['stacks'])} stacks, "
          f"{os.path.getsize(out)} bytes")


if __name__ == "__main__":
    sys.exit(main())
