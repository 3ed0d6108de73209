"""The stress-change / aftershock files of DeVries et al. (2018): HDF5 and per-event CSV.

Layout (units and signs: :mod:`skdlies.stress._conventions`): one row per grid
cell, flat 1-D columns ``stresses_full_xx`` ... ``stresses_full_yz`` (Pa,
tension positive) and ``aftershocksyn`` (1: the cell holds aftershocks), and
optionally ``x``, ``y``, ``z`` (cell centre, metres) and ``group`` (the id of
the slip distribution). The authors ship ``Training.h5`` / ``Testing.h5``
(stresses and labels only) and one ``<EVENTTAG>_grid.csv`` per slip
distribution (coordinates, stresses, Coulomb and other scalar metrics, label).

P. M. R. DeVries, F. Viégas, M. Wattenberg & B. J. Meade, "Deep learning of
aftershock patterns following large earthquakes", Nature 560, 632-634 (2018).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .._io import atomic_path
from ..stress._conventions import DEVRIES_COLUMNS, DEVRIES_LABEL

__all__ = ["load_devries", "write_devries"]

COORDINATES = ("x", "y", "z")
GROUP = "group"
CSV_SUFFIX = "_grid.csv"
_REQUIRED = (*DEVRIES_COLUMNS, DEVRIES_LABEL)
_LAYOUT = (*COORDINATES, *_REQUIRED)

PathLike = str | os.PathLike[str]


def load_devries(
    path: PathLike | Sequence[PathLike],
    *,
    columns: Sequence[str] | None = None,
    chunk_size: int = 1_000_000,
    return_groups: bool = True,
    lazy: bool = False,
) -> tuple[pd.DataFrame, np.ndarray | None] | pd.DataFrame:
    """Read DeVries et al. (2018) stress/aftershock cells into a DataFrame.

    Two kinds of source are understood:

    - an HDF5 file (the authors' ``Training.h5`` / ``Testing.h5``, or one written
      by :func:`write_devries`) holding flat 1-D datasets of equal length. It is
      read one column at a time, in chunks of ``chunk_size`` rows, into
      preallocated arrays, and only the requested ``columns`` are read;
    - the authors' per-slip-distribution CSV files ``<EVENTTAG>_grid.csv``: one
      file, a folder (every ``*_grid.csv`` in it, sorted by name) or a list of
      files, concatenated in that order. The group of each row is the
      ``EVENTTAG`` of its file (the file name without ``_grid.csv``, or the
      file's stem if it does not end so).

    Parameters
    ----------
    path : path-like or sequence of path-like
        A ``.csv`` file, a folder of ``*_grid.csv`` files or a list of CSV files;
        any other file is read as HDF5.
    columns : sequence of str or None, default=None
        Columns to read, in this order. ``None`` reads every column the file
        holds (for HDF5: every 1-D dataset except ``group``) and requires the
        six ``stresses_full_*`` columns and ``aftershocksyn``; the order is
        then ``x, y, z`` (if present), the six stresses in
        :data:`~skdlies.stress.DEVRIES_COLUMNS` order, the other columns in file
        order (HDF5: alphabetical) and the label last.
    chunk_size : int, default=1_000_000
        Rows per read from an HDF5 dataset (bounds the temporary memory; the
        CSV reader ignores it). With ``lazy=True``: rows per partition.
    return_groups : bool, default=True
        If True, return ``(frame, groups)``; if False, only ``frame``.
    lazy : bool, default=False
        If True (needs ``pip install 'dask[dataframe]'``), read nothing but the
        column names and lengths now and return a **dask** DataFrame (and dask
        array of groups) that reads the rows when computed, for files larger
        than memory. HDF5: one partition of ``chunk_size`` rows per block
        (known divisions, the same ``RangeIndex``; a computation reads only
        the columns it uses); CSV: one partition per file
        (index restarting at 0 in each file). The values are those of the eager
        read; the checks of the values run when a partition is computed.
        The stress transformers of :mod:`skdlies.stress` transform such a frame
        lazily, block by block.

    Returns
    -------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        One row per cell with a ``RangeIndex``. ``aftershocksyn`` is int8
        (0/1); every other column is float64. A dask DataFrame if ``lazy``.
    groups : ndarray or dask array of shape (n_rows,), or None
        Only if ``return_groups``: a numpy array (of str dtype for strings),
        or if ``lazy`` a dask array (of object dtype for strings, as dask
        stores them). The slip-distribution id of each row (str ``EVENTTAG`` for
        CSV; the ``group`` dataset of an HDF5 file, as int64 or str). ``None``
        for an HDF5 file without a ``group`` dataset, such as the authors'
        files: they do not say which cell belongs to which slip distribution.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, or a folder holds no ``*_grid.csv`` file.
    ValueError
        If a requested column is missing (the message names it and the file),
        datasets differ in length or are not 1-D numbers, ``aftershocksyn``
        holds values other than 0 and 1, a column other than the label holds
        NaN or infinity (the message names the column and the first bad row,
        0-based within its file), the ``group`` dataset holds neither integers
        nor strings, the files of a list differ in columns, or a file is
        corrupt or truncated. With ``lazy=True`` the checks of the values run,
        and a file deleted meanwhile raises ``FileNotFoundError``, when a
        partition is computed.

    Examples
    --------
    >>> from skdlies.datasets import load_devries
    >>> frame, groups = load_devries("Training.h5")  # doctest: +SKIP
    >>> frame.shape, groups  # doctest: +SKIP
    ((4710526, 7), None)
    >>> frame, groups = load_devries("csv_folder/")  # doctest: +SKIP
    >>> from sklearn.model_selection import GroupKFold
    >>> folds = GroupKFold(5).split(frame, groups=groups)  # doctest: +SKIP
    >>> cells, groups = load_devries("big.h5", lazy=True, chunk_size=500_000)  # doctest: +SKIP
    >>> MaxShear().transform(cells).compute()  # doctest: +SKIP
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive number of rows, got {chunk_size}.")
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else list(columns)
        if GROUP in columns:
            raise ValueError(f"'{GROUP}' is returned as `groups`, not as a column of the frame.")
        if not columns or len(set(columns)) != len(columns):
            raise ValueError(f"columns must be non-empty and free of duplicates, got {columns}.")
    files = _source_files(path)
    if lazy:
        return _load_lazy(files, columns, chunk_size, return_groups)
    if files[0].suffix.lower() == ".csv":
        arrays, groups = _read_csvs(files, columns)
    else:
        arrays, groups = _read_h5(files[0], columns, chunk_size)
    frame = pd.DataFrame(arrays, copy=False)
    return (frame, groups) if return_groups else frame


def write_devries(
    path: PathLike,
    frame: pd.DataFrame,
    groups: np.ndarray | Sequence | None = None,
    *,
    extra_columns: Sequence[str] = (),
) -> Path:
    """Write cells to an HDF5 file in the layout :func:`load_devries` reads.

    The file holds flat 1-D datasets: the six ``stresses_full_*`` columns
    (float64), ``aftershocksyn`` (int8), ``x``, ``y``, ``z`` (float64) if the
    frame has them, and ``group`` (int64 or UTF-8 strings) if ``groups`` is
    given, and the numeric ``extra_columns`` (e.g. the aftershock ``count``).
    Other columns of ``frame`` are not written. The file is written
    under a temporary name beside ``path`` and renamed only when complete, so
    a failure never leaves a half-written file (an existing ``path`` is kept).

    Parameters
    ----------
    path : path-like
        The HDF5 file to (over)write; missing parent folders are created.
    frame : pandas.DataFrame
        Must hold the six stresses and the label; values are checked as
        :func:`load_devries` checks them.
    groups : array-like of int or str, shape (len(frame),), optional
        The slip-distribution id of each row.
    extra_columns : sequence of str, default=()
        Further numeric columns to write (read back as float64).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        If ``frame`` lacks a required column, holds non-finite values or labels
        other than 0/1, or ``groups`` has the wrong length or type.
    """
    missing = [name for name in (*_REQUIRED, *extra_columns) if name not in frame.columns]
    if missing:
        raise ValueError(
            f"write_devries: frame lacks the column(s) {missing}; the DeVries layout needs "
            f"{list(_REQUIRED)} (x, y, z are optional)."
        )
    data = {}
    for name in [*(c for c in _LAYOUT if c in frame.columns), *extra_columns]:
        values = frame[name].to_numpy()
        if values.dtype.kind not in "biuf":
            raise ValueError(f"frame: column '{name}' has dtype {values.dtype}, expected numbers.")
        _check_values("frame", name, values)
        data[name] = values.astype(_dtype(name))
    if groups is not None:
        data[GROUP] = _as_groups(groups, len(frame))
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as file:
        for name, values in data.items():
            string = values.dtype.kind == "U"
            file.create_dataset(
                name,
                data=values.astype(object) if string else values,
                dtype=h5py.string_dtype("utf-8") if string else values.dtype,
            )
    return Path(path)


def _source_files(path: PathLike | Sequence[PathLike]) -> list[Path]:
    """The file(s) to read: one HDF5 file, or one or more CSV files."""
    if isinstance(path, str | os.PathLike):
        path = Path(path).expanduser()
        if path.is_dir():
            files = sorted(path.glob(f"*{CSV_SUFFIX}"))
            if not files:
                raise FileNotFoundError(f"No '*{CSV_SUFFIX}' file in folder '{path}'.")
            return files
        files = [path]
    else:
        files = [Path(p).expanduser() for p in path]
        if not files:
            raise ValueError("path is an empty list; pass at least one CSV file.")
        not_csv = [str(f) for f in files if f.suffix.lower() != ".csv"]
        if len(files) > 1 and not_csv:
            raise ValueError(f"A list of files must hold only CSV files; got {not_csv}.")
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(f"DeVries file not found: '{file}'.")
    return files


def _dtype(name: str) -> type:
    return np.int8 if name == DEVRIES_LABEL else np.float64


def _ordered(names: Sequence[str]) -> list[str]:
    """Coordinates, the six stresses, the other columns in the given order, the label."""
    first = [c for c in (*COORDINATES, *DEVRIES_COLUMNS) if c in names]
    rest = [c for c in names if c not in first and c != DEVRIES_LABEL]
    return first + rest + [DEVRIES_LABEL] * (DEVRIES_LABEL in names)


def _select(available: Sequence[str], columns: list[str] | None, source: str) -> list[str]:
    """The columns to read, checking that the requested (or required) ones exist."""
    wanted = list(_REQUIRED) if columns is None else columns
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(
            f"DeVries file '{source}' lacks the column(s) {missing}; it holds {list(available)}."
        )
    return _ordered(available) if columns is None else columns


def _check_values(where: str, name: str, values: np.ndarray, offset: int = 0) -> None:
    """Labels must be 0/1, everything else finite; name the first bad row (``where`` first)."""
    if name == DEVRIES_LABEL:
        bad = (values != 0) & (values != 1)
        what = "a label other than 0 and 1"
    elif values.dtype.kind == "f":
        bad = ~np.isfinite(values)
        what = "a non-finite value"
    else:
        return
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{where}: column '{name}' holds {what} ({values[i].item()!r}) "
            f"at row {offset + i} (the first bad row, 0-based)."
        )


