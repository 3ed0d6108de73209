"""``load_devries(..., lazy=True)``: dask collections that read the rows only when computed."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

from skdlies.datasets import load_devries, make_toy_aftershocks, write_devries  # noqa: E402
from skdlies.stress import DEVRIES_COLUMNS, MaxShear  # noqa: E402


@pytest.fixture(scope="module")
def toy():
    return make_toy_aftershocks(n_events=3, half_width_km=20, random_state=0)


@pytest.mark.parametrize("tags", [False, True], ids=["int_groups", "str_groups"])
def test_lazy_h5_equals_eager(toy, tmp_path, tags):
    groups = np.array([f"EV{g}" for g in toy.groups]) if tags else toy.groups
    path = write_devries(tmp_path / "cells.h5", toy.frame, groups)
    frame, expected_groups = load_devries(path)
    lazy, lazy_groups = load_devries(path, lazy=True, chunk_size=333)
    assert isinstance(lazy, dd.DataFrame) and isinstance(lazy_groups, da.Array)
    assert lazy.npartitions == -(-len(frame) // 333)
    assert lazy.known_divisions and lazy.divisions[0] == 0
    assert list(lazy.columns) == list(frame.columns)
    assert dict(lazy.dtypes) == dict(frame.dtypes)
    pd.testing.assert_frame_equal(lazy.compute(), frame)
    assert lazy_groups.shape == (len(frame),)
    np.testing.assert_array_equal(lazy_groups.compute(), expected_groups)


def test_lazy_h5_columns_no_groups_and_transform(toy, tmp_path):
    path = write_devries(tmp_path / "cells.h5", toy.frame)  # no group dataset
    lazy, groups = load_devries(path, lazy=True, columns=list(DEVRIES_COLUMNS), chunk_size=400)
    assert groups is None
    assert list(lazy.columns) == list(DEVRIES_COLUMNS)
    only = load_devries(path, lazy=True, return_groups=False)
    assert isinstance(only, dd.DataFrame)
    scores = MaxShear().transform(lazy)
    np.testing.assert_array_equal(scores.compute(), MaxShear().transform(toy.frame))
    with pytest.raises(ValueError, match="lacks the column"):
        load_devries(path, lazy=True, columns=["stresses_full_xx", "nope"])


def test_lazy_h5_reads_values_only_when_computed(toy, tmp_path):
    frame = toy.frame.copy()
    frame.loc[700, "stresses_full_zz"] = np.nan
    path = tmp_path / "bad.h5"
    # write_devries refuses NaN: write the layout by hand
    import h5py

    with h5py.File(path, "w") as h5:
        for name in frame.columns:
            h5[name] = frame[name].to_numpy()
    lazy, _ = load_devries(path, lazy=True, chunk_size=300)  # nothing read: no error yet
    lazy.partitions[0].compute()  # rows 0..299 are fine
    with pytest.raises(ValueError, match=r"'stresses_full_zz'.*at row 700"):
        lazy.compute()
    with pytest.raises(ValueError, match="at row 700"):
        load_devries(path)  # the eager read says the same


def test_lazy_csv_equals_eager(toy, tmp_path):
    for event in range(3):
        toy.frame[toy.groups == event].to_csv(tmp_path / f"EV{event}_grid.csv", index=False)
    frame, groups = load_devries(tmp_path)
    lazy, lazy_groups = load_devries(tmp_path, lazy=True)
    assert lazy.npartitions == 3, "one partition per file"
    assert "group" not in lazy.columns
    pd.testing.assert_frame_equal(lazy.compute().reset_index(drop=True), frame)
    np.testing.assert_array_equal(lazy_groups.compute().astype(str), groups)


def test_lazy_needs_dask(toy, tmp_path, monkeypatch):
    path = write_devries(tmp_path / "cells.h5", toy.frame)
    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` fail
    with pytest.raises(ImportError, match=r"pip install 'dask\[dataframe\]'"):
        load_devries(path, lazy=True)


def test_lazy_h5_reads_only_the_columns_used(toy, tmp_path, monkeypatch):
    import skdlies.datasets._devries as devries

    path = write_devries(tmp_path / "cells.h5", toy.frame)
    read = []
    partition = devries._h5_partition

    def spy(bounds, file, columns):
        read.append(list(columns))
        return partition(bounds, file, columns)

    monkeypatch.setattr(devries, "_h5_partition", spy)
    lazy = load_devries(path, lazy=True, return_groups=False, chunk_size=10**6)
    np.testing.assert_array_equal(lazy["x"].compute(), toy.frame["x"])
    assert read == [["x"]]
    read.clear()
    MaxShear().transform(lazy).compute()
    assert read == [list(DEVRIES_COLUMNS)]


def test_lazy_h5_by_relative_path_is_read_from_any_folder(toy, tmp_path, monkeypatch):
    eager, _ = load_devries(write_devries(tmp_path / "cells.h5", toy.frame, toy.groups))
    monkeypatch.chdir(tmp_path)
    lazy, groups = load_devries("cells.h5", lazy=True)
    monkeypatch.chdir(tmp_path.parent)
    pd.testing.assert_frame_equal(lazy.compute(), eager)
    (tmp_path / "cells.h5").unlink()
    with pytest.raises(FileNotFoundError, match="no longer exists"):
        lazy.compute()
    with pytest.raises(FileNotFoundError, match="no longer exists"):
        groups.compute()


def test_group_ids_must_be_integers_or_strings(toy, tmp_path):
    import h5py

    path = write_devries(tmp_path / "cells.h5", toy.frame)
    with h5py.File(path, "a") as h5:
        h5["group"] = np.full(len(toy.frame), 2.5)
    for lazy in (False, True):
        with pytest.raises(ValueError, match="'group' has dtype float64"):
            load_devries(path, lazy=lazy)


def test_lazy_csv_by_relative_path_is_read_from_any_folder(toy, tmp_path, monkeypatch):
    (tmp_path / "csv").mkdir()
    for event in range(3):
        toy.frame[toy.groups == event].to_csv(tmp_path / "csv" / f"EV{event}_grid.csv",
                                              index=False)
    eager, _ = load_devries(tmp_path / "csv")
    monkeypatch.chdir(tmp_path)
    lazy = load_devries("csv", lazy=True, return_groups=False)
    monkeypatch.chdir(tmp_path.parent)
    pd.testing.assert_frame_equal(lazy.compute().reset_index(drop=True), eager)
    next((tmp_path / "csv").iterdir()).unlink()
    with pytest.raises(FileNotFoundError, match="no longer exists"):
        lazy.compute()


def test_lazy_h5_rewritten_without_a_column_names_it(toy, tmp_path):
    import h5py

    path = write_devries(tmp_path / "cells.h5", toy.frame)
    lazy = load_devries(path, lazy=True, return_groups=False)
    with h5py.File(path, "a") as h5:
        del h5["stresses_full_xx"]
    with pytest.raises(ValueError, match="has no dataset 'stresses_full_xx' any more"):
        lazy.compute()
