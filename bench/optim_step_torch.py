"""The torch.optim side of bench/optim_step.cpp: one step over 1M parameters, one thread.

Usage: /usr/bin/python3 bench/optim_step_torch.py [--foreach]
Prints "<name> <µs per step>" lines with the C++ benchmark's names. torch 1.13 runs its
single-tensor loops by default on CPU; --foreach times its multi-tensor kernels instead.
"""
import sys
import time

import torch

NUMEL = 1 << 20


def best_us(step, repeats=5, iterations=40):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            step()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e6


def run(name, make, dtype=torch.float32):
    torch.manual_seed(0)
    param = torch.randn(NUMEL, dtype=dtype, requires_grad=True)
    param.grad = torch.randn(NUMEL, dtype=dtype) * 1e-3
    opt = make([param])
    for _ in range(5):
        opt.step()
    print(f"{name} {best_us(opt.step):.1f}", flush=True)


def main():
    torch.set_num_threads(1)
    extra = {"foreach": True} if "--foreach" in sys.argv else {}
    optim = torch.optim
    run("adam_us", lambda ps: optim.Adam(ps, lr=1e-3, **extra))
    run("adam_amsgrad_us", lambda ps: optim.Adam(ps, lr=1e-3, amsgrad=True, **extra))
    run("adamw_us", lambda ps: optim.AdamW(ps, lr=1e-3, **extra))
    run("sgd_momentum_us", lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9, **extra))
    run("rmsprop_us", lambda ps: optim.RMSprop(ps, lr=1e-3, **extra))
    run("adam_float64_us", lambda ps: optim.Adam(ps, lr=1e-3, **extra), torch.float64)


if __name__ == "__main__":
    main()
