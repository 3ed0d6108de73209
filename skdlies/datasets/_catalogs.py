"""Readers for earthquake catalogs: ComCat/NEIC CSV, SCSN (SoCal) text and JMA CSV.

Every reader returns the same table (:data:`CATALOG_COLUMNS`), one row per event,
sorted by origin time (stable, so simultaneous events keep their file order):

- ``time``: origin time, ``datetime64[ns, UTC]``;
- ``latitude``, ``longitude``: epicentre, degrees (WGS84 as given by the agency;
  longitudes are kept as written, -180 to 360);
- ``depth_km``: hypocentral depth, km, positive down;
- ``magnitude``: the catalog's preferred magnitude (any type; not converted).

The layouts (``format``) are described in :func:`read_catalog`.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CATALOG_COLUMNS", "CATALOG_FORMATS", "read_catalog"]

PathLike = str | os.PathLike[str]

#: Columns of the table returned by :func:`read_catalog`, in order.
CATALOG_COLUMNS: tuple[str, ...] = ("time", "latitude", "longitude", "depth_km", "magnitude")
#: Values accepted by ``read_catalog(format=...)``.
CATALOG_FORMATS: tuple[str, ...] = ("auto", "comcat", "neic", "socal", "jma", "jma_etas")

_JST_OFFSET = pd.Timedelta(hours=9)
#: The ETAS package's japan.quakes times are this much early (see read_catalog's Notes).
_ETAS_LAG = pd.Timedelta(seconds=39)
#: Until then the ETAS file's times follow Tehran's local mean time, +3:25:44.
_TEHRAN_LMT_END = pd.Timestamp("1946-01-01", tz="UTC")
_TEHRAN_LMT_SHIFT = pd.Timedelta(hours=3, minutes=25, seconds=44) - pd.Timedelta(hours=3.5)
#: A time of day that ends in a zone designator: ``Z``, ``UTC``, ``JST`` or ``+09:00``.
_ZONE_SUFFIX = r"(?:\d[Zz]|\s*(?:UTC|GMT|JST)|[+-]\d\d:?\d\d)\s*$"

# Source columns each format needs, by role.
_SOURCE_COLUMNS: dict[str, dict[str, str]] = {
    "comcat": {"time": "time", "latitude": "latitude", "longitude": "longitude",
               "depth": "depth", "magnitude": "mag"},
    "socal": {"year": "YR", "month": "MO", "day": "DY", "hrmn": "HRMN", "second": "SEC",
              "latitude": "LATITUDE", "longitude": "LONGITUDE", "depth": "DEPTH",
              "magnitude": "MAG"},
    "jma": {"date": "date", "time": "time", "latitude": "lat", "longitude": "long",
            "depth": "depth", "magnitude": "mag"},
}
_SOURCE_COLUMNS["neic"] = _SOURCE_COLUMNS["comcat"]
_SOURCE_COLUMNS["jma_etas"] = _SOURCE_COLUMNS["jma"]


class _Table:
    """Raw string columns of a catalog file with the 1-based line number of each row."""

    def __init__(self, path: Path, header: list[str], rows: list[list[str]], lines: list[int]):
        self.path = path
        self.header = header
        self.rows = rows
        self.lines = np.asarray(lines, dtype=np.int64)

    def require(self, names: Iterable[str]) -> None:
        """Raise ValueError naming the first of ``names`` that the file lacks."""
        for name in names:
            if name not in self.header:
                raise ValueError(f"{self.path}: missing column {name!r} "
                                 f"(header has {', '.join(self.header)})")

    def column(self, name: str) -> pd.Series:
        """Return the raw text of column ``name``; ValueError if the file lacks it."""
        self.require([name])
        j = self.header.index(name)
        return pd.Series([row[j].strip() if j < len(row) else "" for row in self.rows],
                         dtype=object)

    def fail(self, mask: np.ndarray, column: str, what: str, values: pd.Series) -> None:
        """Raise ValueError for the first row flagged in ``mask``, if any."""
        bad = np.flatnonzero(mask)
        if bad.size:
            i = bad[0]
            raise ValueError(f"{self.path}, line {self.lines[i]}, column {column!r}: "
                             f"cannot parse {values.iloc[i]!r} as {what} "
                             f"({bad.size} bad row(s) in this column)")


def read_catalog(path: PathLike, format: str = "auto") -> pd.DataFrame:
    """Read an earthquake catalog into a standard table sorted by origin time.

    Parameters
    ----------
    path : str or path-like
        Catalog file (see the Notes for the layouts).
    format : {"auto", "comcat", "neic", "socal", "jma", "jma_etas"}, default "auto"
        Layout of the file. ``"auto"`` detects it from the header line:
        ``YR MO DY HRMN ...`` is SoCal, ``date,time,long,lat,...`` is JMA as
        the ETAS R package distributes it (``"jma_etas"``, whose shifted
        times are corrected; see the Notes), a
        CSV with ``time``/``latitude``/``longitude`` is NEIC if it also has
        ``strec_region`` or ``year``, else ComCat.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (``datetime64[ns, UTC]``), ``latitude`` and
        ``longitude`` (degrees), ``depth_km`` (km, positive down) and
        ``magnitude``, sorted by time, with a fresh ``RangeIndex``.

    Raises
    ------
    ValueError
        If ``format`` is unknown, the layout cannot be detected (the message
        quotes the header line), a needed column is missing (the message names
        the column and the file), a value cannot be parsed or is out of range
        (the message names the file, the 1-based line and the column), or the
        catalog holds no events.

    Notes
    -----
    The layouts:

    ``"comcat"``
        USGS ComCat CSV export: ``time`` (ISO 8601, ``Z`` = UTC), ``latitude``,
        ``longitude``, ``depth`` (km, positive down; slightly negative values above
        sea level are kept), ``mag``; other columns are ignored.
    ``"neic"``
        NEIC compilation CSV (``time,year,month,day,hour,minute,second,latitude,
        longitude,depth,mag,strec_region``): ``time`` is ISO 8601 without a zone and
        is read as UTC; the split date/time columns are ignored.
    ``"socal"``
        SCSN whitespace table ``YR MO DY HRMN SEC LATITUDE LONGITUDE DEPTH MAG ...``,
        UTC; ``HRMN`` is hours and minutes (``0522`` = 05:22), ``SEC`` seconds with
        decimals (60.0 rolls over into the next minute).
    ``"jma"``
        JMA CSV ``date,time,long,lat,mag,depth`` in Japan Standard Time. JST is a
        fixed UTC+9 offset in the JMA catalog, so 9 h are subtracted (the
        ``Asia/Tokyo`` zone is *not* used: it applies the 1948-1951 daylight saving
        time, which the catalog does not). Depth (km) is written negative below the
        surface in the ETAS-package file and positive in other JMA exports, so it
        is normalised to ``depth_km = |depth|`` (positive down).
    ``"jma_etas"`` (what ``"auto"`` detects for this header)
        The same layout as distributed in the ``ETAS`` R package (``japan.quakes``),
        whose times are not plain JST: they were shifted as if converted through
        the ``Asia/Tehran`` zone, and 39 s early. The file's time is JST plus
        ``offset(Asia/Tehran) - 3:30`` minus 39 s, so the reader undoes both:

        - the Tehran shift is +1 h in Iran's daylight-saving periods (1977-1980,
          up to +1:30 in 1978, and 1991-2005), 0 otherwise since 1946, and
          -4 min 16 s before 1946: Tehran's local mean time +3:25:44, which the
          tz database of the time the file was made kept until 1946 (the
          current one ends it in 1935, so this shift is fixed here);
        - the 39 s: matched against NEIC for 1,155 events of M >= 5 in 1990-2007,
          the corrected JMA times are 39.1 s (median; 90% within 36.4-42.9 s)
          earlier, in and out of daylight saving, every year.

        After both corrections the file gives the official JMA origin times:
        Kobe 1995 05:46:52 JST (the file says 05:46:13), Hokkaido-Nansei-oki 1993
        22:17:12 (file 23:16:33), Miyagi-oki 1978 17:14:26 (file 18:43:47), Mikawa
        1945 03:38:23 (file 03:33:28). Pass ``format="jma"`` for a file in this
        layout that holds plain JST.
    """
    if format not in CATALOG_FORMATS:
        raise ValueError(f"format must be one of {CATALOG_FORMATS}, got {format!r}")
    path = Path(path).expanduser()
    text = _read_text(path)
    header_line = _first_line(text, path)
    if format == "auto":
        format = _detect_format(header_line, path)
    table = _read_table(path, text, whitespace=(format == "socal"))
    if not table.rows:
        raise ValueError(f"{path}: the catalog holds no events")
    names = _SOURCE_COLUMNS[format]
    table.require(names.values())
    time = _TIME_PARSERS[format](table, names)
    latitude = _number(table, names["latitude"], "latitude (deg)", -90.0, 90.0)
    longitude = _number(table, names["longitude"], "longitude (deg)", -180.0, 360.0)
    depth = _number(table, names["depth"], "depth (km)")
    catalog = pd.DataFrame({
        "time": time,
        "latitude": latitude,
        "longitude": longitude,
        "depth_km": np.abs(depth) if format.startswith("jma") else depth,
        "magnitude": _number(table, names["magnitude"], "magnitude"),
    })
    return catalog.sort_values("time", kind="stable", ignore_index=True)


def _read_text(path: Path) -> str:
    """The text of ``path`` (UTF-8, an optional byte-order mark dropped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"catalog file not found: '{path}'") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"catalog path '{path}' is a folder, not a file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path}, line {line}: not a text file in UTF-8 (byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start}: {exc.reason})"
        ) from None