def _as_groups(groups: np.ndarray | Sequence, n_rows: int) -> np.ndarray:
    """Groups as int64 or str, one per row."""
    groups = np.asarray(groups)
    if groups.shape != (n_rows,):
        raise ValueError(f"groups has shape {groups.shape}, expected ({n_rows},) (one per row).")
    if groups.dtype.kind in "iu":
        return groups.astype(np.int64)
    if groups.dtype.kind in "U" or all(isinstance(g, str) for g in groups):
        return groups.astype(str)
    raise ValueError(f"groups must be integers or strings, got dtype {groups.dtype}.")


def _read_h5(
    file: Path, columns: list[str] | None, chunk_size: int
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    with _reading_h5(file), h5py.File(file, "r") as h5:
        datasets, n_rows = _h5_datasets(h5, file, columns)
        arrays = {
            name: _read_dataset(file, name, ds, n_rows, chunk_size)
            for name, ds in datasets.items()
        }
    return arrays, arrays.pop(GROUP, None)


def _h5_datasets(h5: h5py.File, file: Path, columns: list[str] | None
                 ) -> tuple[dict[str, h5py.Dataset], int]:
    """The 1-D datasets to read (the selected columns, then ``group`` if there is one) and
    their common length."""
    flat = [k for k, v in h5.items() if isinstance(v, h5py.Dataset) and v.ndim == 1]
    names = _select([k for k in flat if k != GROUP], columns, str(file))
    datasets = {name: h5[name] for name in names}
    if GROUP in flat:
        datasets[GROUP] = h5[GROUP]
    return datasets, _common_length(file, datasets)


@contextlib.contextmanager
def _reading_h5(file: str | Path):
    """h5py's errors (not HDF5, truncated, a broken link) as one clear ValueError."""
    try:
        yield
    except (OSError, KeyError, RuntimeError) as exc:
        raise ValueError(
            f"DeVries file '{file}' is corrupt or truncated (not a readable HDF5 file): {exc}"
        ) from exc


def _common_length(file: Path, datasets: dict[str, h5py.Dataset]) -> int:
    lengths = {name: len(ds) for name, ds in datasets.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"DeVries file '{file}': datasets differ in length: {lengths}.")
    return next(iter(lengths.values()))


def _read_dataset(
    file: Path, name: str, ds: h5py.Dataset, n_rows: int, chunk_size: int
) -> np.ndarray:
    """One dataset, ``chunk_size`` rows at a time, checked and written into a new array."""
    string = h5py.check_string_dtype(ds.dtype) is not None
    if name == GROUP:
        out = np.empty(n_rows, object if _group_kind(file, ds) == "str" else np.int64)
    elif ds.dtype.kind in "biuf":
        out = np.empty(n_rows, _dtype(name))
    else:
        raise ValueError(
            f"DeVries file '{file}': dataset '{name}' has dtype {ds.dtype}, expected numbers."
        )
    source = ds.asstr() if string else ds
    for start in range(0, n_rows, chunk_size):
        chunk = source[start : start + chunk_size]
        _check_values(f"DeVries file '{file}'", name, chunk, offset=start)
        out[start : start + len(chunk)] = chunk
    return out.astype(str) if string else out


def _event_tag(file: Path) -> str:
    name = file.name
    return name[: -len(CSV_SUFFIX)] if name.endswith(CSV_SUFFIX) else file.stem


def _read_csvs(
    files: list[Path], columns: list[str] | None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    parts = [_read_csv(file, columns) for file in files]
    _check_same_columns(files, [list(part) for part in parts])
    arrays = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    groups = np.concatenate(
        [
            np.full(len(next(iter(part.values()))), _event_tag(f))
            for f, part in zip(files, parts, strict=True)
        ]
    )
    return arrays, groups


def _check_same_columns(files: list[Path], names: list[list[str]]) -> None:
    """A ValueError naming the first file whose columns differ from the first file's."""
    for file, part in zip(files[1:], names[1:], strict=True):
        if part != names[0]:
            raise ValueError(
                f"DeVries file '{file}' has the columns {part}, but '{files[0]}' has "
                f"{names[0]}; pass columns= to read the common ones."
            )


def _csv_header(file: Path) -> list[str]:
    """The column names of a DeVries CSV file, or a ValueError naming the file."""
    try:
        return list(pd.read_csv(file, nrows=0, skipinitialspace=True).columns)
    except (ValueError, OSError) as exc:  # ParserError, EmptyDataError, UnicodeDecodeError
        raise _corrupt_csv(file, exc) from exc


def _check_field_counts(file: Path, width: int) -> None:
    """A ValueError naming the first line whose number of fields is not the header's.

    pandas does not check it when it reads only some columns (``usecols``): a row
    with an extra comma would silently shift its values into the next columns.
    """
    data = np.fromfile(file, dtype=np.uint8)
    bounds = np.concatenate([[-1], np.flatnonzero(data == ord("\n")), [len(data)]])
    fields = np.diff(np.searchsorted(np.flatnonzero(data == ord(",")), bounds)) + 1
    blank = np.diff(bounds) <= 2  # an empty line, or "\r" alone
    bad = np.flatnonzero((fields != width) & ~blank)
    if bad.size:
        raise ValueError(
            f"DeVries file '{file}', line {bad[0] + 1}: {fields[bad[0]]} fields, but the header "
            f"has {width} ({bad.size} such line(s))."
        )


def _read_csv(file: Path, columns: list[str] | None) -> dict[str, np.ndarray]:
    header = _csv_header(file)
    names = _select(header, columns, str(file))
    _check_field_counts(file, len(header))
    try:
        frame = pd.read_csv(file, usecols=names, dtype=np.float64, skipinitialspace=True)
    except (ValueError, OSError) as exc:
        raise _not_a_number(file, names) or _corrupt_csv(file, exc) from exc
    arrays = {}
    for name in names:
        values = frame[name].to_numpy()
        _check_values(f"DeVries file '{file}'", name, values)
        arrays[name] = values.astype(_dtype(name), copy=False)
    return arrays


def _load_lazy(files: list[Path], columns: list[str] | None, chunk_size: int,
               return_groups: bool):
    """``load_devries(..., lazy=True)``: dask collections reading the rows when computed."""
    try:
        import dask
        import dask.array as da
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(
            "load_devries(..., lazy=True) needs dask: pip install 'dask[dataframe]'."
        ) from exc
    files = [f.resolve() for f in files]  # read later, perhaps by a worker in another folder
    if files[0].suffix.lower() == ".csv":
        names = [_select(_csv_header(f), columns, str(f)) for f in files]
        _check_same_columns(files, names)
        meta = _empty_frame(names[0], with_group=np.dtype(object))
        both = dd.from_map(_csv_partition, files, wanted=columns, meta=meta,
                           enforce_metadata=False)
        frame = both.drop(columns=GROUP)
        with warnings.catch_warnings():  # dask stores the tags as pyarrow strings
            warnings.filterwarnings("ignore", "Dask currently has limited support",
                                    UserWarning)
            groups = both[GROUP].to_dask_array()
        return (frame, groups) if return_groups else frame
    file = files[0]
    with _reading_h5(file), h5py.File(file, "r") as h5:
        datasets, n_rows = _h5_datasets(h5, file, columns)
        group = datasets.pop(GROUP, None)
        names = list(datasets)
        for name, ds in datasets.items():
            if ds.dtype.kind not in "biuf":
                raise ValueError(f"DeVries file '{file}': dataset '{name}' has dtype "
                                 f"{ds.dtype}, expected numbers.")
        group_dtype = None
        if group is not None:
            string = _group_kind(file, group) == "str"
            group_dtype = np.dtype(object) if string else np.dtype(np.int64)
    starts = list(range(0, n_rows, chunk_size)) or [0]
    bounds = [(start, min(start + chunk_size, n_rows)) for start in starts]
    divisions = (*starts, max(n_rows - 1, 0))
    # `columns` lets dask read only the columns a computation uses (projection)
    frame = dd.from_map(_h5_partition, bounds, file=str(file), columns=names,
                        meta=_empty_frame(names), divisions=divisions, enforce_metadata=False)
    if not return_groups:
        return frame
    groups = None
    if group_dtype is not None:
        read = dask.delayed(_h5_groups, pure=True)
        groups = da.concatenate([
            da.from_delayed(read(str(file), start, stop), shape=(stop - start,),
                            dtype=group_dtype)
            for start, stop in bounds
        ])
    return frame, groups


def _empty_frame(names: Sequence[str], with_group: np.dtype | None = None) -> pd.DataFrame:
    """The metadata of a lazy frame: its columns and dtypes, no rows."""
    columns = {name: np.empty(0, _dtype(name)) for name in names}
    if with_group is not None:
        columns[GROUP] = np.empty(0, with_group)
    return pd.DataFrame(columns)


def _h5_partition(bounds: tuple[int, int], file: str, columns: list[str]) -> pd.DataFrame:
    """Rows ``start:stop`` of the named datasets, checked as the eager read checks them."""
    start, stop = bounds
    with _open_h5(file) as h5:
        arrays = {}
        for name in columns:
            if name not in h5:  # not "corrupt": rewritten since it was opened lazily
                raise ValueError(f"DeVries file '{file}' has no dataset '{name}' any more.")
            chunk = h5[name][start:stop]
            _check_values(f"DeVries file '{file}'", name, chunk, offset=start)
            arrays[name] = chunk.astype(_dtype(name), copy=False)
    return pd.DataFrame(arrays, index=pd.RangeIndex(start, stop), copy=False)


def _h5_groups(file: str, start: int, stop: int) -> np.ndarray:
    with _open_h5(file) as h5:
        ds = h5[GROUP]
        string = h5py.check_string_dtype(ds.dtype) is not None
        values = (ds.asstr() if string else ds)[start:stop]
    return values.astype(object) if string else values.astype(np.int64)


def _still_there(file: str | Path) -> None:
    """A lazy read's file must still exist when a partition is computed."""
    if not os.path.isfile(file):
        raise FileNotFoundError(
            f"DeVries file '{file}' no longer exists (it was opened lazily; moved or deleted "
            "before the read?)."
        )


@contextlib.contextmanager
def _open_h5(file: str):
    """A lazy read's file, open; a clear error if it is gone or no longer readable."""
    _still_there(file)
    with _reading_h5(file), h5py.File(file, "r") as h5:
        yield h5


def _group_kind(file: Path, ds: h5py.Dataset) -> str:
    """``"str"`` or ``"int"``: the slip-distribution ids of a ``group`` dataset."""
    if h5py.check_string_dtype(ds.dtype) is not None:
        return "str"
    if ds.dtype.kind in "iub":
        return "int"
    raise ValueError(
        f"DeVries file '{file}': dataset '{GROUP}' has dtype {ds.dtype}; slip-distribution "
        "ids must be integers or strings."
    )


def _csv_partition(file: Path, wanted: list[str] | None) -> pd.DataFrame:
    """One CSV file, checked, with its event tag as a ``group`` column."""
    _still_there(file)
    frame = pd.DataFrame(_read_csv(file, wanted), copy=False)
    frame[GROUP] = pd.Series([_event_tag(file)] * len(frame), dtype=object)
    return frame


def _not_a_number(file: Path, names: list[str]) -> ValueError | None:
    """The first cell of ``names`` that is not a number, as an error naming line and column."""
    try:
        text = pd.read_csv(file, usecols=names, dtype=str, skipinitialspace=True,
                           keep_default_na=False)
    except (ValueError, OSError):
        return None
    for name in names:
        cells = text[name].str.strip()
        bad = pd.to_numeric(cells.where(cells != "", "nan"), errors="coerce").isna() & ~(
            cells.str.lower().isin(["", "nan"]))
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            return ValueError(f"DeVries file '{file}', line {row + 2}, column '{name}': "
                              f"{text[name].iloc[row]!r} is not a number.")
    return None


def _corrupt_csv(file: Path, exc: Exception) -> ValueError:
    return ValueError(
        f"DeVries file '{file}' is corrupt or truncated (not a readable CSV of numbers): {exc}"
    )
