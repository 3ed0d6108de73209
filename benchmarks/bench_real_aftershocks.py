"""AftershockNet vs the physical baselines on real slip models and catalogs, by earthquake.

Reads a file built by ``skdlies aftershocks build`` (slip-model tag as group),
maps each slip model to its earthquake with the shipped mainshock table,
and scores out-of-fold with ``GroupKFold`` over earthquakes (never over slip
models: several models of one earthquake would leak). Prints the merged ROC
AUC over all cells and the mean per-earthquake AUC of: AftershockNet (the
paper's 12 features), dCFS (mu = 0.4) on each model's area-weighted mean
receiver plane, max shear, von Mises, the one-neuron logistic model of
log10 summed absolute stress, and the one-neuron logistic model of the
distance to the nearest patch corner.

Usage::

    skdlies aftershocks build --srcmod ../shared/data/srcmod \\
        --catalog ../shared/data/catalogs/NEIC_global_M4.5_1990-2014.csv \\
        --catalog ../shared/data/catalogs/SoCal_M2.5_1998-06_2001-02_SC_sequences_M7.1.txt \\
        --out cells.h5
    python benchmarks/bench_real_aftershocks.py --data cells.h5 --srcmod ../shared/data/srcmod
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skdlies.aftershocks import AftershockNet, group_roc_auc, merged_roc_auc, receiver_plane
from skdlies.datasets import load_devries, load_mainshocks, read_fsp
from skdlies.stress import (
    DEVRIES_COLUMNS,
    DEVRIES_LABEL,
    DeVriesFeatures,
    MaxShear,
    SumAbsStress,
    VonMises,
    coulomb_stress,
    patch_corners,
)


def per_model_columns(frame: pd.DataFrame, tags: np.ndarray, srcmod: Path) -> pd.DataFrame:
    """dCFS on each model's receiver plane (Pa) and distance to its nearest patch corner (km)."""
    dcfs, distance = np.empty(len(frame)), np.empty(len(frame))
    for tag in np.unique(tags):
        rows = tags == tag
        model = read_fsp(srcmod / f"{tag}.fsp")
        strike, dip, rake = receiver_plane(model)
        dcfs[rows] = coulomb_stress(frame.loc[rows, list(DEVRIES_COLUMNS)].to_numpy(),
                                    strike, dip, rake, 0.4)
        p = model.patches.dropna(subset=["length_km", "width_km"])
        corners = patch_corners(p.x_km, p.y_km, -p.depth_km.clip(lower=0), p.strike, p.dip,
                                p.length_km, p.width_km)[..., :2].reshape(-1, 2)
        cells = frame.loc[rows, ["x", "y"]].to_numpy() / 1e3
        distance[rows] = cKDTree(corners).query(cells)[0]
    return frame.assign(dcfs=dcfs, r_km=distance)


def models(max_epochs: int) -> dict:
    column = {name: FunctionTransformer(lambda X, c=name: X[[c]].to_numpy())
              for name in ("dcfs", "r_km")}
    return {
        "AftershockNet": make_pipeline(
            DeVriesFeatures(), AftershockNet(balanced_batches=True, max_epochs=max_epochs,
                                             random_state=0)),
        "one neuron: log10 sum|stress|": make_pipeline(
            SumAbsStress(), FunctionTransformer(np.log10), LogisticRegression()),
        "one neuron: log10 distance": make_pipeline(
            column["r_km"], FunctionTransformer(lambda r: np.log10(r + 1.0)),
            LogisticRegression()),
        "dCFS (mu=0.4)": column["dcfs"],
        "max shear": MaxShear(),
        "von Mises": VonMises(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="h5 file from 'skdlies aftershocks build'")
    parser.add_argument("--srcmod", required=True, help="the SRCMOD folder used to build it")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=5)
    args = parser.parse_args(argv)
    if not Path(args.srcmod).is_dir():  # before reading millions of cells
        parser.error(f"--srcmod folder not found: {args.srcmod}")

    start = time.perf_counter()
    frame, tags = load_devries(args.data)
    y = frame.pop(DEVRIES_LABEL).to_numpy()
    frame = per_model_columns(frame, tags, Path(args.srcmod))
    earthquake = load_mainshocks().set_index("tag").loc[tags, "earthquake_id"].to_numpy()
    print(f"{len(frame):,} cells, {y.mean():.2%} with aftershocks, {len(np.unique(tags))} slip "
          f"models of {len(np.unique(earthquake))} earthquakes; GroupKFold({args.folds}) by "
          f"earthquake, AftershockNet {args.max_epochs} epochs")
    scores = {name: np.empty(len(frame)) for name in models(args.max_epochs)}
    for train, test in GroupKFold(args.folds).split(frame, y, earthquake):
        for name, model in models(args.max_epochs).items():
            if hasattr(model, "predict_proba"):
                model.fit(frame.iloc[train], y[train])
                scores[name][test] = model.predict_proba(frame.iloc[test])[:, 1]
            else:
                scores[name][test] = model.fit(frame.iloc[train]).transform(frame.iloc[test])[:, 0]
    table = pd.DataFrame({
        name: {"merged AUC": merged_roc_auc(y, s),
               "mean AUC per earthquake": group_roc_auc(y, s, earthquake,
                                                        n_permutations=0)["auc"].mean()}
        for name, s in scores.items()
    }).T.sort_values("merged AUC", ascending=False)
    print(table.round(3).to_string())
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