def _first_line(text: str, path: Path) -> str:
    """Return the first non-blank line of ``text`` (the header)."""
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line.strip()
    raise ValueError(f"{path}: the catalog file is empty")


def _detect_format(header_line: str, path: Path) -> str:
    """Guess the layout of a catalog from its header line."""
    tokens = header_line.split() if "," not in header_line else next(csv.reader([header_line]))
    tokens = {t.strip() for t in tokens}
    if {"YR", "MO", "DY", "HRMN"} <= tokens:
        return "socal"
    if {"date", "time", "long", "lat"} <= tokens:
        return "jma_etas"  # the layout of the ETAS R package's japan.quakes
    if {"time", "latitude", "longitude"} <= tokens:
        return "neic" if tokens & {"strec_region", "year"} else "comcat"
    raise ValueError(f"{path}: cannot detect the catalog format from the header line "
                     f"{header_line[:200]!r}; pass format= one of {CATALOG_FORMATS[1:]}")


def _read_table(path: Path, text: str, *, whitespace: bool) -> _Table:
    """Split the ``text`` of ``path`` into a header and string rows, skipping blank lines."""
    with io.StringIO(text, newline="") as f:
        records = _split_whitespace(f) if whitespace else _split_csv(f)
        header: list[str] | None = None
        rows, lines = [], []
        for line_number, fields in records:
            if header is None:
                header = [name.strip() for name in fields]
                continue
            if len(fields) != len(header):  # a shifted row would put values in wrong columns
                raise ValueError(
                    f"{path}, line {line_number}: {len(fields)} fields, but the header has "
                    f"{len(header)} ({', '.join(header)})"
                )
            rows.append(fields)
            lines.append(line_number)
    return _Table(path, header or [], rows, lines)


