"""Tests for the ROC AUC evaluation and the figures of ``skdlies.aftershocks``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.figure import Figure
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from skdlies.aftershocks import (
    compare_scorers,
    group_roc_auc,
    merged_roc_auc,
    plot_roc_curves,
    plot_score_map,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_cells(n_groups=6, n_per_group=200, signal=1.5, seed=0):
    """Labels (~20 % positive), a score = signal * label + noise, and string groups."""
    rng = np.random.default_rng(seed)
    n = n_groups * n_per_group
    y = (rng.random(n) < 0.2).astype(int)
    score = signal * y + rng.normal(size=n)
    groups = np.repeat([f"event{g}" for g in range(n_groups)], n_per_group)
    return y, score, groups


def reference_p_value(y, score, n_permutations, rng):
    """Slow loop with the same draws as the implementation: a random subset of the smaller class."""
    observed = roc_auc_score(y, score)
    n, n_pos = len(y), int(y.sum())
    k = min(n_pos, n - n_pos)
    count = 0
    for _ in range(n_permutations):
        subset = rng.choice(n, k, replace=False, shuffle=False)
        y_perm = np.zeros(n, int) if k == n_pos else np.ones(n, int)
        y_perm[subset] = 1 if k == n_pos else 0
        count += roc_auc_score(y_perm, score) >= observed - 1e-12
    return (count + 1) / (n_permutations + 1)


# --------------------------------------------------------------------------- AUC


def test_merged_auc_equals_sklearn():
    y, score, _ = make_cells()
    assert merged_roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-15)
    assert merged_roc_auc(y.astype(bool).tolist(), list(score)) == merged_roc_auc(y, score)


def test_group_table_columns_and_values():
    y, score, groups = make_cells()
    score = np.round(score)  # many ties: the rank AUC must use average ranks
    table = group_roc_auc(y, score, groups, n_permutations=0)
    assert list(table.columns) == ["n_cells", "n_positive", "auc", "p_value"]
    assert table.index.name == "group"
    assert list(table.index) == [f"event{g}" for g in range(6)]
    assert table.n_cells.dtype == np.int64 and table.n_positive.dtype == np.int64
    for key, row in table.iterrows():
        mask = groups == key
        assert row.n_cells == mask.sum()
        assert row.n_positive == y[mask].sum()
        assert row.auc == pytest.approx(roc_auc_score(y[mask], score[mask]), abs=1e-12)
    assert table.p_value.isna().all()


@pytest.mark.parametrize("n_levels", [2, 4, 1000])
def test_rank_auc_equals_sklearn_with_ties(n_levels):
    rng = np.random.default_rng(n_levels)
    y = rng.integers(0, 2, 300)
    score = rng.integers(0, n_levels, 300) + 0.3 * y
    table = group_roc_auc(y, score, np.zeros(300, int), n_permutations=0)
    assert table.auc.iloc[0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_strong_signal_has_the_smallest_p_value():
    y, score, groups = make_cells(signal=2.0)
    table = group_roc_auc(y, score, groups, n_permutations=499, random_state=0)
    assert (table.auc > 0.8).all()
    np.testing.assert_allclose(table.p_value, 1 / 500)


def test_null_score_p_values_are_not_small():
    y, _, groups = make_cells(n_groups=40, n_per_group=100, seed=1)
    noise = np.random.default_rng(2).normal(size=len(y))
    table = group_roc_auc(y, noise, groups, n_permutations=199, random_state=0)
    assert (table.p_value < 0.05).mean() <= 0.15
    assert 0.35 < table.p_value.mean() < 0.65  # ~uniform on (0, 1]
    one = group_roc_auc(y[:100], noise[:100], groups[:100], n_permutations=999, random_state=0)
    assert one.p_value.iloc[0] > 0.05


@pytest.mark.parametrize("positive_fraction", [0.3, 0.7])  # 0.7: draws the negatives
def test_p_value_equals_slow_reference_with_same_rng(positive_fraction):
    rng = np.random.default_rng(5)
    y = (rng.random(90) < positive_fraction).astype(int)
    score = np.round(0.4 * y + rng.normal(size=90), 1)
    groups = np.repeat([2, 0, 1], 30)
    table = group_roc_auc(y, score, groups, n_permutations=100, random_state=7)
    ref_rng = np.random.default_rng(7)
    for key in (0, 1, 2):  # sorted group order, one generator
        mask = groups == key
        expected = reference_p_value(y[mask], score[mask], 100, ref_rng)
        assert table.loc[key, "p_value"] == expected


def test_p_value_agrees_with_label_shuffling_reference():
    rng = np.random.default_rng(3)
    y = (rng.random(80) < 0.3).astype(int)
    score = 0.2 * y + rng.normal(size=80)
    p = group_roc_auc(y, score, np.zeros(80), n_permutations=2000, random_state=1).p_value.iloc[0]
    # full label shuffles; AUC from the rank sum (checked against sklearn above)
    ranks = rankdata(score)
    shuffled = np.random.default_rng(11).permuted(np.tile(y, (2000, 1)), axis=1)
    count = np.count_nonzero(shuffled @ ranks >= ranks @ y)
    assert 0.05 < p < 0.5  # a moderate case, where the comparison is informative
    assert p == pytest.approx((count + 1) / 2001, abs=0.05)  # > 3 Monte Carlo SDs


def test_random_state_reproducible():
    y, score, groups = make_cells(signal=0.2)
    tables = [
        group_roc_auc(y, score, groups, n_permutations=300, random_state=seed)
        for seed in (42, 42, np.random.default_rng(42), 43)
    ]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])
    assert not tables[0].p_value.equals(tables[3].p_value)
    rs = group_roc_auc(y, score, groups, n_permutations=50, random_state=np.random.RandomState(0))
    assert rs.p_value.notna().all()


def test_one_class_group_gets_nan_and_a_warning():
    y, score, groups = make_cells()
    y[groups == "event3"] = 0
    with pytest.warns(UserWarning, match=r"1 of 6 groups hold a single class.*'event3'"):
        table = group_roc_auc(y, score, groups, n_permutations=20, random_state=0)
    assert np.isnan(table.loc["event3", ["auc", "p_value"]].astype(float)).all()
    assert table.loc["event3", "n_positive"] == 0
    assert table.drop(index="event3").notna().all().all()


# --------------------------------------------------------------------------- errors


def test_errors():
    y, score, groups = make_cells(n_groups=2, n_per_group=20)
    with pytest.raises(ValueError, match="only one class"):
        merged_roc_auc(np.zeros(10), np.arange(10))
    with pytest.raises(ValueError, match=r"score has shape \(39,\), expected \(40,\)"):
        merged_roc_auc(y, score[:-1])
    with pytest.raises(ValueError, match=r"groups has shape \(3,\), expected \(40,\)"):
        group_roc_auc(y, score, groups[:3])
    bad = score.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match=r"score holds NaN or infinity.*row 7"):
        merged_roc_auc(y, bad)
    with pytest.raises(ValueError, match="score holds NaN or infinity"):
        group_roc_auc(y, np.where(y == 1, np.inf, score), groups)
    with pytest.raises(ValueError, match="only 0 and 1"):
        merged_roc_auc(y + 1, score)
    with pytest.raises(ValueError, match="must be numbers"):
        merged_roc_auc(y, np.array(["a"] * 40))
    with pytest.raises(ValueError, match="n_permutations must be >= 0"):
        group_roc_auc(y, score, groups, n_permutations=-1)
    with pytest.raises(ValueError, match="missing values"):
        group_roc_auc(y, score, np.where(y == 1, np.nan, 1.0))


# --------------------------------------------------------------------------- compare_scorers


@pytest.fixture
def features():
    y, _, groups = make_cells(n_groups=5, n_per_group=120, seed=4)
    rng = np.random.default_rng(4)
    X = np.column_stack([y + rng.normal(size=len(y)), 0.3 * y + rng.normal(size=len(y))])
    return X, y, groups


def test_compare_scorers(features):
    X, y, _ = features
    scorers = {
        "logistic": LogisticRegression().fit(X, y),
        "svm": LinearSVC().fit(X, y),  # decision_function only
        "both": FunctionTransformer(),  # two output columns
        "second": FunctionTransformer(lambda X: X[:, [1]]),  # one column
        "minus_first": lambda X: -X[:, 0],
        "precomputed": pd.Series(X[:, 1]),  # scores computed already
        "precomputed_both": pd.DataFrame(X, columns=["a", "b"]),
    }
    table = compare_scorers(scorers, X, y)
    assert list(table.columns) == ["merged_auc"]
    assert table.index.name == "scorer"
    assert set(table.index) == {"logistic", "svm", "both:0", "both:1", "second", "minus_first",
                                "precomputed", "precomputed_both:a", "precomputed_both:b"}
    assert table.merged_auc.is_monotonic_decreasing
    assert table.index[-1] == "minus_first"
    assert table.loc["both:1", "merged_auc"] == pytest.approx(roc_auc_score(y, X[:, 1]))
    assert table.loc["second", "merged_auc"] == table.loc["both:1", "merged_auc"]
    assert table.loc["precomputed", "merged_auc"] == table.loc["both:1", "merged_auc"]
    assert table.loc["precomputed_both:a", "merged_auc"] == table.loc["both:0", "merged_auc"]
    with pytest.raises(ValueError, match="precomputed"):
        compare_scorers({"precomputed": X[:-1, 0]}, X, y)  # one score per cell
    proba = scorers["logistic"].predict_proba(X)[:, 1]
    assert table.loc["logistic", "merged_auc"] == pytest.approx(roc_auc_score(y, proba))


def test_compare_scorers_with_groups_and_permutations(features):
    X, y, groups = features
    frame = pd.DataFrame(X, columns=["cfs", "shear"])
    transformer = FunctionTransformer(feature_names_out="one-to-one").fit(frame)
    table = compare_scorers(
        {"metrics": transformer}, frame, y, groups, n_permutations=99, random_state=0
    )
    assert list(table.index) == ["metrics:cfs", "metrics:shear"]
    cols = ["merged_auc", "mean_group_auc", "median_group_auc", "fraction_significant"]
    assert list(table.columns) == cols
    per_group = group_roc_auc(y, X[:, 0], groups, n_permutations=0)
    assert table.loc["metrics:cfs", "mean_group_auc"] == pytest.approx(per_group.auc.mean())
    assert table.loc["metrics:cfs", "median_group_auc"] == pytest.approx(per_group.auc.median())
    assert table.loc["metrics:cfs", "fraction_significant"] == 1.0
    assert 0 <= table.loc["metrics:shear", "fraction_significant"] <= 1
    no_perm = compare_scorers({"metrics": transformer}, frame, y, groups)
    assert "fraction_significant" not in no_perm.columns


def test_compare_scorers_errors(features):
    X, y, _ = features
    with pytest.raises(ValueError, match="scorers is empty"):
        compare_scorers({}, X, y)
    with pytest.raises(TypeError, match=r"'bad'.*not callable"):
        compare_scorers({"bad": 42}, X, y)
    with pytest.raises(ValueError, match=r"the score of 'nan'.*NaN"):
        compare_scorers({"nan": lambda X: np.full(len(X), np.nan)}, X, y)
    with pytest.raises(ValueError, match=r"the score of 'short' has shape \(3,\)"):
        compare_scorers({"short": lambda X: np.zeros(3)}, X, y)
    with pytest.raises(ValueError, match="only one class"):
        compare_scorers({"f": lambda X: X[:, 0]}, X, np.zeros(len(y)))


# --------------------------------------------------------------------------- plots


def test_plot_roc_curves():
    y, score, groups = make_cells()
    y[groups == "event5"] = 1  # one-class group: no curve
    fig = plot_roc_curves(y, score, groups, label="ΔCFS")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.lines) == 5 + 2  # two-class groups, merged, diagonal
    assert ax.get_title() == "ΔCFS"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["each group (5)", f"all cells merged, AUC = {roc_auc_score(y, score):.3f}",
                      "chance"]
    assert ax.lines[-2].get_linewidth() > ax.lines[0].get_linewidth()
    fig2, ax2 = plt.subplots()
    assert plot_roc_curves(y, score, ax=ax2) is fig2
    assert len(ax2.lines) == 2
    assert ax2.get_title() == "ROC curve" and len(ax2.get_legend().get_texts()) == 2


def grid_cells():
    """A 10 x 8 x 3 grid of 5 km cells (m), aftershocks near the centre of the -5 km layer."""
    x, y, z = np.meshgrid(
        np.arange(10) * 5e3, np.arange(8) * 5e3, [-2.5e3, -7.5e3, -12.5e3], indexing="ij"
    )
    x, y, z = x.ravel(), y.ravel(), z.ravel()
    score = -np.hypot(x - 2.25e4, y - 1.75e4) / 1e3
    label = ((score > -8) & (z == -7.5e3)) | ((score > -4) & (z == -2.5e3))
    return x, y, z, score, label.astype(int)


def test_plot_score_map():
    x, y, z, score, label = grid_cells()
    fig = plot_score_map(x, y, score, label, z=z, score_name="ΔCFS (Pa)")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    mesh, dots = ax.collections
    assert isinstance(mesh, QuadMesh) and isinstance(dots, PathCollection)
    assert mesh.get_array().size == 80  # one slice of 10 x 8 cells
    assert len(dots.get_offsets()) == label[z == -7.5e3].sum()  # the layer with most aftershocks
    assert ax.get_title().startswith("depth 7.5 km: ")
    assert fig.axes[1].get_ylabel() == "ΔCFS (Pa)"  # colour bar
    np.testing.assert_allclose(ax.get_xlim(), (-2.5, 47.5))  # km, cell edges

    fig = plot_score_map(x, y, score, label, z=z, depth=3e3)  # positive down: z = -2.5 km
    assert fig.axes[0].get_title().startswith("depth 2.5 km: ")
    assert len(fig.axes[0].collections[1].get_offsets()) == label[z == -2.5e3].sum()
    top = z == -2.5e3
    fig, ax = plt.subplots()
    assert plot_score_map(x[top], y[top], score[top], label[top], ax=ax) is fig
    fault = np.array([[10e3, 0.0], [10e3, 20e3]])
    ax = plot_score_map(x, y, score, label, z=z, fault_xy=fault).axes[0]
    np.testing.assert_array_equal(ax.collections[2].get_offsets(), fault / 1e3)  # km
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cell with aftershocks",
                                                                   "fault"]
    with pytest.raises(ValueError, match="fault_xy must be finite points of shape"):
        plot_score_map(x, y, score, label, z=z, fault_xy=[1.0, 2.0])


def test_plot_score_map_centres_signed_scores():
    x, y, z, score, label = grid_cells()
    signed = score + 15  # -13.3 .. 15: both signs
    mesh = plot_score_map(x, y, signed, label, z=z).axes[0].collections[0]
    assert mesh.norm(0.0) == pytest.approx(0.5)  # 0 Pa at the middle of the colour map
    one_sign = plot_score_map(x, y, score, label, z=z).axes[0].collections[0]
    assert one_sign.norm.vmax == pytest.approx(score.max())  # min-max as before


def test_plot_score_map_errors():
    x, y, _, score, label = grid_cells()
    with pytest.raises(ValueError, match="pass z as well"):
        plot_score_map(x, y, score, label, depth=5e3)
    _, _, z, _, _ = grid_cells()
    with pytest.raises(ValueError, match=r"depth=-7500 m is outside the layers of z "
                       r"\(depths 2500 to 12500 m; depth is positive down"):
        plot_score_map(x, y, score, label, z=z, depth=-7.5e3)  # a z given as depth: sign slip
    with pytest.raises(ValueError, match="share the same"):
        plot_score_map(x, y, score, label)
    with pytest.raises(ValueError, match=r"y has shape \(239,\)"):
        plot_score_map(x, y[:-1], score, label)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="regular x-y grid"):
        plot_score_map(rng.random(200) * 1e5, rng.random(200) * 1e5, score[:200], label[:200])


def test_fraction_significant_needs_p_below_0_05(monkeypatch):
    """p = 0.05 is not significant, p = 0.0499 is; fewer than 20 permutations cannot get there."""
    import skdlies.aftershocks._evaluation as evaluation

    y = np.tile(np.repeat([0, 1], 10), 4)
    groups = np.repeat([0, 1, 2, 3], 20)
    X = y[:, None].astype(float)
    with pytest.warns(UserWarning, match="n_permutations=19 cannot find any group significant"):
        table = compare_scorers({"perfect": lambda X: X[:, 0]}, X, y, groups,
                                n_permutations=19, random_state=0)
    assert np.isnan(table["fraction_significant"].iloc[0])
    table = compare_scorers({"perfect": lambda X: X[:, 0]}, X, y, groups, n_permutations=99,
                            random_state=0)
    assert table["fraction_significant"].iloc[0] == 1.0

    group_table = evaluation._group_table

    def at_the_boundary(*args, **kwargs):
        table, one_class = group_table(*args, **kwargs)
        return table.assign(p_value=[0.05, 0.0499, 0.05, 0.0499]), one_class

    monkeypatch.setattr(evaluation, "_group_table", at_the_boundary)
    table = compare_scorers({"perfect": lambda X: X[:, 0]}, X, y, groups, n_permutations=99,
                            random_state=0)
    assert table["fraction_significant"].iloc[0] == 0.5


def _cells_file(tmp_path, name, groups, positives=True):
    from skdlies.datasets import make_toy_aftershocks, write_devries

    toy = make_toy_aftershocks(n_events=2, half_width_km=20, random_state=0)
    frame = toy.frame.copy()
    if not positives:
        frame["aftershocksyn"] = 0
    tags = np.where(toy.groups == 0, groups[0], groups[1]).astype(object)
    return write_devries(tmp_path / name, frame, tags)


def test_evaluate_files_warns_when_train_and_test_share_an_earthquake(tmp_path, monkeypatch):
    from skdlies.aftershocks import _workflow

    monkeypatch.setattr(_workflow, "make_pipeline", _unfittable)
    train = _cells_file(tmp_path, "train.h5", ["s1992LANDER01COHE", "s1999HECTOR01SALI"])
    test = _cells_file(tmp_path, "test.h5", ["s1992LANDER01WALD", "s1994NORTHR01WAGG"])
    with pytest.warns(UserWarning, match="share 1 earthquake.*1992-06-28"), \
            pytest.raises(_Stop):
        _workflow.evaluate_files(train, test)
    with pytest.warns(UserWarning, match="are the same file"), pytest.raises(_Stop):
        _workflow.evaluate_files(train, train)


def test_evaluate_files_checks_the_test_labels_and_permutations_first(tmp_path, monkeypatch):
    from skdlies.aftershocks import _workflow

    monkeypatch.setattr(_workflow, "make_pipeline", _unfittable)
    train = _cells_file(tmp_path, "train.h5", ["a", "b"])
    one_class = _cells_file(tmp_path, "test.h5", ["c", "d"], positives=False)
    with pytest.raises(ValueError, match="holds only the label \\[0\\]"):
        _workflow.evaluate_files(train, one_class)  # before any training (_unfittable)
    from skdlies.datasets import load_devries, write_devries

    frame, _ = load_devries(train)
    no_groups = write_devries(tmp_path / "nogroups.h5", frame)
    with pytest.warns(UserWarning, match="n_permutations=50 is ignored"), pytest.raises(_Stop):
        _workflow.evaluate_files(train, no_groups, n_permutations=50)


class _Stop(Exception):
    pass


def _unfittable(*args, **kwargs):
    raise _Stop("training started")
