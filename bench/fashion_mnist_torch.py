"""PyTorch side of the Fashion-MNIST comparison: the trainer's default model and settings
(784-256-10, ReLU, Adam lr 1e-3, batch 128, cross-entropy, same normalization and split sizes),
one intra-op thread unless told otherwise. Reads the same IDX files with numpy.

Usage: /usr/bin/python3 bench/fashion_mnist_torch.py [epochs] [threads] [data folder]
Prints one line per epoch and "name value" summary lines for bench/fashion_mnist.sh.
"""
import gzip
import os
import resource
import sys
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(folder, train):
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 784), torch.from_numpy(labels.astype(np.int64))


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    folder = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/datasets/fashion-mnist"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x_train, y_train = load(folder, True)
    x_test, y_test = load(folder, False)
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    order = torch.randperm(len(x_train))
    val_idx, train_idx = order[:5000], order[5000:]
    x_val, y_val = x_train[val_idx], y_train[val_idx]
    x_fit, y_fit = x_train[train_idx], y_train[train_idx]

    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_fit, y_fit), batch_size=128, shuffle=True)

    def accuracy(x, y):
        with torch.no_grad():
            return (net(x).argmax(1) == y).float().mean().item()

    epoch_times, test_acc = [], 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        total, batches = 0.0, 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        epoch_times.append(time.perf_counter() - start)
        test_acc = accuracy(x_test, y_test)
        print(f"epoch {epoch + 1} | train loss {total / batches:.4f} | val acc {accuracy(x_val, y_val):.4f} | "
              f"test acc {test_acc:.4f} | {epoch_times[-1]:.2f} s", flush=True)
    print(f"epoch_seconds {min(epoch_times):.4f}")
    print(f"test_accuracy {test_acc:.4f}")
    print(f"peak_rss_MiB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
