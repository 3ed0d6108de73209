"""Shared by the speed benchmarks: alternate runners over rounds, keep each one's best median."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable

import torch


def best_median_epoch(
    runners: dict[str, Callable[[], list[float]]], rounds: int
) -> dict[str, float]:
    """Run every runner ``rounds`` times, alternating; each returns its epoch times in seconds."""
    best = {name: float("inf") for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            best[name] = min(best[name], statistics.median(run()))
    return best


def report(best: dict[str, float], baseline: str, header: str, target: tuple[str, float]) -> None:
    """Print epoch times and the ratios against ``baseline``; ``target`` = (runner, max ratio)."""
    cpu = platform.processor() or platform.machine()
    print(f"{header}; torch {torch.__version__}, {torch.get_num_threads()} threads, {cpu}")
    for name, seconds in best.items():
        print(f"{name:>15}: {seconds:.3f} s/epoch")
    for name, seconds in best.items():
        if name != baseline:
            bar = f"  (target <= {target[1]})" if name == target[0] else ""
            print(f"ratio {name} / {baseline}: {seconds / best[baseline]:.3f}{bar}")