def _split_csv(f) -> Iterator[tuple[int, list[str]]]:
    """Yield (1-based line number, fields) of the non-blank CSV records of ``f``."""
    reader = csv.reader(f)
    start = 1
    for fields in reader:
        if any(field.strip() for field in fields):
            yield start, fields
        start = reader.line_num + 1


def _split_whitespace(f) -> Iterator[tuple[int, list[str]]]:
    """Yield (1-based line number, fields) of the non-blank lines of ``f``."""
    for line_number, line in enumerate(f, start=1):
        fields = line.split()
        if fields:
            yield line_number, fields


def _number(table: _Table, column: str, what: str,
            low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """Parse ``column`` as finite floats within [low, high]."""
    text = table.column(column)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    table.fail(~np.isfinite(values), column, what, text)
    table.fail((values < low) | (values > high), column, f"{what} in [{low}, {high}]", text)
    return values


def _to_datetime(values, **kwargs) -> pd.Series:
    """``pd.to_datetime(values, errors="coerce", **kwargs)`` in nanoseconds, never raising:
    values pandas refuses even when coercing, or that lie outside the nanosecond range
    (years 1677-2262: OutOfBoundsDatetime), become NaT, so that the caller can report
    the first bad row with its line."""
    try:
        parsed = pd.Series(pd.to_datetime(values, errors="coerce", **kwargs))
        low, high = pd.Timestamp.min, pd.Timestamp.max  # the nanosecond range
        if parsed.dt.tz is not None:
            low, high = low.tz_localize("UTC"), high.tz_localize("UTC")
        return parsed.mask((parsed < low) | (parsed > high)).dt.as_unit("ns")
    except (ValueError, OverflowError, TypeError):
        pass  # pandas refused the whole column: parse row by row
    rows = ([values.iloc[i : i + 1] for i in range(len(values))]
            if isinstance(values, pd.DataFrame) else [[v] for v in values])
    parsed = []
    for row in rows:
        try:
            value = pd.Series(pd.to_datetime(row, errors="coerce", **kwargs)).dt.as_unit("ns")
            parsed.append(value.iloc[0])
        except (ValueError, OverflowError, TypeError):
            parsed.append(pd.NaT)
    index = pd.DatetimeIndex(parsed, dtype="M8[ns, UTC]" if kwargs.get("utc") else "M8[ns]")
    return pd.Series(index)


def _iso_time(table: _Table, names: dict[str, str]) -> pd.Series:
    """ISO 8601 ``time`` column; a trailing ``Z``/offset is honoured, none means UTC."""
    text = table.column(names["time"])
    time = _to_datetime(text, format="ISO8601", utc=True)
    table.fail(time.isna().to_numpy(), names["time"], "an ISO 8601 time", text)
    return time.dt.as_unit("ns")


def _socal_time(table: _Table, names: dict[str, str]) -> pd.Series:
    """UTC time from the ``YR MO DY HRMN SEC`` columns."""
    year, month, day = (_number(table, names[k], k) for k in ("year", "month", "day"))
    hrmn = _number(table, names["hrmn"], "HHMM", 0, 2359)
    second = _number(table, names["second"], "seconds", 0.0, 60.0)
    hour, minute = np.divmod(hrmn, 100)
    table.fail((hrmn != np.round(hrmn)) | (minute > 59), names["hrmn"], "HHMM",
               table.column(names["hrmn"]))
    date = _to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), utc=True)
    table.fail(date.isna().to_numpy(), names["day"], "a calendar date (YR MO DY)",
               table.column(names["day"]))
    offset = pd.to_timedelta(hour * 3600.0 + minute * 60.0 + second, unit="s").round("us")
    return (date + offset).dt.as_unit("ns")


