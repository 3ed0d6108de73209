"""Train the network and compare it with the physical baselines on a test set (the CLI's job)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from .._io import atomic_path
from ..datasets import load_devries
from ..stress import DEVRIES_LABEL, DeVriesFeatures, MaxShear, SumAbsStress, VonMises
from ._evaluation import _scorer_outputs, compare_scorers
from ._network import AftershockNet
from ._plots import plot_roc_curves

__all__ = ["evaluate_files"]

#: The baselines of DeVries et al. (2018) and Mignan & Broccardo (2019) that need no fault geometry.
BASELINES = {"max shear": MaxShear(), "von Mises": VonMises(), "sum |stress|": SumAbsStress()}


def evaluate_files(
    train: str | os.PathLike,
    test: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    max_epochs: int = 10,
    balanced_batches: bool = True,
    n_permutations: int = 0,
    random_state: int | None = 0,
    callbacks: list | None = None,
) -> pd.DataFrame:
    """Fit ``DeVriesFeatures() -> AftershockNet()`` on ``train``; rank it and baselines on ``test``.

    Parameters
    ----------
    train, test : path
        Files :func:`skdlies.datasets.load_devries` reads: the authors' h5 files,
        h5 files written by skdlies, or (folders of) ``<EVENTTAG>_grid.csv``.
    out_dir : path, optional
        Where to write ``auc_table.csv`` and ``roc_curves.png``.
    max_epochs : int, default=10
    balanced_batches : bool, default=True
        Half positive, half negative batches, as in the paper.
    n_permutations : int, default=0
        Label shuffles per group for the per-group p-values (the paper used 5000);
        only used when the test file says which cell belongs to which group.
    random_state : int or None, default=0
    callbacks : list of skorch callbacks or None, default=None
        Passed to ``AftershockNet`` (e.g. a progress bar over the epochs).

    Returns
    -------
    pandas.DataFrame
        One row per scorer, sorted by merged ROC AUC (see :func:`compare_scorers`).
    """
    X_train, _ = load_devries(train)
    X_test, groups = load_devries(test)
    y_train, y_test = X_train.pop(DEVRIES_LABEL), X_test.pop(DEVRIES_LABEL)
    network = make_pipeline(
        DeVriesFeatures(),
        AftershockNet(max_epochs=max_epochs, balanced_batches=balanced_batches,
                      random_state=random_state, callbacks=callbacks),
    ).fit(X_train, y_train)
    baselines = {name: clone(t).fit(X_train) for name, t in BASELINES.items()}
    scorers = {"AftershockNet": network, **baselines}
    # score the test cells once: the table and the figure both use these
    scores = {name: _scorer_outputs(name, scorer, X_test)[0][1]
              for name, scorer in scorers.items()}
    table = compare_scorers({name: (lambda X, s=s: s) for name, s in scores.items()}, X_test,
                            y_test, groups, n_permutations=n_permutations,
                            random_state=random_state)
    if out_dir is not None:
        out = Path(out_dir)
        with atomic_path(out / "auc_table.csv") as tmp:
            table.to_csv(tmp)
        fig, axes = plt.subplots(1, len(scorers), figsize=(4.2 * len(scorers), 4.4))
        for ax, (name, score) in zip(axes, scores.items(), strict=True):
            plot_roc_curves(y_test, score, groups, ax=ax, label=name)
        fig.tight_layout()
        with atomic_path(out / "roc_curves.png") as tmp:
            fig.savefig(tmp, dpi=100, format="png")
        plt.close(fig)
    return table
