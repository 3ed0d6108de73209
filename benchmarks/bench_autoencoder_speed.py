"""Epoch time of one dense autoencoder through skdlies, skorch's default loop and plain PyTorch.

All three train the module of ``DenseAutoencoder()`` (784-128-64-32, ReLU, sigmoid
output, binary cross-entropy, Adam lr 1e-3, shuffled batches) on the MNIST
training images in one process, alternating rounds; the median epoch time of
the best round is reported.

Usage::

    python benchmarks/bench_autoencoder_speed.py --data ../shared/data/mnist.npz
    python benchmarks/bench_autoencoder_speed.py            # built-in 8x8 digits, tiled to 60k rows
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import torch
from _timing import best_median_epoch, report
from skorch import NeuralNet

from skdlies.autoencoders import DenseAutoencoder
from skdlies.autoencoders._modules import ReconstructionLoss
from skdlies.datasets import load_mnist, load_small_digits


def load(path: str | None) -> np.ndarray:
    if path:
        return load_mnist("train", path=path).data
    X = load_small_digits("all").data
    return np.tile(X, (60000 // len(X) + 1, 1))[:60000]


def module_and_criterion(X: np.ndarray, seed: int):
    """The exact module and criterion DenseAutoencoder builds, built by DenseAutoencoder."""
    est = DenseAutoencoder(max_epochs=1, random_state=seed)
    est._resolve_output(X)
    torch.manual_seed(seed)
    return est._build_module(X), ReconstructionLoss(est.loss_, est.output_activation_)


def plain_pytorch(X: np.ndarray, epochs: int, batch_size: int) -> list[float]:
    module, criterion = module_and_criterion(X, 0)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    data = torch.from_numpy(X)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        module.train()
        order = torch.randperm(len(data))
        for i in range(0, len(data), batch_size):
            xb = data[order[i : i + batch_size]]
            optimizer.zero_grad()
            loss = criterion(module(xb), xb)
            loss.backward()
            optimizer.step()
            loss.item()
        times.append(time.perf_counter() - start)
    return times


def skorch_default(X: np.ndarray, epochs: int, batch_size: int) -> list[float]:
    module, criterion = module_and_criterion(X, 0)
    net = NeuralNet(
        module, criterion, optimizer=torch.optim.Adam, lr=1e-3, max_epochs=epochs,
        batch_size=batch_size, train_split=None, iterator_train__shuffle=True, verbose=0,
    )
    net.fit(X, X)
    return list(net.history[:, "dur"])


def skdlies_estimator(X: np.ndarray, epochs: int, batch_size: int) -> list[float]:
    est = DenseAutoencoder(max_epochs=epochs, batch_size=batch_size, random_state=0).fit(X)
    return list(est.net_.history[:, "dur"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="path to mnist.npz (default: built-in digits, tiled)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)

    X = load(args.data)
    runners = {"plain PyTorch": plain_pytorch, "skorch default": skorch_default,
               "skdlies": skdlies_estimator}
    best = best_median_epoch(
        {name: partial(run, X, args.epochs, args.batch_size) for name, run in runners.items()},
        args.rounds,
    )
    report(best, "plain PyTorch",
           f"data: {X.shape}, batch {args.batch_size}, {args.epochs} epochs x {args.rounds} rounds",
           target=("skdlies", 1.15))


if __name__ == "__main__":
    main()
