"""Time of the per-group permutation test of ``group_roc_auc`` (target: <= 2 s).

One synthetic slip distribution of 30,000 cells (the size of a large DeVries et
al. grid) with a weak signal; 5,000 label permutations, at several fractions of
cells holding aftershocks (the cost grows with the smaller class). For scale,
the naive loop (``roc_auc_score`` on each shuffled label vector) is timed on a
few hundred permutations and extrapolated.

Usage::

    python benchmarks/bench_permutation_test.py
    python benchmarks/bench_permutation_test.py --cells 30000 --permutations 5000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from skdlies.aftershocks import group_roc_auc

TARGET_S = 2.0


def make_group(n_cells: int, positive_fraction: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n_cells) < positive_fraction).astype(np.int8)
    score = np.round(0.1 * y + rng.normal(size=n_cells), 3)  # weak signal, some ties
    return y, score, np.zeros(n_cells, np.int64)


def best_time(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_seconds(y: np.ndarray, score: np.ndarray, n_permutations: int, sample: int) -> float:
    """Time of the naive loop, measured on ``sample`` permutations and extrapolated."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(sample):
        roc_auc_score(rng.permutation(y), score)
    return (time.perf_counter() - start) * n_permutations / sample


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=30_000)
    parser.add_argument("--permutations", type=int, default=5_000)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.05, 0.2, 0.5])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=200)
    args = parser.parse_args(argv)

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}; {args.cells} cells, {args.permutations} permutations, "
        f"best of {args.repeats}"
    )
    worst = 0.0
    for fraction in args.fractions:
        y, score, groups = make_group(args.cells, fraction)
        seconds = best_time(
            lambda y=y, score=score, groups=groups: group_roc_auc(
                y, score, groups, n_permutations=args.permutations, random_state=0
            ),
            args.repeats,
        )
        worst = max(worst, seconds)
        naive = naive_seconds(y, score, args.permutations, args.naive_sample)
        print(
            f"positive fraction {fraction:4.2f}: group_roc_auc {seconds:6.3f} s   "
            f"naive roc_auc_score loop ~{naive:6.1f} s (x{naive / seconds:.0f})"
        )
    verdict = "meets" if worst <= TARGET_S else "MISSES"
    print(f"slowest: {worst:.3f} s -> {verdict} the target of {TARGET_S:g} s")


if __name__ == "__main__":
    main()
