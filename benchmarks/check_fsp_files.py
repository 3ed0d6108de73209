"""Parse every SRCMOD ``*.fsp`` file of a folder with :func:`skdlies.datasets.read_fsp`.

Prints the number of files, how many parsed, each failure with its message,
the single/multi-segment split, the total number of patches, how many models
lack a patch size or a date, the extra table columns seen, a sanity check (the
largest gap between the hypocentre depth and the depth range of the patch top
edges) and the time taken.

Usage::

    python benchmarks/check_fsp_files.py                       # ../shared/data/srcmod
    python benchmarks/check_fsp_files.py /path/to/srcmod/fsp
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from skdlies.datasets import SlipModel, read_fsp

DEFAULT_DIR = Path("../shared/data/srcmod")


def parse_all(files: list[Path]) -> tuple[dict[Path, SlipModel], dict[Path, str]]:
    """Read each file; return the models and the error messages by file."""
    models: dict[Path, SlipModel] = {}
    failures: dict[Path, str] = {}
    for path in files:
        try:
            models[path] = read_fsp(path)
        except (ValueError, OSError) as exc:
            failures[path] = f"{type(exc).__name__}: {exc}"
    return models, failures


def summarise(models: dict[Path, SlipModel]) -> list[str]:
    """Summary lines on the parsed models."""
    n_multi = sum(model.n_segments > 1 for model in models.values())
    patches = [model.patches for model in models.values()]
    n_patches = sum(len(frame) for frame in patches)
    no_size = sum(bool(frame[["length_km", "width_km"]].isna().any(axis=None)) for frame in patches)
    no_date = sum(model.date is None for model in models.values())
    extras = sorted({name for frame in patches for name in frame.columns[12:]})
    shown = ", ".join(name for name in extras if not name[-1].isdigit())
    return [
        f"single-segment: {len(models) - n_multi}, multi-segment: {n_multi}",
        f"total patches: {n_patches}",
        f"models with unknown patch size: {no_size}; without a date: {no_date}",
        f"extra columns seen (TWn/raketwn/rake_n omitted): {shown}",
        f"max |hypocentre depth - nearest patch depth| (km): {_depth_gap(models):.2f}",
    ]


def _depth_gap(models: dict[Path, SlipModel]) -> float:
    """Largest distance between the hypocentre depth and the patch depth range."""
    gaps = []
    for model in models.values():
        depth = model.hypocentre[2]
        top = model.patches["depth_km"].min()
        bottom = model.patches["depth_km"].max()
        gaps.append(max(top - depth, depth - bottom, 0.0))
    return float(max(gaps, default=0.0))


def main(argv: list[str] | None = None) -> int:
    """Parse the folder given on the command line and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    folder = parser.parse_args(argv).folder
    if not folder.is_dir():
        parser.error(f"folder not found: {folder}")
    files = sorted(folder.glob("*.fsp"))
    start = time.perf_counter()
    models, failures = parse_all(files)
    elapsed = time.perf_counter() - start
    print(f"folder: {folder}")
    print(f"files: {len(files)}, parsed: {len(models)}, failed: {len(failures)}")
    for path, message in failures.items():
        print(f"  FAILED {path.name}: {message}")
    if models:
        for line in summarise(models):
            print(line)
    per_file = elapsed / max(len(files), 1) * 1e3
    print(f"time: {elapsed:.2f} s ({per_file:.1f} ms per file)")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    return 1 if failures or not files else 0


if __name__ == "__main__":
    raise SystemExit(main())
