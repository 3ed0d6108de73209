"""The offline aftershock demo: synthetic faults -> stress grids -> labels -> train -> evaluate."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from ..datasets import write_devries
from ..stress import DEVRIES_COLUMNS, DEVRIES_LABEL
from ._build import build_event
from ._synthetic import dieterich_expected_count, optimal_coulomb_stress, random_fault
from ._workflow import evaluate_files

__all__ = ["run_demo"]

NOTICE = ("SYNTHETIC DATA: random faults, aftershocks drawn from a rate-and-state model of the "
          "computed stress. The figures show the workflow, not results about real earthquakes.")


def synthetic_cells(n_faults: int, random_state=None, progress: bool = True) -> pd.DataFrame:
    """Stress grids of random faults with rate-and-state aftershock labels; ``group`` = fault."""
    rng = check_random_state(random_state)
    frames = []
    for group in tqdm(range(n_faults), disable=not progress, desc="synthetic faults"):
        frame = build_event(random_fault(rng), None, None)
        dcfs = optimal_coulomb_stress(frame[list(DEVRIES_COLUMNS)].to_numpy())
        frame["count"] = rng.poisson(dieterich_expected_count(dcfs))
        frame[DEVRIES_LABEL] = (frame["count"] > 0).astype(np.int8)
        frames.append(frame.assign(group=group))
    return pd.concat(frames, ignore_index=True)


def run_demo(
    out_dir: str | os.PathLike,
    *,
    n_faults: int = 8,
    n_test: int = 2,
    max_epochs: int = 10,
    random_state: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Build synthetic data, train AftershockNet on some faults and rank it on the others.

    Writes ``train.h5`` and ``test.h5`` (DeVries layout), ``auc_table.csv`` and
    ``roc_curves.png`` to ``out_dir`` and returns the AUC table.
    """
    out = Path(out_dir)
    cells = synthetic_cells(n_faults, random_state, progress)
    is_test = cells["group"] >= n_faults - n_test
    for name, part in (("train", cells[~is_test]), ("test", cells[is_test])):
        write_devries(out / f"{name}.h5", part.reset_index(drop=True), part["group"].to_numpy())
    return evaluate_files(out / "train.h5", out / "test.h5", out, max_epochs=max_epochs,
                          n_permutations=200, random_state=random_state,
                          title=f"SYNTHETIC DATA: trained on {n_faults - n_test} random faults, "
                                f"tested on {n_test} others")
