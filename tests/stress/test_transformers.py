"""The stress transformers: scikit-learn contract, DataFrame input, names, units warning."""

from __future__ import annotations

import contextlib
import doctest
import pickle
import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from skdlies.stress import (
    COMPONENTS,
    DEVRIES_COLUMNS,
    CoulombStress,
    DeVriesFeatures,
    FaultDistance,
    MaxShear,
    StressInvariants,
    StressUnitsWarning,
    SumAbsStress,
    VonMises,
    coulomb_stress,
    devries_features,
    max_shear,
    stress_invariants,
    sum_abs_stress,
    von_mises,
)

FAULT = np.array([[0.0, -10.0], [0.0, 0.0], [0.0, 10.0]])

STRESS_TRANSFORMERS = [
    MaxShear(),
    VonMises(),
    StressInvariants(),
    StressInvariants(tensor="deviatoric"),
    CoulombStress(strike=30.0, dip=60.0, rake=90.0, mu=[0.0, 0.4]),
    SumAbsStress(),
    DeVriesFeatures(),
]
TRANSFORMERS = [*STRESS_TRANSFORMERS, FaultDistance(FAULT)]

def _six_columns(X):
    """``X`` with its columns repeated or cut to the six stress components."""
    if getattr(X, "ndim", 0) != 2 or X.shape[1] == 6:
        return X
    columns = np.arange(6) % X.shape[1]
    return X.iloc[:, columns] if hasattr(X, "iloc") else X[:, columns]


@contextlib.contextmanager
def six_column_checks():
    """Run scikit-learn's checks with their data widened to the six stress components.

    The checks draw data of 2-5 or 10 columns, which a stress transformer refuses, so 25
    of them would fail on the width alone. Every check passes its data through
    ``_enforce_estimator_tags_X`` (to fit the estimator's input tags); this wraps it to
    repeat the columns up to six, so each check runs its assertions on data the
    transformer accepts. Yields the list of widths it was given (to show it ran).
    """
    enforce = estimator_checks._enforce_estimator_tags_X
    widths = []

    def widened(estimator, X, X_test=None, **kwargs):
        widths.append(np.shape(X)[1] if np.ndim(X) == 2 else None)
        if X_test is None:
            return _six_columns(enforce(estimator, X, **kwargs))
        X, X_test = enforce(estimator, X, X_test, **kwargs)
        return _six_columns(X), _six_columns(X_test)

    with mock.patch.object(estimator_checks, "_enforce_estimator_tags_X", widened):
        yield widths


# The checks' data are O(1), which the units check flags as "not pascal".
@pytest.mark.filterwarnings("ignore::skdlies.stress.StressUnitsWarning")
@parametrize_with_checks(TRANSFORMERS)
def test_sklearn_compatible(estimator, check):
    if isinstance(estimator, FaultDistance):  # reads the first two columns of any width
        check(estimator)
        return
    with six_column_checks():
        check(estimator)


