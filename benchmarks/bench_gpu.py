"""GPU epoch times (issue 5): skdlies estimators vs plain PyTorch loops on the same device.

Two workloads, each trained on data already on the device:

(a) DeVries et al. (2018): ``AftershockNet(balanced_batches=False)``, ``--rows`` x 12
    random inputs (~10% positives), batch 3500, 6 x 50 tanh, dropout 0.5, Adadelta
    lr 1.0, rho 0.95, eps 1e-7, BCE with logits. Target on one H200: <= 1.0 s/epoch
    at 4.7M rows (a plain eager loop: 2.85-3.8 s).
(b) ``DenseAutoencoder()`` (784-128-64-32, ReLU, sigmoid output + BCE), Adam lr 1e-3,
    batch 256, on the 60,000 MNIST training images (``--mnist mnist.npz``) or 60,000 x
    784 uniform [0, 1] random pixels. Target on one H200: <= 0.15 s/epoch (plain
    eager: 0.57 s).

Each prints the median epoch time (first epoch, the warm-up, excluded) of

(i)   a plain eager loop: shuffled index-sliced batches, ``loss.item()`` every step;
(ii)  the same loop keeping the losses on the device (one transfer per epoch);
(iii) the skdlies estimator (``net_.history[:, "dur"]``);
(iv)  with ``--compile``: (ii) with ``torch.compile(mode="reduce-overhead")`` of the
      module and loss (CUDA graphs; the optimizer stays eager);
(v)   with ``--graph`` (CUDA only): (ii) with the whole step (forward, backward,
      optimizer with ``capturable=True``) captured once in a ``torch.cuda.CUDAGraph``
      and replayed per batch (the last, shorter batch runs eagerly);

On CUDA also (iii-k), the estimator with other parameters: ``cuda_graph=True`` (the
step recorded once and replayed, :mod:`skdlies._graph`), and for the autoencoder
``optimizer_params={"fused": True}`` with and without it; and (d) the synchronizing CUDA
calls of a short ``fit`` (``torch.cuda.set_sync_debug_mode("warn")``), by source line. Last, (c) the
per-batch overhead of skdlies' skorch net (``FastNet``) over (ii) with a tiny network
(12 -> 1, batch 3500), where the arithmetic is negligible.

Usage (a GPU machine; about 2 minutes on one H100/H200, more with ``--compile``)::

    PYTHONPATH=. python benchmarks/bench_gpu.py [--mnist mnist.npz] [--compile] [--graph]
    PYTHONPATH=. python benchmarks/bench_gpu.py --device cpu --rows 100000 --epochs 2  # smoke

``benchmarks/gpu_check.sh`` runs it with ``--graph`` after the CUDA tests, on a machine
without skorch or pooch too (it installs their wheels from ``.whl/``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from skdlies._skorch import FastNet
from skdlies.aftershocks import AftershockNet
from skdlies.aftershocks._network import KERAS2_ADADELTA
from skdlies.autoencoders import DenseAutoencoder
from skdlies.autoencoders._modules import ReconstructionLoss
from skdlies.datasets import load_mnist


@dataclass
class Workload:
    """One network, its data on the device and how to train it."""

    name: str
    X: np.ndarray  # host copy, for the estimator
    y: np.ndarray | None
    batch_size: int
    make_module: Callable[[], torch.nn.Module]
    criterion: torch.nn.Module
    make_optimizer: Callable[..., torch.optim.Optimizer]  # (params, **extra) -> optimizer
    make_estimator: Callable[..., object]  # (device, max_epochs, **params) -> estimator
    target_s: float | None = None
    #: on CUDA, more estimator runs: label -> extra estimator parameters
    cuda_variants: dict[str, dict] = field(default_factory=dict)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _on_device(w: Workload, device: torch.device):
    X = torch.from_numpy(w.X).to(device)
    return X, (None if w.y is None else torch.from_numpy(w.y).to(device))


def eager_epochs(w: Workload, device, epochs: int, *, per_step_item: bool,
                 compile_mode: str | None = None) -> list[float]:
    """Epoch times of a plain loop: (i) ``per_step_item``, (ii) losses kept on the device."""
    torch.manual_seed(0)
    module = w.make_module().to(device)
    criterion = w.criterion.to(device)
    optimizer = w.make_optimizer(module.parameters())
    X, y = _on_device(w, device)

    def loss_of(xb, yb):
        return criterion(module(xb), yb)

    if compile_mode is not None:
        loss_of = torch.compile(loss_of, mode=compile_mode, dynamic=False)  # one graph per shape
    mark_step = getattr(torch.compiler, "cudagraph_mark_step_begin", None)
    times = []
    for _ in range(epochs + 1):
        sync(device)
        start = time.perf_counter()
        module.train()
        order = torch.randperm(len(X), device=device)
        losses = []
        for i in range(0, len(X), w.batch_size):
            index = order[i : i + w.batch_size]
            xb = X[index]
            yb = xb if y is None else y[index]
            optimizer.zero_grad()
            if compile_mode is not None and mark_step is not None:
                mark_step()
            loss = loss_of(xb, yb)
            loss.backward()
            optimizer.step()
            if per_step_item:
                losses.append(loss.item())
            else:  # a CUDA-graph output is overwritten by the next replay: keep a copy
                losses.append(loss.detach().clone() if compile_mode else loss.detach())
        if not per_step_item:
            losses = torch.stack(losses).tolist()
        sync(device)
        times.append(time.perf_counter() - start)
        assert all(math.isfinite(v) for v in losses)
    return times[1:]


def graphed_epochs(w: Workload, device, epochs: int) -> list[float]:
    """Epoch times of (v): the whole training step replayed from one CUDA graph."""
    if device.type != "cuda":
        raise RuntimeError("CUDA graphs need a CUDA device")
    torch.manual_seed(0)
    module = w.make_module().to(device)
    criterion = w.criterion.to(device)
    optimizer = w.make_optimizer(module.parameters(), capturable=True)
    X, y = _on_device(w, device)
    bs = w.batch_size
    static_x = torch.empty((bs, *X.shape[1:]), dtype=X.dtype, device=device)
    static_y = static_x if y is None else torch.empty((bs, *y.shape[1:]), dtype=y.dtype,
                                                      device=device)

    def load(index):
        torch.index_select(X, 0, index, out=static_x)
        if y is not None:
            torch.index_select(y, 0, index, out=static_y)

    module.train()
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):  # warm-up (optimizer state, cuBLAS workspaces) off the graph
        for _ in range(3):
            load(torch.arange(bs, device=device))
            optimizer.zero_grad(set_to_none=True)
            criterion(module(static_x), static_y).backward()
            optimizer.step()
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    optimizer.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        static_loss = criterion(module(static_x), static_y)
        static_loss.backward()
        optimizer.step()

    n = len(X)
    n_full, n_batches = n // bs, math.ceil(n / bs)
    times = []
    for _ in range(epochs + 1):
        sync(device)
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        losses = torch.empty(n_batches, device=device)
        for b in range(n_full):
            load(order[b * bs : (b + 1) * bs])
            graph.replay()
            losses[b].copy_(static_loss)
        if n_full < n_batches:  # the shorter last batch, eagerly, into the graph's gradients
            index = order[n_full * bs :]
            xb = X[index]
            optimizer.zero_grad(set_to_none=False)
            loss = criterion(module(xb), xb if y is None else y[index])
            loss.backward()
            optimizer.step()
            losses[-1].copy_(loss.detach())
        values = losses.tolist()
        sync(device)
        times.append(time.perf_counter() - start)
        assert all(math.isfinite(v) for v in values)
    return times[1:]


def estimator_epochs(w: Workload, device, epochs: int, **params) -> tuple[list[float], float]:
    """(iii): the epochs' ``dur`` (warm-up excluded) and the whole ``fit`` per epoch."""
    est = w.make_estimator(device, epochs + 1, **params)
    sync(device)
    start = time.perf_counter()
    est.fit(w.X) if w.y is None else est.fit(w.X, w.y)
    sync(device)
    wall = (time.perf_counter() - start) / (epochs + 1)
    return est.net_.history[:, "dur"][1:], wall


