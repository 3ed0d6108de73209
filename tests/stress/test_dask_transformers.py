"""The stress transformers on dask arrays and dask DataFrames: lazy, blockwise, same values."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
import dask  # noqa: E402

from skdlies.datasets import make_toy_aftershocks  # noqa: E402
from skdlies.stress import (  # noqa: E402
    DEVRIES_COLUMNS,
    CoulombStress,
    DeVriesFeatures,
    FaultDistance,
    MaxShear,
    StressInvariants,
    SumAbsStress,
    VonMises,
)

STRESS_TRANSFORMERS = [
    MaxShear(),
    VonMises(),
    StressInvariants(tensor="deviatoric"),
    SumAbsStress(),
    DeVriesFeatures(),
    CoulombStress(strike=30, dip=60, rake=90, mu=[0.0, 0.4]),
]
ALL = [*STRESS_TRANSFORMERS, FaultDistance([[0.0, 0.0], [5e3, 0.0]], unit="m")]


@pytest.fixture(scope="module")
def toy():
    return make_toy_aftershocks(n_events=2, half_width_km=20, random_state=0)


def forbid_compute(*args, **kwargs):
    raise AssertionError("something was computed")


def _ids(est):
    return type(est).__name__


@pytest.mark.parametrize("transformer", STRESS_TRANSFORMERS, ids=_ids)
def test_dask_array_equals_numpy(transformer, toy):
    expected = clone(transformer).fit_transform(toy.data)
    X = da.from_array(toy.data, chunks=(97, 4))  # uneven row chunks, columns split too
    out = clone(transformer).fit(X).transform(X)
    assert isinstance(out, da.Array) and out.dtype == np.float64
    assert out.chunks[0] == X.chunks[0], "one output block per input row chunk"
    np.testing.assert_array_equal(out.compute(), expected)


def test_fault_distance_reads_the_first_two_columns_of_a_wider_dask_array(toy):
    xyz = toy.frame[["x", "y", "z", *DEVRIES_COLUMNS]].to_numpy()
    est = FaultDistance([[0.0, 0.0], [5e3, 0.0]], unit="m")
    out = est.transform(da.from_array(xyz, chunks=(128, 2)))
    assert out.shape == (len(xyz), 1)
    np.testing.assert_array_equal(out.compute(), est.transform(xyz))


@pytest.mark.parametrize("transformer", ALL, ids=_ids)
def test_dask_frame_equals_pandas(transformer, toy):
    frame = toy.frame
    ddf = dd.from_pandas(frame, npartitions=3)
    expected = clone(transformer).fit_transform(frame)
    out = clone(transformer).transform(ddf)
    assert isinstance(out, da.Array)
    np.testing.assert_array_equal(out.compute(), expected)

    est = clone(transformer).set_output(transform="pandas")
    named = est.fit_transform(ddf)
    assert isinstance(named, dd.DataFrame)
    assert list(named.columns) == list(est.get_feature_names_out())
    result = named.compute()
    pd.testing.assert_index_equal(result.index, frame.index)
    np.testing.assert_array_equal(result.to_numpy(), expected)
    assert list(est.feature_names_in_) == list(est.columns)


def test_dask_array_with_pandas_output_is_a_named_dask_frame(toy):
    est = StressInvariants().set_output(transform="pandas")
    out = est.transform(da.from_array(toy.data, chunks=100))
    assert isinstance(out, dd.DataFrame) and list(out.columns) == ["I1", "I2", "I3"]
    np.testing.assert_array_equal(out.compute().to_numpy(), StressInvariants().transform(toy.data))


def test_dask_frame_columns_are_read_by_name(toy):
    shuffled = toy.frame[["z", *DEVRIES_COLUMNS[::-1], "aftershocksyn"]]
    out = MaxShear().transform(dd.from_pandas(shuffled, npartitions=2)).compute()
    np.testing.assert_array_equal(out, MaxShear().transform(toy.data))
    with pytest.raises(ValueError, match="lacks the column"):
        MaxShear().transform(dd.from_pandas(toy.frame.drop(columns="stresses_full_xy"),
                                            npartitions=2))


@pytest.mark.parametrize("transformer", ALL, ids=_ids)
def test_transform_is_lazy(transformer, toy):
    calls = []

    def load(block):
        calls.append(len(block))
        return block

    X = da.from_array(toy.frame[list(transformer.columns)].to_numpy(), chunks=200)
    X = X.map_blocks(load, dtype=X.dtype, meta=np.empty((0, 0)))  # meta: no trial call
    ddf = dd.from_pandas(toy.frame, npartitions=2)
    with dask.config.set(scheduler=forbid_compute):
        est = clone(transformer).fit(X)
        lazy = est.transform(X)
        lazy_frame = clone(transformer).set_output(transform="pandas").fit_transform(ddf)
        with pytest.raises(AssertionError, match="computed"):
            lazy.compute()
    assert calls == [], "no block was read before compute"
    assert lazy.compute(scheduler="sync").shape[0] == len(toy.frame)
    assert sorted(calls) == sorted(X.chunks[0]), "each block read once"
    assert len(lazy_frame.compute(scheduler="sync")) == len(toy.frame)


def test_errors_on_dask_input(toy):
    with pytest.raises(ValueError, match="exactly 6 columns"):
        MaxShear().transform(da.zeros((10, 5), chunks=5))  # known at once: no compute
    with pytest.raises(ValueError, match="2-D"):
        MaxShear().transform(da.zeros(10, chunks=5))
    with pytest.raises(ValueError, match="X has 7 features"):
        MaxShear().fit(toy.data[:, :6]).transform(da.zeros((10, 7), chunks=5))
    bad = toy.data.copy()
    bad[250, 2] = np.nan
    lazy = VonMises().transform(da.from_array(bad, chunks=100))  # found only when computed
    with pytest.raises(ValueError, match="NaN"):
        lazy.compute(scheduler="sync")
    with pytest.raises(ValueError, match="not supported for dask"):
        MaxShear().set_output(transform="polars").transform(da.from_array(toy.data))
    with pytest.raises(TypeError, match="2-D dask array or a dask DataFrame"):
        MaxShear().transform(dd.from_pandas(toy.frame, npartitions=2)["stresses_full_xx"])


def test_dask_stays_optional():
    code = ("import sys, numpy as np; from skdlies.stress import MaxShear; "
            "import skdlies.datasets, skdlies.aftershocks; "
            "MaxShear().fit_transform(np.ones((3, 6)) * 1e5); "
            "assert not any(m == 'dask' or m.startswith('dask.') for m in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    blocked = ("import sys; sys.modules['dask'] = None; import numpy as np; "  # as if absent
               "from skdlies.stress import VonMises; from skdlies.datasets import load_devries; "
               "print(VonMises().fit_transform([[1e5, 1e5, 1e5, 0, 0, 0]])[0, 0])")  # isotropic
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout.strip() == "0.0", result.stderr


def test_lazy_results_keep_the_parameters_of_their_transform(toy):
    """A later set_params does not reach into a graph already built."""
    X = da.from_array(toy.data, chunks=(97, 6))
    frame = dd.from_pandas(pd.DataFrame(toy.data, columns=list(DEVRIES_COLUMNS)), npartitions=3)
    est = CoulombStress(strike=30, dip=60, rake=90)
    for data in (X, frame):
        lazy = [est.set_params(mu=mu).transform(data) for mu in (0.0, 0.4, 0.8)]
        for mu, out in zip((0.0, 0.4, 0.8), lazy, strict=True):
            expected = CoulombStress(strike=30, dip=60, rake=90, mu=mu).transform(toy.data)
            np.testing.assert_array_equal(np.asarray(out.compute()), expected)


def test_pandas_output_keeps_the_index_dtype_of_a_dask_frame(toy):
    pdf = pd.DataFrame(toy.data, columns=list(DEVRIES_COLUMNS))
    pdf.index = pd.Index([f"cell{i}" for i in range(len(pdf))], dtype=object)
    frame = dd.from_pandas(pdf, npartitions=3, sort=False)
    out = MaxShear().set_output(transform="pandas").transform(frame)
    computed = out.compute()
    assert out._meta.index.dtype == computed.index.dtype
    assert computed.index.tolist() == pdf.index.tolist()


def test_pandas_output_of_a_dask_array_of_unknown_chunks_is_refused(toy):
    X = da.from_array(toy.data, chunks=(97, 6))
    X = X[X[:, 0] > 0]  # unknown row chunks
    est = MaxShear().set_output(transform="pandas")
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        est.transform(X)
    out = est.transform(X.compute_chunk_sizes())
    assert out.compute().index.is_unique


def test_missing_values_of_a_nullable_dask_frame_are_named(toy):
    pdf = pd.DataFrame(toy.data, columns=list(DEVRIES_COLUMNS)).astype("Float64")
    pdf.iloc[5, 2] = pd.NA
    frame = dd.from_pandas(pdf, npartitions=2)
    for output in ("default", "pandas"):
        lazy = MaxShear().set_output(transform=output).transform(frame)
        with pytest.raises(ValueError, match="NaN"):
            lazy.compute()
