"""The PyTorch (Python) side of bench/conv.cpp: the same convolutions (the table of
bench/conv_shapes.hpp, repeated here), thread count and timing (best of 5 timings of n calls).

Usage: /usr/bin/python3 bench/conv_torch.py <threads>
Prints "<shape>_fwd_ms <value>" and "<shape>_step_ms <value>" like the C++ benchmarks.
"""
import sys
import time

import torch
import torch.nn.functional as F

# name, batch, in_channels, height, width, out_channels, kernel, input_grad (bench/conv_shapes.hpp)
SHAPES = [
    ("fashion_conv1", 128, 1, 28, 28, 32, 3, False),
    ("fashion_conv2", 128, 32, 14, 14, 64, 3, True),
    ("resnet_64x56x56", 8, 64, 56, 56, 64, 3, True),
]


def best_seconds(n, f):
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    torch.manual_seed(0)
    for name, batch, cin, h, w_, cout, k, input_grad in SHAPES:
        x = torch.randn(batch, cin, h, w_).requires_grad_(input_grad)
        w = (torch.randn(cout, cin, k, k) * 0.1).requires_grad_()
        b = torch.zeros(cout).requires_grad_()
        g = torch.randn(batch, cout, h, w_)
        wrt = [w, b] + ([x] if input_grad else [])
        flops = 2.0 * batch * cout * h * w_ * cin * k * k
        n = int(min(max(1e10 / (3.0 * flops), 2.0), 200.0))

        def forward():
            with torch.no_grad():
                F.conv2d(x, w, b, 1, 1)

        def step():
            torch.autograd.grad(F.conv2d(x, w, b, 1, 1), wrt, g)

        print(f"{name}_fwd_ms {best_seconds(n, forward) * 1e3:.4f}")
        print(f"{name}_step_ms {best_seconds(n, step) * 1e3:.4f}")


if __name__ == "__main__":
    main()
