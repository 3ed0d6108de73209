"""AftershockNet: the DeVries et al. (2018) classifier."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
import torch
from sklearn.metrics import get_scorer, roc_auc_score
from sklearn.model_selection import GridSearchCV, GroupKFold
from skorch.callbacks import EpochScoring

from skdlies._base import torch_seed
from skdlies._skorch import BalancedBatchIterator, TensorDataset
from skdlies.aftershocks import AftershockNet
from skdlies.aftershocks._network import KERAS2_ADADELTA

FAST = {"hidden_layer_sizes": (16, 16), "max_epochs": 3, "batch_size": 64, "random_state": 0}


@pytest.fixture(scope="module")
def cells():
    """Rare positives that depend on the first two features; 4 groups."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 12)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=2000) > 2.0).astype(int)
    return X, y, np.repeat(np.arange(4), 500)


def test_paper_architecture():
    net = AftershockNet(max_epochs=1, random_state=0).fit(np.zeros((8, 12)), [0, 1] * 4).net_
    layers = list(net.module_.layers)
    linear = [m for m in layers if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(12, 50)] + [(50, 50)] * 5 + [
        (50, 1)
    ]
    assert sum(isinstance(m, torch.nn.Tanh) for m in layers) == 6
    assert [m.p for m in layers if isinstance(m, torch.nn.Dropout)] == [0.5] * 6

def test_lecun_uniform_initialisation():
    with torch_seed(0):
        module = AftershockNet()._build_module(np.zeros((1, 12)))
    linear = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
    for layer in linear:
        bound = np.sqrt(3 / layer.in_features)
        w = np.abs(layer.weight.detach().numpy())
        assert w.max() <= bound and w.max() > 0.9 * bound
        assert np.all(layer.bias.detach().numpy() == 0)


def test_keras2_adadelta_defaults_and_override():
    X, y = np.zeros((8, 12)), [0, 1] * 4
    group = AftershockNet(max_epochs=1).fit(X, y).net_.optimizer_.param_groups[0]
    assert isinstance(AftershockNet().fit(X, y).net_.optimizer_, torch.optim.Adadelta)
    assert (group["lr"], group["rho"], group["eps"]) == (1.0, *KERAS2_ADADELTA.values())
    custom = AftershockNet(max_epochs=1, optimizer_params={"rho": 0.5}).fit(X, y)
    assert custom.net_.optimizer_.param_groups[0]["rho"] == 0.5
    adam = AftershockNet(max_epochs=1, optimizer="adam", lr=1e-3).fit(X, y)
    assert "rho" not in adam.net_.optimizer_.param_groups[0]


def test_learns_the_signal(cells):
    X, y, _ = cells
    model = AftershockNet(max_epochs=30, batch_size=200, random_state=0).fit(X[:1500], y[:1500])
    assert roc_auc_score(y[1500:], model.predict_proba(X[1500:])[:, 1]) > 0.9


@pytest.mark.parametrize("labels", [("no", "yes"), (False, True), (3, 7)])
def test_labels_of_any_type(cells, labels):
    X, y, _ = cells
    y_named = np.asarray(labels)[y]
    model = AftershockNet(**FAST).fit(X, y_named)
    np.testing.assert_array_equal(model.classes_, np.asarray(labels))
    assert set(model.predict(X)) <= set(labels)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(1), 1)
    p = 1 / (1 + np.exp(-model.decision_function(X).astype(float)))
    np.testing.assert_allclose(proba[:, 1], p)


@pytest.mark.parametrize("scoring", ["roc_auc", "accuracy", "neg_log_loss", "average_precision"])
def test_epoch_scoring_with_classification_scorer_names(cells, scoring):
    # the inner net is a binary classifier to scikit-learn's scorers: its validation scores are
    # those of the fitted estimator on the same cells
    X, y, _ = cells
    model = AftershockNet(**FAST, validation_fraction=0.25, callbacks=[
        EpochScoring(scoring, lower_is_better=False, name="score")]).fit(X, y)
    recorded = model.net_.history[-1, "score"]
    net = model.net_
    valid = net.train_split(net.get_dataset(X, y.astype(np.float32)))[1]
    Xv, yv = valid.X.numpy(), valid.y.numpy().astype(int)
    assert recorded == pytest.approx(get_scorer(scoring)(model, Xv, yv), rel=1e-5)


def test_epoch_scoring_without_its_cache_is_refused_before_training(cells):
    X, y, _ = cells
    model = AftershockNet(**FAST, validation_fraction=0.25, callbacks=[
        EpochScoring("roc_auc", use_caching=False)])
    with pytest.raises(ValueError, match=r"use_caching=False\) is not supported"):
        model.fit(X, y)
    assert not hasattr(model, "net_")


def test_one_class_is_a_clear_error(cells):
    X, _, _ = cells
    with pytest.raises(ValueError, match=r"y has 1 class \(\[0\.0\]\)"):
        AftershockNet(**FAST).fit(X, np.zeros(len(X)))


def test_three_classes_are_a_clear_error(cells):
    X, _, _ = cells
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        AftershockNet(**FAST).fit(X, np.arange(len(X)) % 3)


def test_balanced_batches_are_half_positive():
    y = torch.tensor([1.0] * 10 + [0.0] * 190)
    ds = TensorDataset(torch.arange(200.0), y)
    it = BalancedBatchIterator(ds, batch_size=40)
    with torch_seed(0):
        batches = list(it)
    assert len(batches) == 5
    assert all(len(yb) == 40 and yb.sum() == 20 for _, yb in batches)
    negatives = torch.cat([xb[yb == 0] for xb, yb in batches])
    assert len(set(negatives.tolist())) == 100, "negatives do not repeat within an epoch"
    positives = torch.cat([xb[yb == 1] for xb, yb in batches])
    assert set(positives.tolist()) == set(range(10)), "positives are cycled through all"


def test_balanced_batches_need_both_classes():
    ds = TensorDataset(torch.zeros(10), torch.zeros(10))
    with pytest.raises(ValueError, match="both classes"):
        list(BalancedBatchIterator(ds, batch_size=4))


def test_balanced_training_is_reproducible(cells):
    X, y, _ = cells
    a = AftershockNet(balanced_batches=True, **FAST).fit(X, y).decision_function(X)
    b = AftershockNet(balanced_batches=True, **FAST).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)
    c = AftershockNet(**FAST).fit(X, y).decision_function(X)
    assert not np.array_equal(a, c)


def test_grid_search_with_group_kfold(cells):
    X, y, groups = cells
    search = GridSearchCV(
        AftershockNet(**FAST),
        {"dropout": [0.0, 0.5], "hidden_layer_sizes": [(8,), (16, 16)]},
        cv=GroupKFold(n_splits=4),
        scoring="roc_auc",
    ).fit(X, y, groups=groups)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_score_ > 0.7


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.full((4, 12), np.nan), "NaN"),
        (np.zeros((4, 11)), "11 features"),
        (np.zeros(12), "Expected 2D array"),
    ],
)
def test_bad_input_to_predict(cells, bad, match):
    X, y, _ = cells
    model = AftershockNet(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=match):
        model.predict_proba(bad)
    with pytest.raises(TypeError, match="Sparse data was passed for X, but dense data"):
        model.predict_proba(scipy.sparse.csr_matrix(np.zeros((4, 12))))  # not "len() of sparse"
