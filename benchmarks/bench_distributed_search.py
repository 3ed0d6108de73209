"""Wall time of a GridSearchCV run serially and on a local dask cluster (joblib's dask backend).

The search: a ``DeVriesFeatures`` + ``AftershockNet`` pipeline on
:func:`~skdlies.datasets.make_toy_aftershocks`, 8 candidates (lr x dropout x
width) x 3 folds grouped by event, scored by ROC AUC. It runs once with
``n_jobs=1`` and once under ``joblib.parallel_backend("dask")`` on a
``LocalCluster`` of ``--workers`` single-threaded worker processes; the script
prints both wall times (the cluster's start-up is timed apart) and whether the
two searches agree on ``best_params_`` and on every mean test score. The
serial run uses one PyTorch thread, like each worker (dask sets
``OMP_NUM_THREADS=1`` in its workers): the ratio is the parallel speed-up.

Usage::

    python benchmarks/bench_distributed_search.py [--workers 2] [--events 3] [--epochs 3]

On a real cluster, connect a ``Client`` to its scheduler instead of starting a
``LocalCluster``; nothing else changes.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import joblib
import numpy as np
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, ParameterGrid
from sklearn.pipeline import make_pipeline

from skdlies.aftershocks import AftershockNet
from skdlies.datasets import make_toy_aftershocks
from skdlies.stress import DEVRIES_LABEL, DeVriesFeatures


def make_search(epochs: int) -> GridSearchCV:
    net = AftershockNet(max_epochs=epochs, batch_size=256, balanced_batches=True, random_state=0)
    grid = {
        "aftershocknet__lr": [0.3, 1.0],
        "aftershocknet__dropout": [0.0, 0.5],
        "aftershocknet__hidden_layer_sizes": [(32, 32), (50,) * 6],
    }
    return GridSearchCV(make_pipeline(DeVriesFeatures(), net), grid, cv=GroupKFold(3),
                        scoring="roc_auc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--events", type=int, default=3, help="toy events (data size)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each fit")
    parser.add_argument("--serial-threads", type=int, default=1,
                        help="PyTorch threads of the serial run (default: 1, as each worker)")
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster, get_task_stream

    toy = make_toy_aftershocks(n_events=args.events, random_state=0)
    X, y, groups = toy.frame.drop(columns=DEVRIES_LABEL), toy.target, toy.groups
    search = make_search(args.epochs)
    n_candidates = len(ParameterGrid(search.param_grid))
    print(f"GridSearchCV: {n_candidates} candidates x 3 folds on {len(X)} cells, "
          f"{args.epochs} epochs per fit; torch {torch.__version__}, "
          f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}")

    threads = torch.get_num_threads()
    torch.set_num_threads(args.serial_threads)
    start = time.perf_counter()
    serial = clone(search).set_params(n_jobs=1).fit(X, y, groups=groups)
    serial_s = time.perf_counter() - start
    torch.set_num_threads(threads)

    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.run(__import__, "skdlies.aftershocks")  # workers import torch before the timing
        startup_s = time.perf_counter() - start
        start = time.perf_counter()
        with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            dist = clone(search).fit(X, y, groups=groups)
        dask_s = time.perf_counter() - start
    in_tasks = [sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
                for task in stream.data]

    print(f"load average before the runs: {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg")
          else "")
    print(f"{f'n_jobs=1, {args.serial_threads} torch thread(s)':>28}: {serial_s:7.1f} s")
    print(f"{f'dask, {args.workers} worker processes':>28}: {dask_s:7.1f} s "
          f"(+ {startup_s:.1f} s to start the cluster, import torch); "
          f"speed-up {serial_s / dask_s:.2f}x")
    print(f"{'':>28}  {len(in_tasks)} tasks on the workers: {sum(in_tasks):.1f} s of compute in "
          f"all, median {np.median(in_tasks):.2f} s, longest {max(in_tasks):.2f} s (the first "
          "fit in a process warms PyTorch up)")
    same_best = dist.best_params_ == serial.best_params_
    scores, dist_scores = (s.cv_results_["mean_test_score"] for s in (serial, dist))
    print(f"best_params_ agree: {same_best} ({serial.best_params_})")
    print(f"mean test scores identical: {np.array_equal(scores, dist_scores)}; "
          f"largest difference {np.max(np.abs(scores - dist_scores)):.2e}; "
          f"best ROC AUC {serial.best_score_:.4f}")


if __name__ == "__main__":  # worker processes re-import this file: keep the work in main()
    main()
