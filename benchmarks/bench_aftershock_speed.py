"""Epoch time of AftershockNet vs a plain PyTorch loop on DeVries-sized data.

4.7M rows x 12 features (the size of the DeVries et al. training set; random
inputs, ~10% positives), batch 3500, the paper's network (6 x 50 tanh,
dropout 0.5, Adadelta lr 1, rho 0.95, eps 1e-7). ``--skorch`` adds skorch's
default per-sample loop (slow: minutes per epoch).

Usage::

    python benchmarks/bench_aftershock_speed.py [--rows 4700000] [--epochs 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import torch
from _timing import best_median_epoch, report
from skorch import NeuralNet

from skdlies.aftershocks import AftershockNet
from skdlies.aftershocks._network import KERAS2_ADADELTA


def make_data(rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, 12), dtype=np.float32)
    return X, (rng.random(rows) < 0.1).astype(np.float32)


def paper_module(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return AftershockNet()._build_module(np.zeros((1, 12)))


def plain_pytorch(X, y, epochs: int, batch_size: int) -> list[float]:
    module = paper_module()
    optimizer = torch.optim.Adadelta(module.parameters(), lr=1.0, **KERAS2_ADADELTA)
    criterion = torch.nn.BCEWithLogitsLoss()
    data, target = torch.from_numpy(X), torch.from_numpy(y)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        module.train()
        order = torch.randperm(len(data))
        for i in range(0, len(data), batch_size):
            index = order[i : i + batch_size]
            optimizer.zero_grad()
            loss = criterion(module(data[index]), target[index])
            loss.backward()
            optimizer.step()
            loss.item()
        times.append(time.perf_counter() - start)
    return times


def skorch_default(X, y, epochs: int, batch_size: int) -> list[float]:
    net = NeuralNet(
        paper_module(), torch.nn.BCEWithLogitsLoss, optimizer=torch.optim.Adadelta, lr=1.0,
        max_epochs=epochs, batch_size=batch_size, train_split=None,
        iterator_train__shuffle=True, verbose=0,
        **{f"optimizer__{k}": v for k, v in KERAS2_ADADELTA.items()},
    )
    net.fit(X, y)
    return list(net.history[:, "dur"])


def skdlies_estimator(X, y, epochs: int, batch_size: int) -> list[float]:
    model = AftershockNet(max_epochs=epochs, batch_size=batch_size, random_state=0).fit(X, y)
    return list(model.net_.history[:, "dur"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_700_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=3500)
    parser.add_argument("--skorch", action="store_true", help="also time skorch's default loop")
    args = parser.parse_args(argv)

    X, y = make_data(args.rows)
    runners = {"plain PyTorch": plain_pytorch, "skdlies": skdlies_estimator}
    if args.skorch:
        runners["skorch default"] = skorch_default
    best = best_median_epoch(
        {name: partial(run, X, y, args.epochs, args.batch_size) for name, run in runners.items()},
        args.rounds,
    )
    report(best, "plain PyTorch",
           f"data: {X.shape}, batch {args.batch_size}, {args.epochs} epochs x {args.rounds} rounds",
           target=("skdlies", 1.15))


if __name__ == "__main__":
    main()