def test_checks_need_and_get_six_columns():
    """Unwidened, checks fail on the width alone (25 with scikit-learn 1.9); widened, none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(MaxShear(), on_fail=None)
        failed = {r["check_name"]: str(r["exception"]) for r in results if r["status"] == "failed"}
        assert failed
        assert all("6 columns" in m or "raised ValueError" in m for m in failed.values()), failed
        with six_column_checks() as widths:
            results = check_estimator(MaxShear(), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []
    assert {2, 3, 10} <= set(widths)  # the checks' own widths, all widened


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_one_column_is_refused(transformer):
    """What check_fit2d_1feature tests unwidened: one column gets the width error."""
    with pytest.raises(ValueError, match=r"needs exactly 6 columns .* got n_features=1"):
        clone(transformer).fit(np.ones((5, 1)))


# -- the contract on stress data (what the listed checks cannot test) ---------------------------


def stresses(n: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=(n, 6)) * 10 ** rng.uniform(2, 7, size=(n, 6))


def devries_frame(S: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(S, columns=list(DEVRIES_COLUMNS), index=np.arange(100, 100 + len(S)))
    df.insert(0, "x", np.linspace(-20, 20, len(S)))
    df.insert(1, "y", 3.0)
    df["aftershocksyn"] = np.arange(len(S)) % 2
    df["event"] = "1999CHICHI01MAxx"
    return df


EXPECTED = {
    "MaxShear": (lambda S: max_shear(S)[:, None], ["max_shear"]),
    "VonMises": (lambda S: von_mises(S)[:, None], ["von_mises"]),
    "StressInvariants": (stress_invariants, ["I1", "I2", "I3"]),
    "CoulombStress": (lambda S: coulomb_stress(S, 30, 60, 90, [0.0, 0.4]),
                      ["cfs_mu0", "cfs_mu0.4"]),
    "SumAbsStress": (lambda S: sum_abs_stress(S)[:, None], ["sum_abs"]),
    "DeVriesFeatures": (devries_features, [f"abs_{c}" for c in COMPONENTS]
                        + [f"neg_abs_{c}" for c in COMPONENTS]),
}
ids = [f"{type(t).__name__}-{i}" for i, t in enumerate(STRESS_TRANSFORMERS)]


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=ids)
def test_values_and_names(transformer):
    S = stresses()
    metric, names = EXPECTED[type(transformer).__name__]
    if getattr(transformer, "tensor", "full") == "deviatoric" and isinstance(
            transformer, StressInvariants):
        metric, names = (lambda S: stress_invariants(S, True)), ["dev_I1", "dev_I2", "dev_I3"]
    Xt = clone(transformer).fit_transform(S)
    assert Xt.dtype == np.float64 and Xt.shape == (len(S), len(names))
    np.testing.assert_array_equal(Xt, metric(S))
    assert clone(transformer).fit(S).get_feature_names_out().tolist() == names


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=ids)
def test_array_contract_on_six_columns(transformer):
    """Stateless, pickleable, row-wise; float32, Fortran-order, read-only and list input."""
    S = stresses()
    est = clone(transformer)
    reference = est.fit_transform(S)
    np.testing.assert_array_equal(clone(transformer).transform(S), reference)  # no fit needed
    assert est.n_features_in_ == 6 and not hasattr(est, "feature_names_in_")
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(S), reference)
    order = np.random.default_rng(1).permutation(len(S))
    np.testing.assert_array_equal(est.transform(S[order]), reference[order])
    np.testing.assert_array_equal(est.transform(S[:7]), reference[:7])
    np.testing.assert_array_equal(est.transform(np.asfortranarray(S)), reference)
    read_only = S.copy()
    read_only.flags.writeable = False
    np.testing.assert_array_equal(est.transform(read_only), reference)
    np.testing.assert_array_equal(est.transform(S.tolist()), reference)
    S32 = S.astype(np.float32)
    np.testing.assert_array_equal(est.transform(S32), clone(transformer).fit_transform(
        S32.astype(np.float64)))


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=ids)
def test_dataframe_in_and_out(transformer):
    S = stresses()
    df = devries_frame(S)
    est = clone(transformer).fit(df)
    assert est.feature_names_in_.tolist() == list(DEVRIES_COLUMNS) and est.n_features_in_ == 6
    np.testing.assert_array_equal(est.transform(df[::-1])[::-1], clone(transformer).transform(S))
    out = clone(transformer).set_output(transform="pandas").fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == est.get_feature_names_out().tolist()
    assert out.index.equals(df.index)


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=ids)
def test_pipeline_feature_names_from_a_wider_frame(transformer):
    # The stress columns are read from a frame with other columns (as load_devries gives it):
    # a Pipeline passes all the frame's columns to get_feature_names_out.
    df = devries_frame(stresses()).assign(x=1.0, y=2.0)
    pipe = make_pipeline(FunctionTransformer(feature_names_out="one-to-one"), clone(transformer))
    pipe.fit(df)
    names = clone(transformer).get_feature_names_out()
    assert pipe.get_feature_names_out().tolist() == names.tolist()
    assert pipe.set_output(transform="pandas").transform(df).columns.tolist() == names.tolist()
    with pytest.raises(ValueError, match=r"lacks the column.*stresses_full_xx"):
        pipe[-1].get_feature_names_out(["x", "y"])
    fitted_on_array = clone(transformer).fit(stresses())
    with pytest.raises(ValueError, match="input_features should have length"):
        fitted_on_array.get_feature_names_out(["a", "b"])


def test_columns_may_be_an_index_or_array():
    df = devries_frame(stresses())
    expected = MaxShear().fit_transform(df)
    for columns in (pd.Index(DEVRIES_COLUMNS), np.array(DEVRIES_COLUMNS)):
        np.testing.assert_array_equal(MaxShear(columns=columns).fit_transform(df), expected)
    with pytest.raises(ValueError, match="'columns' parameter"):
        MaxShear(columns="stresses_full_xx").fit(df)


def test_missing_or_misordered_input_is_refused():
    df = devries_frame(stresses())
    with pytest.raises(ValueError, match="stresses_full_xz"):
        MaxShear().fit(df.drop(columns="stresses_full_xz"))
    with pytest.raises(ValueError, match=r"exactly 6 columns \(xx, yy, zz, xy, xz, yz"):
        MaxShear().fit(df.to_numpy()[:, :5].astype(float))
    with pytest.raises(ValueError, match="n_features=8"):
        SumAbsStress().transform(np.zeros((3, 8)) + 1e5)
    renamed = df.rename(columns=dict(zip(DEVRIES_COLUMNS, COMPONENTS, strict=True)))
    np.testing.assert_array_equal(VonMises(columns=COMPONENTS).fit_transform(renamed),
                                  VonMises().fit_transform(df))
    with pytest.raises(ValueError, match="columns must name 6"):
        VonMises(columns=("xx", "yy")).fit(renamed)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_refused(bad):
    S = stresses()
    S[3, 2] = bad
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        MaxShear().fit(S)
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        CoulombStress().transform(S)


def test_units_warning():
    S = stresses()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DeVriesFeatures().fit_transform(S)  # Pa: silent
    with pytest.warns(StressUnitsWarning, match="MPa"):
        DeVriesFeatures().fit(S / 1e6)
    with pytest.warns(StressUnitsWarning):
        MaxShear().transform(S / 1e6)
    assert issubclass(StressUnitsWarning, UserWarning)
    # once per call, and at the caller's line (not inside skdlies or scikit-learn)
    for call in (MaxShear().fit, MaxShear().fit_transform,
                 make_pipeline(MaxShear()).fit_transform):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(S / 1e6)
        assert [w.category for w in caught] == [StressUnitsWarning]
        assert caught[0].filename == __file__


def test_tensor_choice_and_parameter_errors():
    S = stresses()
    for cls in (MaxShear, VonMises):  # deviator invariants: no tensor choice to offer
        assert "tensor" not in cls().get_params()
    with pytest.raises(ValueError, match="tensor"):
        StressInvariants(tensor="bogus").fit(S)
    with pytest.raises(ValueError, match="tensor"):
        StressInvariants(tensor="bogus").transform(S)  # stateless: validated in transform too
    with pytest.raises(ValueError, match="dip"):
        CoulombStress(dip=120).fit(S)
    with pytest.raises(ValueError, match="differ in their first 6 significant digits"):
        CoulombStress(mu=[0.1, 0.1000001]).fit(S)  # both would name the column cfs_mu0.1
    with pytest.raises(ValueError, match="mu"):
        CoulombStress(mu=[0.4, -1.0]).fit(S)
    assert CoulombStress(mu=0.6, kind="total").get_feature_names_out().tolist() == [
        "cfs_total_mu0.6"]


def test_feature_union_of_all_metrics_on_devries_frame():
    df = devries_frame(stresses())
    union = make_union(*[clone(t) for t in STRESS_TRANSFORMERS], FaultDistance(FAULT))
    union.set_output(transform="pandas")
    out = union.fit_transform(df)
    assert out.shape == (len(df), 1 + 1 + 3 + 3 + 2 + 1 + 12 + 1)
    assert out.columns[-1] == "faultdistance__r_km"


def test_fault_distance():
    xy = np.array([[3.0, 0.0], [0.0, 14.0], [-1.0, 10.0]])
    expected = np.array([[3.0], [4.0], [1.0]])
    np.testing.assert_array_equal(FaultDistance(FAULT).fit_transform(xy), expected)
    in_metres = FaultDistance(np.asarray(FAULT) * 1e3, unit="m").fit_transform(xy * 1e3)
    np.testing.assert_allclose(in_metres, expected, rtol=1e-12)
    wide = np.hstack([xy, stresses(3)])  # further columns are ignored
    np.testing.assert_array_equal(FaultDistance(FAULT).fit_transform(wide), expected)
    df = pd.DataFrame({"lon_km": xy[:, 0], "lat_km": xy[:, 1], "note": ["a", "b", "c"]})
    est = FaultDistance(FAULT, columns=("lon_km", "lat_km")).set_output(transform="pandas")
    assert est.fit_transform(df)["r_km"].tolist() == [3.0, 4.0, 1.0]
    with pytest.raises(ValueError, match=r"\['x', 'y'\]"):
        FaultDistance(FAULT).fit(df)
    with pytest.raises(ValueError, match="fault_xy"):
        FaultDistance(np.zeros((3, 3))).fit(xy)
    with pytest.raises(ValueError, match="at least 2 columns"):
        FaultDistance(FAULT).fit(xy[:, :1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # km coordinates are no stress: no units warning
        FaultDistance(FAULT).fit_transform(xy / 1e3)


def test_docstring_examples():
    from skdlies.stress import _faults, _transformers

    for module in (_transformers, _faults):
        assert doctest.testmod(module, raise_on_error=True).attempted > 0


def test_transform_without_fit_reads_dataframes_silently():
    df = devries_frame(stresses())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = MaxShear().transform(df)
    assert out.shape == (len(df), 1)
