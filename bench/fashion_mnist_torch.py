"""PyTorch side of the Fashion-MNIST comparison: the trainer's default model and settings
(784-256-10, ReLU, Adam lr 1e-3, batch 128, cross-entropy, same normalization and split sizes),
or with --model cnn the trainer's CNN (examples/fashion_mnist/cnn_model.cpp: two 3x3 convolutions
with batch-norm, ReLU and 2x2 max-pool, dropout 0.25, linear 3136-128-10), one intra-op thread unless
told otherwise. Reads the same IDX files with numpy.

Usage: /usr/bin/python3 bench/fashion_mnist_torch.py [epochs] [threads] [data folder] [--model mlp|cnn]
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


def build(model):
    if model == "mlp":
        return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    layers = [torch.nn.Unflatten(1, (1, 28, 28))]
    for cin, cout in ((1, 32), (32, 64)):
        layers += [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.BatchNorm2d(cout), torch.nn.ReLU(),
                   torch.nn.MaxPool2d(2)]
    layers += [torch.nn.Dropout(0.25), torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 128), torch.nn.ReLU(),
               torch.nn.Dropout(0.25), torch.nn.Linear(128, 10)]
    return torch.nn.Sequential(*layers)


def main():
    args = sys.argv[1:]
    model = "mlp"
    if "--model" in args:
        at = args.index("--model")
        model = args[at + 1]
        del args[at:at + 2]
    epochs = int(args[0]) if len(args) > 0 else 10
    threads = int(args[1]) if len(args) > 1 else 1
    folder = args[2] if len(args) > 2 else "/usr/share/datasets/fashion-mnist"
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

    net = build(model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_fit, y_fit), batch_size=128, shuffle=True)

    def accuracy(x, y):
        net.eval()
        with torch.no_grad():
            result = (torch.cat([net(part) for part in x.split(1000)]).argmax(1) == y).float().mean().item()
        net.train()
        return result

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
