"""Throughput and accuracy of the Okada (1992) stress engine against the cutde reference.

A 200-patch fault (20 x 10 patches of 2 x 1.5 km, strike 30, dip 80, variable
slip and rake) is evaluated on 40,000 random points in a 200 km box down to
50 km depth. Prints the throughput in millions of patch-point pairs per second
and the maximum relative Frobenius error against
:func:`skdlies.stress.halfspace_stress` on a 2,000-point subset.

Run: ``python benchmarks/bench_okada.py [--points N] [--backends numpy torch]
[--threads T]``; the torch backend's first call compiles the kernel (about a
minute with a cold inductor cache), timed separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from skdlies.stress import halfspace_stress, patch_corners, slip_vectors
from skdlies.stress._okada import okada_stress_rake


def fault_model(seed: int = 0) -> dict[str, np.ndarray]:
    """20 x 10 patches of 2 km x 1.5 km on a fault striking 30 and dipping 80."""
    rng = np.random.default_rng(seed)
    strike, dip, n_along, n_down, length, width = 30.0, 80.0, 20, 10, 2.0, 1.5
    s, d = np.radians(strike), np.radians(dip)
    along = np.array([np.sin(s), np.cos(s), 0.0])
    down = np.array([np.cos(s) * np.cos(d), -np.sin(s) * np.cos(d), np.sin(d)])  # z: depth
    i, j = np.meshgrid(np.arange(n_along), np.arange(n_down), indexing="ij")
    i, j = i.ravel(), j.ravel()
    top = ((i - (n_along - 1) / 2) * length)[:, None] * along + (j * width)[:, None] * down
    top[:, 2] += 0.5  # top of the fault at 0.5 km depth
    m = len(i)
    return {
        "x_km": top[:, 0], "y_km": top[:, 1], "depth_km": top[:, 2],
        "strike": np.full(m, strike), "dip": np.full(m, dip),
        "length_km": np.full(m, length), "width_km": np.full(m, width),
        "rake": rng.uniform(150, 210, m), "slip_m": rng.uniform(0.5, 3.0, m),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40_000)
    parser.add_argument("--check", type=int, default=2_000)
    parser.add_argument("--backends", nargs="+", default=["numpy", "torch"])
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args()
    f = fault_model()
    rng = np.random.default_rng(1)
    n = args.points
    points = np.column_stack([rng.uniform(-100e3, 100e3, n), rng.uniform(-100e3, 100e3, n),
                              -rng.uniform(0.0, 50e3, n)])
    pairs = n * len(f["x_km"])
    results = {}
    for backend in args.backends:
        t0 = time.perf_counter()
        okada_stress_rake(points[:500], **f, backend=backend, threads=args.threads)  # warm-up
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        results[backend] = okada_stress_rake(points, **f, backend=backend, threads=args.threads)
        elapsed = time.perf_counter() - t0
        print(f"okada_stress[{backend}]: {len(f['x_km'])} patches x {n} points in "
              f"{elapsed:.2f} s = {pairs / elapsed / 1e6:.2f} M patch-points/s "
              f"(first call incl. compilation: {warm:.1f} s)")
    sub = slice(0, args.check)
    corners = patch_corners(f["x_km"], f["y_km"], -f["depth_km"], f["strike"], f["dip"],
                            f["length_km"], f["width_km"]) * 1e3
    slip = slip_vectors(f["strike"], f["dip"], f["rake"], f["slip_m"])
    t0 = time.perf_counter()
    ref = halfspace_stress(points[sub], corners, slip)
    t_ref = time.perf_counter() - t0
    print(f"halfspace_stress (cutde): {args.check} points in {t_ref:.2f} s "
          f"= {args.check * len(slip) / t_ref / 1e6:.2f} M patch-points/s")
    for backend, stress in results.items():
        err = np.linalg.norm(stress[sub] - ref, axis=1) / np.linalg.norm(ref, axis=1)
        print(f"[{backend}] relative Frobenius error vs cutde: max {err.max():.2e}, "
              f"median {np.median(err):.2e}")


if __name__ == "__main__":
    main()
