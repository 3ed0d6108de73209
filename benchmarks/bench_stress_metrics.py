"""Transform time of the skdlies.stress transformers on a DeVries-sized table of tensors.

DeVries et al. (2018) hold about 4.7 million cells. The tensors here are random
(fixed seed), with components of random sign and log-uniform magnitude in
[1e2, 1e7] Pa. Each transformer's ``transform`` (input validation included) is
timed ``--repeat`` times and the best time is kept; "all" is one pass of every
transformer in sequence. Target: all together in <= 3 s on a 2-core CPU.

Usage::

    python benchmarks/bench_stress_metrics.py                 # 4.7 million rows
    python benchmarks/bench_stress_metrics.py --rows 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from skdlies.stress import (
    CoulombStress,
    DeVriesFeatures,
    MaxShear,
    StressInvariants,
    SumAbsStress,
    VonMises,
)

TARGET_S = 3.0


def random_tensors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    S = 10 ** rng.uniform(2, 7, size=(n, 6))
    S[rng.random((n, 6)) < 0.5] *= -1
    return S


def transformers() -> dict:
    return {
        "MaxShear": MaxShear(),
        "VonMises": VonMises(),
        "StressInvariants(full)": StressInvariants(),
        "StressInvariants(deviatoric)": StressInvariants(tensor="deviatoric"),
        "CoulombStress(5 mu)": CoulombStress(strike=30.0, dip=60.0, rake=90.0,
                                             mu=[0.0, 0.2, 0.4, 0.6, 0.8]),
        "SumAbsStress": SumAbsStress(),
        "DeVriesFeatures": DeVriesFeatures(),
    }


def timings(fn, repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
        del out
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_700_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    S = random_tensors(args.rows)
    steps = transformers()
    print(f"{args.rows:,} rows, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"best of {args.repeat}")
    total = 0.0
    for name, est in steps.items():
        seconds = min(timings(lambda est=est: est.transform(S), args.repeat))
        total += seconds
        print(f"  {name:<30s} {seconds:7.3f} s")
    print(f"  {'sum of the above':<30s} {total:7.3f} s")

    def run_all():
        for est in steps.values():
            est.transform(S)

    times = timings(run_all, args.repeat)
    together = min(times)
    verdict = "meets" if together <= TARGET_S else "misses"
    print(f"  {'all together':<30s} {together:7.3f} s  ({verdict} the target <= {TARGET_S:g} s; "
          f"slowest pass {max(times):.3f} s)")


if __name__ == "__main__":
    main()
