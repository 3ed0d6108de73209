"""
============================================================
Aftershock locations: the network against physical baselines
============================================================

DeVries et al. (2018, Nature 560:632) trained a network on the static stress
change around large earthquakes to say which 5 km grid cells hold aftershocks,
and compared it by ROC AUC with the Coulomb failure stress change. Mignan &
Broccardo (2019) showed that one-neuron models of a single physical quantity
(the summed absolute stress, or the distance to the fault) do about as well.
In skdlies each of these is a scikit-learn estimator, so the whole comparison
is a few pipelines and one table.

By default this runs on :func:`~skdlies.datasets.make_toy_aftershocks`, a toy
grid whose labels are drawn from the maximum shear stress (so the baselines
are expected to do well: it shows the API, not the science). Pass the
authors' files (``--train Training.h5 --test Testing.h5``) or files built by
skdlies to run the real comparison.

Run it as ``python plot_aftershock_baselines.py [--train F --test F] [--out DIR]
[--max-epochs N]``.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skdlies.aftershocks import AftershockNet, compare_scorers, plot_roc_curves, plot_score_map
from skdlies.datasets import earthquake_groups, load_devries, make_toy_aftershocks
from skdlies.stress import (
    DEVRIES_LABEL,
    DeVriesFeatures,
    FaultDistance,
    MaxShear,
    SumAbsStress,
    VonMises,
)

parser = argparse.ArgumentParser(description="AftershockNet vs physical baselines.")
parser.add_argument("--train", help="training cells (DeVries h5 or *_grid.csv folder)")
parser.add_argument("--test", help="test cells, same formats")
parser.add_argument("--out", type=Path, help="folder to save the figures in (PNG)")
parser.add_argument("--max-epochs", type=int, default=20, help="epochs of the network")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery
if bool(args.train) != bool(args.test):
    parser.error("give both --train and --test, or neither (the built-in toy cells)")

# %%
# The cells
# ---------
# One row per grid cell: the six stress-change components (Pa, tension
# positive, columns ``stresses_full_xx`` ...), the cell centre (m) and the
# label ``aftershocksyn``. ``groups`` says which earthquake a cell belongs to:
# in a file built by ``skdlies aftershocks build`` each cell carries the tag of
# its SRCMOD slip model, and :func:`~skdlies.datasets.earthquake_groups` maps
# the tags to earthquakes (several slip models of one earthquake share its
# labels, so they must stay on one side of a split).
if args.train:
    train, train_groups = load_devries(args.train)
    test, test_models = load_devries(args.test)
    test_groups = test_models
    if train_groups is not None:  # the authors' files hold no groups
        train_groups = earthquake_groups(train_groups)
    if test_groups is not None:
        test_groups = earthquake_groups(test_groups)
else:
    toy = make_toy_aftershocks(n_events=6, random_state=0)
    is_test = toy.groups >= 4
    train, test = toy.frame[~is_test], toy.frame[is_test].reset_index(drop=True)
    train_groups, test_groups = toy.groups[~is_test], toy.groups[is_test]
    test_models = test_groups  # one "slip model" per toy event
y_train, y_test = train.pop(DEVRIES_LABEL), test.pop(DEVRIES_LABEL)
print(f"{len(train)} training cells ({y_train.mean():.1%} with aftershocks), {len(test)} test")

# %%
# The network and the baselines
# -----------------------------
# The network reads the paper's 12 features (``|component|`` and ``-|component|`` in
# MPa) and trains on balanced batches, as the authors did. The physical
# metrics are stateless transformers: their single output column is the score.
# The one-neuron models of Mignan & Broccardo are logistic regressions on one
# log-quantity: here the summed absolute stress and the distance to the
# mainshock (the toy grids are centred on it; with real data use the fault
# patches as ``fault_xy``).
network = make_pipeline(
    DeVriesFeatures(),
    AftershockNet(balanced_batches=True, max_epochs=args.max_epochs, random_state=0),
)
one_neuron_stress = make_pipeline(
    SumAbsStress(), FunctionTransformer(np.log10), LogisticRegression()
)
one_neuron_distance = make_pipeline(
    FaultDistance([[0.0, 0.0]], unit="m"),
    FunctionTransformer(lambda r: np.log10(r + 1.0)),  # +1 km: no log of 0 at the epicentre
    LogisticRegression(),
)

# %%
# Cross-validated by earthquake: the AUC of the one-neuron models on held-out events.
for name, model in [("log10 sum|stress|", one_neuron_stress),
                    ("log10 distance", one_neuron_distance)]:
    if train_groups is not None:
        auc = cross_val_score(model, train, y_train, groups=train_groups,
                              cv=GroupKFold(n_splits=4), scoring="roc_auc")
        print(f"{name:>18}: grouped CV ROC AUC {auc.mean():.3f} +- {auc.std():.3f}")

# %%
# One table for everything, on the test earthquakes
# -------------------------------------------------
scorers = {
    "AftershockNet": network.fit(train, y_train),
    "one neuron: sum|stress|": one_neuron_stress.fit(train, y_train),
    "one neuron: distance": one_neuron_distance.fit(train, y_train),
    "max shear": MaxShear().fit(train),
    "von Mises": VonMises().fit(train),
}
table = compare_scorers(scorers, test, y_test, test_groups, n_permutations=200, random_state=0)
print(table.round(3).to_string())

# %%
# ROC curves per earthquake (grey) and merged (black), as in DeVries et al. Fig. 2
fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
for ax, name in zip(axes, ["AftershockNet", "max shear", "one neuron: sum|stress|"],
                    strict=True):
    scorer = scorers[name]
    score = (scorer.predict_proba(test)[:, 1] if hasattr(scorer, "predict_proba")
             else scorer.transform(test)[:, 0])
    plot_roc_curves(y_test, score, test_groups, ax=ax, label=name)
fig.tight_layout()

# %%
# The network's output on one depth slice of one test slip model, aftershock
# cells marked (DeVries et al. Fig. 1 style). Trained on balanced batches, the
# network ranks cells but its output is far above the base rate: it is not a
# calibrated probability (see the guide to rescale or calibrate it).
first = test_models == test_models[0] if test_models is not None else np.ones(len(test), bool)
event = test[first]
map_fig = plot_score_map(event["x"], event["y"], network.predict_proba(event)[:, 1],
                         y_test[first], z=event["z"],
                         score_name="network output (balanced batches)")

if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "aftershock_roc.png", dpi=200)
    map_fig.savefig(args.out / "aftershock_map.png", dpi=200)

plt.show()
