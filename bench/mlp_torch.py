"""The PyTorch (Python) side of bench/mlp.cpp: the same MLP training step, sizes and thread count.

Usage: /usr/bin/python3 bench/mlp_torch.py <threads> <batch> <widths...> [--bf16]
With --bf16 the forward runs under torch.autocast("cpu", dtype=torch.bfloat16).
Prints "step_ms <value>" like the C++ benchmarks.
"""
import sys
import time

import torch


def main():
    numbers = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    threads, batch, sizes = numbers[0], numbers[1], numbers[2:]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))

    bf16 = "--bf16" in sys.argv
    if "--ftz" in sys.argv:
        torch.set_flush_denormal(True)

    def step():
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits.float(), y)
        loss.backward()
        opt.step()

    for _ in range(20):
        step()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(20):
            step()
        best = min(best, (time.perf_counter() - start) / 20)
    print(f"step_ms {best * 1e3:.4f}")


if __name__ == "__main__":
    main()
