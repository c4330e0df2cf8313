#!/usr/bin/env python3
"""Writes tests/fixtures/optim_*.json: torch's reference trajectories for xgrad's optim tests.

Run with the Debian torch (python3-torch) from the repository root or anywhere:
    /usr/bin/python3 scripts/make_optim_fixtures.py
Everything runs in float64 on fixed problems: 50 optimizer steps on a Rosenbrock function and on a
tiny MLP, the lr of every scheduler over 100 steps, ReduceLROnPlateau on a scripted metric, and
gradient clipping on fixed gradients. Floats are written with repr, so they round-trip exactly.
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
STEPS = 50

# ---- problems -------------------------------------------------------------------------------

X0 = [-1.2, 1.0, 0.8, -0.5]


def rosenbrock(x):
    a, b = x[:-1], x[1:]
    return (100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a)).sum()


rng = np.random.default_rng(20240607)
MLP_X = rng.uniform(-1.5, 1.5, size=(16, 3))
MLP_Y = (np.sin(MLP_X[:, 0]) + MLP_X[:, 1] * MLP_X[:, 2]).reshape(16, 1)
MLP_SHAPES = [("w1", (8, 3)), ("b1", (8,)), ("w2", (6, 8)), ("b2", (6,)), ("w3", (1, 6)), ("b3", (1,))]
MLP_INIT = {name: rng.uniform(-0.6, 0.6, size=shape) for name, shape in MLP_SHAPES}


def mlp_loss(params, x, y):
    w1, b1, w2, b2, w3, b3 = params
    h = torch.tanh(torch.nn.functional.linear(x, w1, b1))
    h = torch.relu(torch.nn.functional.linear(h, w2, b2))
    out = torch.nn.functional.linear(h, w3, b3)
    return ((out - y) * (out - y)).mean()


# ---- optimizer runs -------------------------------------------------------------------------

# name, optimizer, options without lr, lr on Rosenbrock, lr on the MLP, negate (maximize -f)
RUNS = [
    ("sgd", "SGD", {}, 1e-4, 0.1, False),
    ("sgd_momentum", "SGD", {"momentum": 0.9}, 1e-4, 0.05, False),
    ("sgd_nesterov", "SGD", {"momentum": 0.9, "nesterov": True}, 1e-4, 0.05, False),
    ("sgd_dampening", "SGD", {"momentum": 0.8, "dampening": 0.3}, 1e-4, 0.05, False),
    ("sgd_weight_decay", "SGD", {"momentum": 0.5, "weight_decay": 0.1}, 1e-4, 0.05, False),
    ("sgd_maximize", "SGD", {"momentum": 0.9, "maximize": True}, 1e-4, 0.05, True),
    ("adam", "Adam", {}, 1e-2, 1e-2, False),
    # beta2 = 0.9 lets v fall, so the running max of amsgrad differs from v.
    ("adam_amsgrad", "Adam", {"amsgrad": True, "betas": [0.9, 0.9]}, 1e-2, 1e-2, False),
    ("adam_weight_decay", "Adam", {"weight_decay": 0.1, "betas": [0.8, 0.99], "eps": 1e-6}, 1e-2, 1e-2, False),
    ("adam_maximize", "Adam", {"maximize": True, "amsgrad": True, "betas": [0.9, 0.6]}, 1e-2, 1e-2, True),
    ("adamw", "AdamW", {}, 1e-2, 1e-2, False),
    ("adamw_amsgrad", "AdamW", {"amsgrad": True, "weight_decay": 0.1, "betas": [0.85, 0.9]}, 1e-2, 1e-2, False),
    ("rmsprop", "RMSprop", {}, 1e-3, 1e-3, False),
    ("rmsprop_centered", "RMSprop", {"centered": True}, 1e-3, 1e-3, False),
    ("rmsprop_momentum", "RMSprop", {"momentum": 0.9, "alpha": 0.9}, 1e-3, 1e-3, False),
    ("rmsprop_centered_momentum", "RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.05}, 1e-3,
     1e-3, False),
    ("rmsprop_maximize", "RMSprop", {"maximize": True}, 1e-3, 1e-3, True),
    ("adagrad", "Adagrad", {}, 0.1, 0.1, False),
    ("adagrad_lr_decay", "Adagrad", {"lr_decay": 0.05}, 0.1, 0.1, False),
    ("adagrad_initial_accumulator", "Adagrad", {"initial_accumulator_value": 0.5, "weight_decay": 0.01,
                                                "eps": 1e-8}, 0.1, 0.1, False),
    ("adagrad_maximize", "Adagrad", {"maximize": True}, 0.1, 0.1, True),
    ("adadelta", "Adadelta", {}, 1.0, 1.0, False),
    ("adadelta_rho_weight_decay", "Adadelta", {"rho": 0.95, "weight_decay": 0.01, "eps": 1e-5}, 1.0, 1.0, False),
    ("adadelta_maximize", "Adadelta", {"maximize": True}, 0.5, 0.5, True),
]

# Param groups (MLP only): groups of parameter indices with their own options over shared defaults.
GROUP_RUNS = [
    ("sgd_groups", "SGD", {"lr": 0.05, "momentum": 0.9},
     [{"params": [0, 1], "options": {"lr": 0.1, "momentum": 0.8, "nesterov": True}}, {"params": [2, 3, 4, 5]}]),
    ("adam_groups", "Adam", {"lr": 1e-2},
     [{"params": [0, 1, 2, 3]}, {"params": [4, 5], "options": {"lr": 3e-2, "amsgrad": True, "betas": [0.5, 0.9]}}]),
    ("rmsprop_groups", "RMSprop", {"lr": 1e-3, "centered": True},
     [{"params": [4, 5, 0]}, {"params": [1, 2, 3], "options": {"momentum": 0.7}}]),
]


def torch_options(options):
    out = dict(options)
    if "betas" in out:
        out["betas"] = tuple(out["betas"])
    return out


def run_rosenbrock(optimizer, options, lr, negate):
    x = torch.tensor(X0, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([x], lr=lr, **torch_options(options))
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        f = rosenbrock(x)
        losses.append(f.item())
        (-f if negate else f).backward()
        opt.step()
    return {"losses": losses, "final": [x.detach().numpy().ravel().tolist()]}


def mlp_params():
    return [torch.tensor(MLP_INIT[name], requires_grad=True) for name, _ in MLP_SHAPES]


def run_mlp(make_optimizer, negate):
    params = mlp_params()
    opt = make_optimizer(params)
    x, y = torch.tensor(MLP_X), torch.tensor(MLP_Y)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = mlp_loss(params, x, y)
        losses.append(loss.item())
        (-loss if negate else loss).backward()
        opt.step()
    return {"losses": losses, "final": [p.detach().numpy().ravel().tolist() for p in params]}


def optimizer_fixture():
    rosen, mlp = [], []
    for name, optimizer, options, rosen_lr, mlp_lr, negate in RUNS:
        r = {"name": name, "optimizer": optimizer, "options": dict(options, lr=rosen_lr), "negate": negate}
        r.update(run_rosenbrock(optimizer, options, rosen_lr, negate))
        rosen.append(r)
        m = {"name": name, "optimizer": optimizer, "options": dict(options, lr=mlp_lr), "negate": negate}
        cls = getattr(torch.optim, optimizer)
        m.update(run_mlp(lambda ps: cls(ps, lr=mlp_lr, **torch_options(options)), negate))
        mlp.append(m)
    for name, optimizer, defaults, groups in GROUP_RUNS:
        cls = getattr(torch.optim, optimizer)

        def make(ps, groups=groups, defaults=defaults, cls=cls):
            torch_groups = [dict(torch_options(g.get("options", {})), params=[ps[i] for i in g["params"]])
                            for g in groups]
            return cls(torch_groups, **torch_options(defaults))

        m = {"name": name, "optimizer": optimizer, "options": defaults, "groups": groups, "negate": False}
        m.update(run_mlp(make, False))
        mlp.append(m)
    return {
        "steps": STEPS,
        "rosenbrock": {"x0": X0, "runs": rosen},
        "mlp": {
            "x": MLP_X.ravel().tolist(), "x_shape": list(MLP_X.shape),
            "y": MLP_Y.ravel().tolist(), "y_shape": list(MLP_Y.shape),
            "params": [{"name": name, "shape": list(shape), "values": MLP_INIT[name].ravel().tolist()}
                       for name, shape in MLP_SHAPES],
            "runs": mlp,
        },
    }


# ---- schedulers -----------------------------------------------------------------------------

SCHED_STEPS = 100
S = torch.optim.lr_scheduler


def sgd_two_groups():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.9)


def adam_two_groups():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.002, "betas": (0.8, 0.99)}], lr=0.001)


def adagrad_two_groups():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.Adagrad([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)


# name, optimizer factory, list of (scheduler name, kwargs), momentum option to record (or None)
SCHEDULERS = [
    ("step", sgd_two_groups, [("StepLR", {"step_size": 7, "gamma": 0.5})], None),
    ("multistep", sgd_two_groups, [("MultiStepLR", {"milestones": [10, 25, 25, 60], "gamma": 0.3})], None),
    ("exponential", sgd_two_groups, [("ExponentialLR", {"gamma": 0.97})], None),
    ("cosine_restarting", sgd_two_groups, [("CosineAnnealingLR", {"T_max": 30, "eta_min": 0.001})], None),
    ("cosine_full", adam_two_groups, [("CosineAnnealingLR", {"T_max": 100})], None),
    ("linear_warmup", sgd_two_groups, [("LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 20})],
     None),
    ("linear_defaults", sgd_two_groups, [("LinearLR", {})], None),
    ("linear_decay", sgd_two_groups, [("LinearLR", {"start_factor": 1.0, "end_factor": 0.2, "total_iters": 40})],
     None),
    ("constant", sgd_two_groups, [("ConstantLR", {"factor": 0.5, "total_iters": 10})], None),
    ("polynomial", sgd_two_groups, [("PolynomialLR", {"total_iters": 60, "power": 2.0})], None),
    ("warm_restarts", sgd_two_groups, [("CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2, "eta_min": 1e-4})],
     None),
    ("onecycle_sgd", sgd_two_groups, [("OneCycleLR", {"max_lr": [0.5, 0.05], "total_steps": 100})], "momentum"),
    ("onecycle_adam_three_phase", adam_two_groups,
     # 11 x 10 steps: torch allows a step past the last phase's end, where a linear anneal of the
     # three-phase schedule overshoots min_lr below zero, which xgrad refuses as an invalid lr.
     [("OneCycleLR", {"max_lr": 0.01, "epochs": 11, "steps_per_epoch": 10, "anneal_strategy": "linear",
                      "three_phase": True, "pct_start": 0.25, "base_momentum": 0.8, "max_momentum": 0.9})],
     "betas"),
    ("onecycle_no_momentum", adagrad_two_groups,
     [("OneCycleLR", {"max_lr": 0.2, "total_steps": 120, "cycle_momentum": False, "pct_start": 0.4,
                      "div_factor": 10.0, "final_div_factor": 100.0})], None),
    ("chain_linear_cosine", sgd_two_groups,
     [("LinearLR", {"start_factor": 0.25, "total_iters": 10}), ("CosineAnnealingLR", {"T_max": 100})], None),
    ("chain_step_exponential", sgd_two_groups,
     [("StepLR", {"step_size": 10, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.99})], None),
    # The lambdas are written out again in the C++ test.
    ("lambda", sgd_two_groups, [("LambdaLR", {})], None),
    ("multiplicative", sgd_two_groups, [("MultiplicativeLR", {})], None),
    ("cyclic_triangular", sgd_two_groups, [("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.05], "step_size_up": 7})],
     "momentum"),
    ("cyclic_triangular2", sgd_two_groups,
     [("CyclicLR", {"base_lr": [0.01, 0.001], "max_lr": 0.1, "step_size_up": 5, "step_size_down": 11,
                    "mode": "triangular2", "base_momentum": 0.85, "max_momentum": 0.95})], "momentum"),
    ("cyclic_exp_range", adagrad_two_groups,
     [("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "mode": "exp_range", "gamma": 0.98,
                    "cycle_momentum": False})], None),
]

LAMBDAS = {
    "LambdaLR": lambda epoch: 1.0 / (1.0 + 0.05 * epoch),
    "MultiplicativeLR": lambda epoch: 0.9 if epoch % 3 == 0 else 0.98,
}


def momentum_of(opt, option):
    if option == "betas":
        return [g["betas"][0] for g in opt.param_groups]
    return [g["momentum"] for g in opt.param_groups]


def make_schedulers(opt, scheds):
    made = []
    for sched, kwargs in scheds:
        if sched in LAMBDAS:
            kwargs = dict(kwargs, lr_lambda=LAMBDAS[sched])
        made.append(getattr(S, sched)(opt, **kwargs))
    return made


def scheduler_fixture():
    out = []
    for name, make_opt, scheds, momentum in SCHEDULERS:
        opt = make_opt()
        made = make_schedulers(opt, scheds)
        lrs = [[g["lr"] for g in opt.param_groups]]
        momenta = [momentum_of(opt, momentum)] if momentum else []
        for _ in range(SCHED_STEPS):
            opt.step()
            for s in made:
                s.step()
            lrs.append([g["lr"] for g in opt.param_groups])
            assert lrs[-1] == made[-1].get_last_lr()
            if momentum:
                momenta.append(momentum_of(opt, momentum))
        entry = {"name": name, "optimizer": type(opt).__name__,
                 "schedulers": [{"type": s, "args": a} for s, a in scheds], "lrs": lrs}
        if momentum:
            entry["momentum_option"] = momentum
            entry["momenta"] = momenta
        out.append(entry)
    return out


# SequentialLR: name, schedulers (made on one SGD optimizer, in order), milestones.
SEQUENTIALS = [
    ("warmup_cosine", [("LinearLR", {"start_factor": 0.1, "total_iters": 5}), ("CosineAnnealingLR", {"T_max": 30})],
     [5]),
    ("constant_exponential_step", [("ConstantLR", {"factor": 0.5, "total_iters": 4}), ("ExponentialLR", {"gamma": 0.9}),
                                   ("StepLR", {"step_size": 3, "gamma": 0.5})], [6, 20]),
    ("lambda_restarts", [("LambdaLR", {}), ("CosineAnnealingWarmRestarts", {"T_0": 7, "T_mult": 2})], [10]),
    ("multistep_multiplicative", [("MultiStepLR", {"milestones": [3, 8], "gamma": 0.5}), ("MultiplicativeLR", {}),
                                  ("PolynomialLR", {"total_iters": 20, "power": 1.5})], [12, 40]),
]


def sequential_fixture():
    out = []
    for name, scheds, milestones in SEQUENTIALS:
        opt = sgd_two_groups()
        made = make_schedulers(opt, scheds)
        seq = S.SequentialLR(opt, made, milestones)
        lrs = [[g["lr"] for g in opt.param_groups]]
        for _ in range(SCHED_STEPS):
            opt.step()
            seq.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        out.append({"name": name, "schedulers": [{"type": s, "args": a} for s, a in scheds],
                    "milestones": milestones, "lrs": lrs})
    return out


def plateau_metrics():
    metrics = []
    for t in range(SCHED_STEPS):
        if t < 30:
            metrics.append(1.0 / (1.0 + t / 10.0))
        else:
            metrics.append(0.25 + 0.004 * math.sin(1.7 * t) + (0.02 if t % 17 == 0 else 0.0))
    return metrics


PLATEAUS = [
    ("defaults", False, {}),
    ("max_abs_cooldown", True, {"mode": "max", "threshold_mode": "abs", "threshold": 0.001, "patience": 3,
                                "cooldown": 4, "factor": 0.5, "min_lr": [0.02, 0.001]}),
    ("min_abs_small_patience", False, {"threshold_mode": "abs", "threshold": 0.002, "patience": 1, "cooldown": 2,
                                       "factor": 0.7, "min_lr": 1e-3}),
    ("min_rel_eps", False, {"patience": 2, "factor": 0.5, "eps": 1e-3, "threshold": 0.01}),
]


def plateau_fixture():
    metrics = plateau_metrics()
    out = []
    for name, negate, kwargs in PLATEAUS:
        opt = sgd_two_groups()
        s = S.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in metrics:
            s.step(-m if negate else m)
            lrs.append([g["lr"] for g in opt.param_groups])
        out.append({"name": name, "negate": negate, "args": kwargs, "lrs": lrs})
    return {"metrics": metrics, "runs": out}


# ---- clipping -------------------------------------------------------------------------------

CLIP_GRADS = [np.linspace(-2.0, 3.0, 6).reshape(2, 3), np.array([0.5, -4.0, 1.25]), np.array([[0.1]])]


def clip_fixture():
    out = []
    for max_norm, norm_type in [(1.0, 2.0), (2.5, 1.0), (0.5, math.inf), (3.0, 3.0), (100.0, 2.0)]:
        ps = []
        for g in CLIP_GRADS:
            p = torch.zeros(g.shape, requires_grad=True)
            p.grad = torch.tensor(g)
            ps.append(p)
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        out.append({"kind": "norm", "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                    "total_norm": total.item(), "grads": [p.grad.numpy().ravel().tolist() for p in ps]})
    ps = []
    for g in CLIP_GRADS:
        p = torch.zeros(g.shape, requires_grad=True)
        p.grad = torch.tensor(g)
        ps.append(p)
    torch.nn.utils.clip_grad_value_(ps, 1.5)
    out.append({"kind": "value", "clip_value": 1.5, "grads": [p.grad.numpy().ravel().tolist() for p in ps]})
    return {"grads": [{"shape": list(g.shape), "values": g.ravel().tolist()} for g in CLIP_GRADS], "cases": out}


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write("optim_trajectories.json", optimizer_fixture())
    write("optim_schedulers.json", {"steps": SCHED_STEPS, "runs": scheduler_fixture(), "plateau": plateau_fixture(),
                                     "sequential": sequential_fixture()})
    write("optim_clip.json", clip_fixture())
    print(f"torch {torch.__version__}")
