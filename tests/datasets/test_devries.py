"""Tests for ``load_devries`` / ``write_devries`` on small files in the DeVries et al. layout."""

from __future__ import annotations

import re

import h5py
import numpy as np
import pandas as pd
import pytest

from skdlies.datasets import load_devries, write_devries
from skdlies.stress import DEVRIES_COLUMNS, DEVRIES_LABEL

N = 100
CSV_EXTRA = (
    "stresses_full_cfs_1",
    "stresses_full_cfs_2",
    "stresses_full_cfs_3",
    "stresses_full_cfs_4",
    "stresses_full_max_shear",
    "von_mises",
)


def make_frame(n: int = N, seed: int = 0, *, coords: bool = True, extra=()) -> pd.DataFrame:
    """Random cells: coordinates (m), stresses (Pa), extra metrics, a 0/1 label."""
    rng = np.random.default_rng(seed)
    columns = {}
    if coords:
        columns.update({c: rng.uniform(-5e4, 5e4, n) for c in "xyz"})
    columns.update({c: rng.normal(0, 1e5, n) for c in (*DEVRIES_COLUMNS, *extra)})
    columns[DEVRIES_LABEL] = rng.integers(0, 2, n).astype(np.int8)
    return pd.DataFrame(columns)


def write_authors_h5(path, frame: pd.DataFrame, **datasets) -> None:
    """Mimic the authors' Training.h5: flat datasets written by h5py, no group."""
    with h5py.File(path, "w") as f:
        for name in frame.columns:
            f.create_dataset(name, data=frame[name].to_numpy())
        for name, values in datasets.items():
            f.create_dataset(name, data=values)


def write_csv(folder, tag: str, frame: pd.DataFrame):
    path = folder / f"{tag}_grid.csv"
    frame.to_csv(path, index=False)
    return path


def csv_frame(n: int, seed: int) -> pd.DataFrame:
    """The column order of the authors' CSVs: x, y, z, stresses, metrics, label."""
    return make_frame(n, seed, extra=CSV_EXTRA)


def check_dtypes(frame: pd.DataFrame) -> None:
    for name, dtype in frame.dtypes.items():
        assert dtype == (np.int8 if name == DEVRIES_LABEL else np.float64), name


# --------------------------------------------------------------------------- HDF5


def test_authors_h5_round_trip(tmp_path):
    frame = make_frame(coords=False)
    frame[DEVRIES_LABEL] = frame[DEVRIES_LABEL].astype(np.int64)  # authors' dtype may differ
    write_authors_h5(tmp_path / "Training.h5", frame)
    loaded, groups = load_devries(tmp_path / "Training.h5")
    assert groups is None
    assert list(loaded.columns) == [*DEVRIES_COLUMNS, DEVRIES_LABEL]
    check_dtypes(loaded)
    pd.testing.assert_frame_equal(loaded, frame, check_dtype=False)
    assert isinstance(load_devries(tmp_path / "Training.h5", return_groups=False), pd.DataFrame)