def _jma_time(table: _Table, names: dict[str, str]) -> pd.Series:
    """UTC time from the JST ``date`` and ``time`` columns (fixed UTC+9)."""
    date, clock = table.column(names["date"]), table.column(names["time"])
    zoned = clock.str.contains(_ZONE_SUFFIX, regex=True).to_numpy(dtype=bool)
    bad_zone = np.flatnonzero(zoned)
    if bad_zone.size:
        i = bad_zone[0]
        raise ValueError(
            f"{table.path}, line {table.lines[i]}, column {names['time']!r}: {clock.iloc[i]!r} "
            "carries a time zone, but a JMA catalog gives JST (UTC+9) times without a zone, "
            "which skdlies converts to UTC; remove the zone suffix, or convert the file to "
            f"the ComCat layout ({bad_zone.size} row(s) with a zone)"
        )
    naive = _to_datetime(date + " " + clock, format="ISO8601")
    bad = naive.isna().to_numpy()
    bad_date = bad & _to_datetime(date, format="ISO8601").isna().to_numpy()
    table.fail(bad_date, names["date"], "a date (YYYY-MM-DD)", date)
    table.fail(bad, names["time"], "a time of day (HH:MM:SS)", clock)
    return (naive - _JST_OFFSET).dt.tz_localize("UTC").dt.as_unit("ns")


def _tehran_shift(utc: pd.Series) -> pd.Series:
    """How far the ETAS file's clock runs ahead of JST at the instants ``utc``."""
    local = utc.dt.tz_convert("Asia/Tehran").dt.tz_localize(None)
    shift = local - utc.dt.tz_localize(None) - pd.Timedelta(hours=3.5)
    return shift.where(utc >= _TEHRAN_LMT_END, _TEHRAN_LMT_SHIFT)


def _jma_etas_time(table: _Table, names: dict[str, str]) -> pd.Series:
    """UTC time from the ETAS package's shifted JST (see read_catalog's Notes)."""
    shifted = _jma_time(table, names) + _ETAS_LAG
    utc = shifted - _tehran_shift(shifted)
    return (shifted - _tehran_shift(utc)).dt.as_unit("ns")  # the shift at the true time


_TIME_PARSERS: dict[str, Callable[[_Table, dict[str, str]], pd.Series]] = {
    "comcat": _iso_time, "neic": _iso_time, "socal": _socal_time, "jma": _jma_time,
    "jma_etas": _jma_etas_time,
}