def host_syncs(w: Workload, device, n_batches: int = 20) -> None:
    """(d): synchronizing CUDA calls in two estimator epochs of ``n_batches`` batches each.

    Uses ``torch.cuda.set_sync_debug_mode("warn")``; FastNet should show about one per
    epoch (the batch losses read at its end), not one per batch.
    """
    rows = min(len(w.X), n_batches * w.batch_size)
    est = w.make_estimator(device, 2)
    X, y = w.X[:rows], None if w.y is None else w.y[:rows]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            est.fit(X) if y is None else est.fit(X, y)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    syncs = Counter(f"{c.filename.split('site-packages/')[-1]}:{c.lineno}" for c in caught
                    if "synchroniz" in str(c.message))
    print(f"  (d) synchronizing CUDA calls in fit (2 epochs x {math.ceil(rows / w.batch_size)} "
          f"batches, incl. data transfer and setup): {sum(syncs.values())}")
    for where, count in syncs.most_common(6):
        print(f"      {count:5d}  {where}")


def fastnet_overhead(device, rows: int, epochs: int) -> None:
    """(c): per-batch time of FastNet vs the loop (ii), for a 12 -> 1 network, batch 3500."""
    bs = 3500
    rng = np.random.default_rng(1)
    X = rng.standard_normal((rows, 12), dtype=np.float32)
    y = (rng.random(rows) < 0.1).astype(np.float32)

    def make_module():
        return torch.nn.Linear(12, 1)

    class Squeeze(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = make_module()

        def forward(self, x):
            return self.inner(x).squeeze(1)

    def make_optimizer(params, **extra):
        return torch.optim.Adadelta(params, lr=1.0, **KERAS2_ADADELTA, **extra)

    tiny = Workload("tiny", X, y, bs, Squeeze, torch.nn.BCEWithLogitsLoss(), make_optimizer,
                    lambda d, e: None)
    n_batches = math.ceil(rows / bs)
    plain = statistics.median(eager_epochs(tiny, device, epochs, per_step_item=False))
    plain_item = statistics.median(eager_epochs(tiny, device, epochs, per_step_item=True))
    torch.manual_seed(0)
    net = FastNet(Squeeze, criterion=torch.nn.BCEWithLogitsLoss, optimizer=torch.optim.Adadelta,
                  lr=1.0, optimizer__rho=0.95, optimizer__eps=1e-7, batch_size=bs,
                  max_epochs=epochs + 1, device=str(device), verbose=0)
    net.fit(X, y)
    fast = statistics.median(net.history[:, "dur"][1:])
    print(f"(c) tiny 12->1 network, {rows:,} rows, batch {bs} ({n_batches} steps/epoch):")
    print(f"    (i)  plain, .item() per step : {plain_item:.4f} s/epoch "
          f"({1e6 * plain_item / n_batches:.0f} us/step)")
    print(f"    (ii) plain, losses on device : {plain:.4f} s/epoch "
          f"({1e6 * plain / n_batches:.0f} us/step)")
    print(f"    FastNet (skorch)             : {fast:.4f} s/epoch "
          f"({1e6 * fast / n_batches:.0f} us/step)")
    print(f"    FastNet overhead over (ii)   : {1e6 * (fast - plain) / n_batches:.0f} us/step")


def devries(rows: int) -> Workload:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, 12), dtype=np.float32)
    y = (rng.random(rows) < 0.1).astype(np.float32)

    def make_module():
        return AftershockNet()._build_module(X[:1])

    def make_optimizer(params, **extra):
        return torch.optim.Adadelta(params, lr=1.0, **KERAS2_ADADELTA, **extra)

    def make_estimator(device, max_epochs, **params):
        return AftershockNet(balanced_batches=False, max_epochs=max_epochs, device=str(device),
                             random_state=0, **params)

    return Workload(f"(a) DeVries AftershockNet, {rows:,} x 12, batch 3500, Adadelta", X, y,
                    3500, make_module, torch.nn.BCEWithLogitsLoss(), make_optimizer,
                    make_estimator, target_s=1.0 if rows == 4_700_000 else None,
                    cuda_variants={"cuda_graph=True": {"cuda_graph": True}})