@pytest.mark.parametrize(
    "groups", [np.repeat([3, 1, 2, 7], N // 4), np.repeat(["s1992LANDER", "s1999HECTOR"], N // 2)]
)
def test_write_devries_round_trip(tmp_path, groups):
    frame = make_frame()
    path = write_devries(tmp_path / "sub" / "cells.h5", frame.sample(frac=1, axis=1), groups)
    loaded, loaded_groups = load_devries(path)
    assert list(loaded.columns) == ["x", "y", "z", *DEVRIES_COLUMNS, DEVRIES_LABEL]
    check_dtypes(loaded)
    pd.testing.assert_frame_equal(loaded, frame)
    np.testing.assert_array_equal(loaded_groups, groups)
    assert loaded_groups.dtype.kind == groups.dtype.kind
    with h5py.File(path) as f:
        assert f[DEVRIES_LABEL].dtype == np.int8
        assert all(f[name].ndim == 1 for name in f)


def test_write_devries_without_groups_or_coordinates(tmp_path):
    frame = make_frame(coords=False, extra=("von_mises",))
    loaded, groups = load_devries(write_devries(tmp_path / "a.h5", frame))
    assert groups is None
    pd.testing.assert_frame_equal(loaded, frame.drop(columns="von_mises"))


@pytest.mark.parametrize("string_groups", [False, True])
def test_chunked_equals_unchunked(tmp_path, string_groups):
    groups = np.arange(N) % 9
    path = write_devries(
        tmp_path / "a.h5", make_frame(), groups.astype(str) if string_groups else groups
    )
    whole, whole_groups = load_devries(path, chunk_size=1_000_000)
    chunked, chunked_groups = load_devries(path, chunk_size=7)
    pd.testing.assert_frame_equal(chunked, whole)
    np.testing.assert_array_equal(chunked_groups, whole_groups)


def test_h5_column_subset(tmp_path):
    frame = make_frame()
    path = write_devries(tmp_path / "a.h5", frame)
    subset = [DEVRIES_LABEL, "stresses_full_xy", "z"]
    loaded = load_devries(path, columns=subset, return_groups=False)
    assert list(loaded.columns) == subset
    pd.testing.assert_frame_equal(loaded, frame[subset])
    only = load_devries(path, columns="stresses_full_xx", return_groups=False)
    assert list(only.columns) == ["stresses_full_xx"]


def test_h5_reads_only_requested_columns_in_chunks(tmp_path, monkeypatch):
    path = write_devries(tmp_path / "a.h5", make_frame())
    reads = []
    original = h5py.Dataset.__getitem__

    def spy(self, key):
        reads.append((self.name, key))
        return original(self, key)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
    load_devries(path, columns=["stresses_full_zz"], chunk_size=40)
    assert reads == [("/stresses_full_zz", slice(s, s + 40)) for s in (0, 40, 80)]


# --------------------------------------------------------------------------- CSV


@pytest.fixture
def csv_folder(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    frames = {"1999HECTOR01SALI": csv_frame(30, 1), "1992LANDER01COHE": csv_frame(20, 2)}
    for tag, frame in frames.items():
        write_csv(folder, tag, frame)
    (folder / "notes.csv").write_text("not,a,grid\n")  # ignored: not *_grid.csv
    return folder, frames


def test_csv_folder_round_trip(csv_folder):
    folder, frames = csv_folder
    loaded, groups = load_devries(folder)
    expected = pd.concat([frames["1992LANDER01COHE"], frames["1999HECTOR01SALI"]])  # sorted
    assert list(loaded.columns) == list(expected.columns)
    check_dtypes(loaded)
    pd.testing.assert_frame_equal(loaded, expected.reset_index(drop=True))
    np.testing.assert_array_equal(groups, ["1992LANDER01COHE"] * 20 + ["1999HECTOR01SALI"] * 30)


def test_csv_single_file_and_list(csv_folder):
    folder, frames = csv_folder
    one, groups = load_devries(folder / "1999HECTOR01SALI_grid.csv")
    pd.testing.assert_frame_equal(one, frames["1999HECTOR01SALI"])
    assert set(groups) == {"1999HECTOR01SALI"}
    files = [folder / "1999HECTOR01SALI_grid.csv", str(folder / "1992LANDER01COHE_grid.csv")]
    both, groups = load_devries(files)
    assert len(both) == 50
    assert list(groups[:30]) == ["1999HECTOR01SALI"] * 30


def test_csv_column_subset(csv_folder):
    folder, frames = csv_folder
    subset = ["von_mises", "x", DEVRIES_LABEL]
    loaded, groups = load_devries(folder, columns=subset)
    assert list(loaded.columns) == subset
    check_dtypes(loaded)
    assert len(groups) == 50
    pd.testing.assert_frame_equal(loaded.iloc[:20], frames["1992LANDER01COHE"][subset])


# --------------------------------------------------------------------------- errors


def test_h5_missing_dataset(tmp_path):
    path = tmp_path / "Training.h5"
    write_authors_h5(path, make_frame(coords=False).drop(columns="stresses_full_xz"))
    with pytest.raises(ValueError, match=r"Training\.h5.*lacks.*'stresses_full_xz'"):
        load_devries(path)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['x'\]"):
        load_devries(path, columns=["x"])


def test_h5_lengths_differ(tmp_path):
    path = tmp_path / "a.h5"
    write_authors_h5(path, make_frame(coords=False), x=np.zeros(N - 1))
    with pytest.raises(ValueError, match=r"differ in length.*'x': 99"):
        load_devries(path)
    write_authors_h5(path, make_frame(coords=False), group=np.zeros(N + 1, int))
    with pytest.raises(ValueError, match="differ in length"):
        load_devries(path)


@pytest.mark.parametrize("bad", [2, -1, 0.5, np.nan])
def test_h5_bad_label(tmp_path, bad):
    frame = make_frame().astype({DEVRIES_LABEL: float})
    frame.loc[57, DEVRIES_LABEL] = bad
    write_authors_h5(tmp_path / "a.h5", frame)
    with pytest.raises(ValueError, match=r"a\.h5.*'aftershocksyn'.*other than 0 and 1.*row 57"):
        load_devries(tmp_path / "a.h5", chunk_size=10)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_h5_non_finite_stress(tmp_path, bad):
    frame = make_frame()
    frame.loc[[42, 90], "stresses_full_yz"] = bad
    write_authors_h5(tmp_path / "a.h5", frame)
    with pytest.raises(ValueError, match=r"a\.h5.*'stresses_full_yz'.*non-finite.*row 42 "):
        load_devries(tmp_path / "a.h5", chunk_size=7)
    # the bad column is not read when it is not requested
    assert len(load_devries(tmp_path / "a.h5", columns=["stresses_full_xx"])[0]) == N


def test_h5_truncated_or_not_hdf5(tmp_path):
    path = write_devries(tmp_path / "cut.h5", make_frame())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.h5.*corrupt or truncated"):
        load_devries(path)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"\x00garbage" * 50)
    with pytest.raises(ValueError, match=r"junk\.h5.*corrupt or truncated"):
        load_devries(junk)


def test_h5_non_numeric_or_not_flat(tmp_path):
    path = tmp_path / "a.h5"
    write_authors_h5(
        path,
        make_frame(coords=False).drop(columns="stresses_full_xx"),
        stresses_full_xx=np.array([b"a"] * N),
    )
    with pytest.raises(ValueError, match=r"'stresses_full_xx' has dtype.*expected numbers"):
        load_devries(path)
    write_authors_h5(path, make_frame(coords=False), x=np.zeros((N, 2)))
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['x'\]"):
        load_devries(path, columns=["x"])  # a 2-D dataset is not a column


def test_csv_missing_column(csv_folder):
    folder, frames = csv_folder
    write_csv(folder, "2000TOTTOR", frames["1992LANDER01COHE"].drop(columns=DEVRIES_LABEL))
    with pytest.raises(ValueError, match=r"2000TOTTOR_grid\.csv.*lacks.*'aftershocksyn'"):
        load_devries(folder)


def test_csv_bad_values(tmp_path):
    frame = csv_frame(20, 0)
    frame.loc[5, DEVRIES_LABEL] = 3
    path = write_csv(tmp_path, "E1", frame)
    with pytest.raises(ValueError, match=r"E1_grid\.csv.*'aftershocksyn'.*row 5 "):
        load_devries(path)
    frame = csv_frame(20, 0)
    frame.loc[11, "stresses_full_xx"] = np.nan
    write_csv(tmp_path, "E1", frame)
    with pytest.raises(ValueError, match=r"E1_grid\.csv.*'stresses_full_xx'.*non-finite.*row 11 "):
        load_devries(path)


def test_csv_truncated_or_corrupt(tmp_path):
    path = write_csv(tmp_path, "CUT", csv_frame(20, 0))
    text = path.read_text()
    path.write_text(text[: len(text) - len(text.splitlines()[-1]) // 2 - 1])  # cut the last row
    with pytest.raises(ValueError, match=r"CUT_grid\.csv"):
        load_devries(path)
    path.write_bytes(b"\xff\xfe\x00\x81garbage\x00" * 20)
    with pytest.raises(ValueError, match=r"CUT_grid\.csv.*corrupt or truncated"):
        load_devries(path)
    path.write_text("")
    with pytest.raises(ValueError, match=r"CUT_grid\.csv.*corrupt or truncated"):
        load_devries(path)
    frame = csv_frame(5, 0).astype({"x": object})
    frame.loc[2, "x"] = "n/a?"
    write_csv(tmp_path, "CUT", frame)
    with pytest.raises(ValueError, match=r"CUT_grid\.csv', line 4, column 'x': 'n/a\?' is not"):
        load_devries(path)


def test_csv_files_with_different_columns(csv_folder):
    folder, frames = csv_folder
    write_csv(folder, "2000TOTTOR", frames["1992LANDER01COHE"].drop(columns="von_mises"))
    with pytest.raises(ValueError, match=r"2000TOTTOR_grid\.csv' has the columns"):
        load_devries(folder)
    assert len(load_devries(folder, columns=list(DEVRIES_COLUMNS))[0]) == 70


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_devries(tmp_path / "missing.h5")
    with pytest.raises(FileNotFoundError, match=r"No '\*_grid.csv' file"):
        load_devries(tmp_path)
    with pytest.raises(ValueError, match="empty list"):
        load_devries([])
    with pytest.raises(ValueError, match="only CSV files"):
        load_devries([tmp_path / "a.h5", tmp_path / "b_grid.csv"])
    with pytest.raises(ValueError, match="chunk_size"):
        load_devries(tmp_path / "a.h5", chunk_size=0)
    with pytest.raises(ValueError, match="returned as `groups`"):
        load_devries(tmp_path / "a.h5", columns=["x", "group"])
    with pytest.raises(ValueError, match="duplicates"):
        load_devries(tmp_path / "a.h5", columns=["x", "x"])


# --------------------------------------------------------------------------- writing


def test_write_refuses_bad_input(tmp_path):
    frame = make_frame()
    with pytest.raises(ValueError, match=re.escape("lacks the column(s) ['stresses_full_xy']")):
        write_devries(tmp_path / "a.h5", frame.drop(columns="stresses_full_xy"))
    with pytest.raises(ValueError, match=r"groups has shape \(3,\), expected \(100,\)"):
        write_devries(tmp_path / "a.h5", frame, [1, 2, 3])
    with pytest.raises(ValueError, match="integers or strings"):
        write_devries(tmp_path / "a.h5", frame, np.linspace(0, 1, N))
    bad = frame.copy()
    bad.loc[3, "x"] = np.inf
    with pytest.raises(ValueError, match=r"'x'.*non-finite.*row 3 "):
        write_devries(tmp_path / "a.h5", bad)
    bad = frame.astype({DEVRIES_LABEL: int})
    bad.loc[8, DEVRIES_LABEL] = 5
    with pytest.raises(ValueError, match=r"'aftershocksyn'.*row 8 "):
        write_devries(tmp_path / "a.h5", bad)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True])
def test_failed_write_leaves_no_half_written_file(tmp_path, monkeypatch, existing):
    target = tmp_path / "cells.h5"
    if existing:
        write_devries(target, make_frame(seed=1))
    before = target.read_bytes() if existing else None
    calls = []
    original = h5py.Group.create_dataset

    def failing(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="simulated"):
        write_devries(target, make_frame(seed=2), np.zeros(N, int))
    assert len(calls) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == (["cells.h5"] if existing else [])
    if existing:
        assert target.read_bytes() == before


def test_toy_aftershocks_round_trip_through_the_devries_layout(tmp_path):
    from skdlies.datasets import make_toy_aftershocks
    from skdlies.stress import DEVRIES_COLUMNS, DEVRIES_LABEL, max_shear

    toy = make_toy_aftershocks(n_events=2, half_width_km=20, random_state=0)
    assert toy.frame.shape[0] == len(toy.groups) == len(toy.target)
    assert set(toy.groups) == {0, 1} and 0 < toy.target.mean() < 0.5
    # labels follow the maximum shear stress, by construction
    shear = max_shear(toy.data)
    assert shear[toy.target == 1].mean() > 2 * shear[toy.target == 0].mean()
    path = write_devries(tmp_path / "toy.h5", toy.frame, toy.groups)
    frame, groups = load_devries(path)
    np.testing.assert_array_equal(groups, toy.groups)
    np.testing.assert_array_equal(frame[list(DEVRIES_COLUMNS)], toy.data)
    np.testing.assert_array_equal(frame[DEVRIES_LABEL], toy.target)
    again = make_toy_aftershocks(n_events=2, half_width_km=20, random_state=0)
    pd.testing.assert_frame_equal(again.frame, toy.frame)


def test_csv_with_text_in_a_number_column_names_line_and_column(tmp_path):
    frame = pd.DataFrame(np.ones((4, 6)), columns=list(DEVRIES_COLUMNS))
    frame["aftershocksyn"] = 0
    path = tmp_path / "s2000TEST_grid.csv"
    frame.to_csv(path, index=False)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("1.0", "1.0e", 1)  # the third data row, line 4
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"line 4, column 'stresses_full_xx': '1.0e' is not a"):
        load_devries(path)


@pytest.mark.parametrize("lazy", [False, True])
def test_csv_row_with_an_extra_field_is_an_error(tmp_path, lazy):
    # "-57,500.0" for "-57500.0": pandas reading some columns would shift the row silently
    frame = pd.DataFrame(np.ones((4, 6)), columns=list(DEVRIES_COLUMNS))
    frame.insert(0, "x", -57500.0)
    frame["aftershocksyn"] = 0
    path = tmp_path / "s2000TEST_grid.csv"
    frame.to_csv(path, index=False)
    path.write_text(path.read_text().replace("-57500.0", "-57,500.0", 1))
    with pytest.raises(ValueError, match=r"line 2: 9 fields, but the header has 8"):
        cells = load_devries(path, columns=["x", *DEVRIES_COLUMNS], lazy=lazy)
        if lazy:
            cells[0].compute()
