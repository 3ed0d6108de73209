"""Train the network and compare it with the physical baselines on a test set (the CLI's job)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from .._io import atomic_path
from .._warnings import user_stacklevel
from ..datasets import earthquake_groups, load_devries
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
    title: str | None = None,
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
        only used when the test file says which cell belongs to which group
        (a warning says when it is ignored).
    random_state : int or None, default=0
    callbacks : list of skorch callbacks or None, default=None
        Passed to ``AftershockNet`` (e.g. a progress bar over the epochs).
    title : str, optional
        Title of ``roc_curves.png``; default: the names of the two files.

    Returns
    -------
    pandas.DataFrame
        One row per scorer, sorted by merged ROC AUC (see :func:`compare_scorers`).

    Raises
    ------
    ValueError
        If a file cannot be read, or the test labels are all of one class
        (checked before training).

    Warns
    -----
    UserWarning
        If ``train`` and ``test`` are one file, or share an earthquake
        (:func:`~skdlies.datasets.earthquake_groups` of their slip-model
        tags): the AUCs are then not held out.
    """
    X_train, train_groups = load_devries(train)
    X_test, groups = load_devries(test)
    y_train, y_test = X_train.pop(DEVRIES_LABEL), X_test.pop(DEVRIES_LABEL)
    _check_split(train, test, train_groups, groups, y_test)
    if n_permutations and groups is None:
        warnings.warn(f"n_permutations={n_permutations} is ignored: the test file '{test}' does "
                      "not say which cell belongs to which slip model (no 'group').",
                      UserWarning, stacklevel=user_stacklevel())
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
    table = compare_scorers(scores, X_test, y_test, groups, n_permutations=n_permutations,
                            random_state=random_state)
    if out_dir is not None:
        out = Path(out_dir)
        with atomic_path(out / "auc_table.csv") as tmp:
            table.to_csv(tmp)
        fig, axes = plt.subplots(1, len(scorers), figsize=(3.6 * len(scorers), 4.3),
                                 sharey=True, layout="constrained")
        for ax, (name, score) in zip(axes, scores.items(), strict=True):
            plot_roc_curves(y_test, score, groups, ax=ax, label=name)
        for ax in axes:
            ax.label_outer()  # one y label, on the left panel
        fig.suptitle(title or f"Trained on {Path(train).name}, tested on {Path(test).name} "
                              f"({len(y_test):,} cells)")
        with atomic_path(out / "roc_curves.png") as tmp:
            fig.savefig(tmp, dpi=200, format="png", bbox_inches="tight")
        plt.close(fig)
    return table


def _check_split(train, test, train_groups, test_groups, y_test) -> None:
    """Refuse a test set ROC AUC cannot score; warn when train and test share an earthquake."""
    classes = np.unique(y_test)
    if len(classes) < 2:
        raise ValueError(f"The test file '{test}' holds only the label {classes.tolist()}: its "
                         "ROC AUC needs cells with and without aftershocks.")
    if Path(train).expanduser().resolve() == Path(test).expanduser().resolve():
        warnings.warn(f"--train and --test are the same file '{test}': the AUCs are not held out.",
                      UserWarning, stacklevel=user_stacklevel())
        return
    tags = [g for g in (train_groups, test_groups) if g is not None and g.dtype.kind in "OUS"]
    if len(tags) < 2:  # integer ids of two files need not name the same models
        return
    shared = np.intersect1d(*[np.unique(earthquake_groups(np.unique(t))) for t in tags])
    if len(shared):
        warnings.warn(f"The training and test files share {len(shared)} earthquake(s) (slip "
                      f"models of one earthquake share its labels), e.g. {shared[0]}: the test "
                      "AUCs are not held out by earthquake. See earthquake_groups.",
                      UserWarning, stacklevel=user_stacklevel())