def dense_autoencoder(path: str | None) -> Workload:
    if path:
        X = np.ascontiguousarray(load_mnist("train", path=path).data, dtype=np.float32)
        source = "MNIST"
    else:
        X = np.random.default_rng(0).random((60_000, 784), dtype=np.float32)
        source = "random [0, 1]"
    proto = DenseAutoencoder()
    proto._resolve_output(X)  # sigmoid output + BCE for data in [0, 1]

    def make_module():
        return proto._build_module(X)

    def make_optimizer(params, **extra):
        return torch.optim.Adam(params, lr=1e-3, **extra)

    def make_estimator(device, max_epochs, **params):
        return DenseAutoencoder(max_epochs=max_epochs, device=str(device), random_state=0,
                                **params)

    return Workload(f"(b) DenseAutoencoder 784-128-64-32, {len(X):,} {source} rows, batch 256, "
                    "Adam", X, None, 256, make_module,
                    ReconstructionLoss(proto.loss_, proto.output_activation_), make_optimizer,
                    make_estimator, target_s=0.15 if len(X) == 60_000 else None,
                    cuda_variants={
                        "cuda_graph=True": {"cuda_graph": True},
                        "Adam(fused=True)": {"optimizer_params": {"fused": True}},
                        "cuda_graph=True, Adam(fused=True)": {
                            "cuda_graph": True, "optimizer_params": {"fused": True}},
                    })


def run(w: Workload, device, epochs: int, *, compile_: bool, graph: bool) -> None:
    n_batches = math.ceil(len(w.X) / w.batch_size)
    target = "" if w.target_s is None else f"; H200 target <= {w.target_s} s/epoch"
    print(f"\n{w.name} ({n_batches} steps/epoch{target})")
    results: dict[str, float] = {}

    def show(key: str, label: str, seconds: float, extra: str = "") -> None:
        results[key] = seconds
        print(f"  {label:<44}: {seconds:8.4f} s/epoch  ({1e3 * seconds / n_batches:.3f} "
              f"ms/step){extra}")

    show("i", "(i)   plain eager, .item() per step",
         statistics.median(eager_epochs(w, device, epochs, per_step_item=True)))
    show("ii", "(ii)  plain eager, losses kept on device",
         statistics.median(eager_epochs(w, device, epochs, per_step_item=False)))
    durs, wall = estimator_epochs(w, device, epochs)
    show("iii", "(iii) skdlies estimator (history dur)", statistics.median(durs),
         f"  [whole fit: {wall:.4f} s/epoch]")
    for i, (label, params) in enumerate(w.cuda_variants.items() if device.type == "cuda" else []):
        try:
            durs, _ = estimator_epochs(w, device, epochs, **params)
            show(f"iii-{i + 1}", f"(iii-{i + 1}) estimator, {label}", statistics.median(durs))
        except Exception as error:
            print(f"  (iii-{i + 1}) estimator, {label} failed: {type(error).__name__}: {error}")
    if compile_:
        try:
            start = time.perf_counter()
            times = eager_epochs(w, device, epochs, per_step_item=False,
                                 compile_mode="reduce-overhead")
            show("iv", "(iv)  torch.compile reduce-overhead + (ii)", statistics.median(times),
                 f"  [incl. compile: {time.perf_counter() - start:.1f} s in all]")
        except Exception as error:
            print(f"  (iv)  torch.compile failed: {type(error).__name__}: {error}")
    if graph:
        try:
            show("v", "(v)   whole step in one CUDA graph",
                 statistics.median(graphed_epochs(w, device, epochs)))
        except Exception as error:
            print(f"  (v)   CUDA graph failed: {type(error).__name__}: {error}")
    if device.type == "cuda":
        try:
            host_syncs(w, device)
        except Exception as error:
            print(f"  (d) sync check failed: {type(error).__name__}: {error}")
    for est_key in [key for key in results if key.startswith("iii")]:
        ratios = ", ".join(f"/ ({key}) {results[est_key] / results[key]:.3f}"
                           for key in ("i", "ii", "iv", "v") if key in results)
        print(f"  ratio ({est_key}) {ratios}")
    if w.target_s is not None:
        card = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
        if "H200" not in card:
            print(f"  (the targets are set for an H200; on this {card} they are indicative only)")
        for key, seconds in results.items():
            verdict = "meets" if seconds <= w.target_s else "misses"
            print(f"  ({key}) {verdict} the target ({seconds:.3f} vs {w.target_s} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--rows", type=int, default=None,
                        help="DeVries rows (default 4,700,000 on cuda, 200,000 on cpu)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after 1 warm-up)")
    parser.add_argument("--mnist", default=None, help="mnist.npz (default: random pixels)")
    parser.add_argument("--compile", action="store_true", help="add (iv) torch.compile")
    parser.add_argument("--graph", action="store_true", help="add (v) a whole-step CUDA graph")
    parser.add_argument("--only", choices=["devries", "ae", "overhead"], default=None)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    rows = args.rows or (4_700_000 if device.type == "cuda" else 200_000)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device {device} ({name}); torch {torch.__version__}; "
          f"{torch.get_num_threads()} CPU threads; {args.epochs} timed epochs after 1 warm-up")
    if args.only in (None, "devries"):
        run(devries(rows), device, args.epochs, compile_=args.compile, graph=args.graph)
    if args.only in (None, "ae"):
        run(dense_autoencoder(args.mnist), device, args.epochs, compile_=args.compile,
            graph=args.graph)
    if args.only in (None, "overhead"):
        print()
        fastnet_overhead(device, min(rows, 350_000), args.epochs)


if __name__ == "__main__":
    main()
