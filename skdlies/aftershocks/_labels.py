"""Aftershock labels for grid cells: count catalog events per cell in a time window.

DeVries et al. (2018) label a 5 km x 5 km x 5 km cell as holding aftershocks
(``aftershocksyn = 1``) if at least one catalog event lies inside it within one
year of the mainshock. :func:`label_cells` does that for cell centres in a local
Cartesian frame (km; x East, y North, z Up with z < 0 below the surface, as in
:mod:`skdlies.stress._conventions`), from events already projected into the same
frame (:func:`project_events` gives one).

Cell membership uses half-open intervals, ``xc - dx/2 <= x < xc + dx/2`` (same
for y and z), computed as ``floor`` of the event position on the cell grid, so an
event on a face shared by two cells counts once, in the cell above it in x, y
or z. The cells must lie on one regular grid of spacing ``cell_km``
horizontally and ``layer_km`` vertically.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._warnings import user_stacklevel

__all__ = ["DEFAULT_WINDOW", "EARTH_RADIUS_KM", "CellLabels", "label_cells", "project_events"]

#: Default time window after the mainshock: [1 s, 365 days - 1 s], both ends included.
DEFAULT_WINDOW: tuple[pd.Timedelta, pd.Timedelta] = (
    pd.Timedelta(seconds=1), pd.Timedelta(days=365) - pd.Timedelta(seconds=1))
#: Mean Earth radius (km, IUGG) used by the equirectangular projection.
EARTH_RADIUS_KM = 6371.0088

_EVENT_COLUMNS = ("x_km", "y_km", "depth_km", "time", "magnitude")
_GRID_TOLERANCE = 1e-6  # of a cell: how far a centre may sit off the regular grid


class CellLabels(NamedTuple):
    """Result of :func:`label_cells`: per-cell event counts and 0/1 labels."""

    counts: np.ndarray
    """Number of selected events in each cell (int64)."""
    labels: np.ndarray
    """1 where ``counts >= 1``, else 0 (int8, the DeVries ``aftershocksyn`` label)."""


def label_cells(
    cells_x_km: np.ndarray,
    cells_y_km: np.ndarray,
    cells_z_km: np.ndarray,
    events: pd.DataFrame,
    origin_time: pd.Timestamp | str,
    *,
    cell_km: float = 5.0,
    layer_km: float = 5.0,
    min_magnitude: float | None = None,
    window: tuple[pd.Timedelta, pd.Timedelta] = DEFAULT_WINDOW,
) -> CellLabels:
    """Count the events in each cell within a time window after a mainshock.

    Parameters
    ----------
    cells_x_km, cells_y_km : array-like of shape (n_cells,)
        Cell centres, km East and North in the events' local frame.
    cells_z_km : array-like of shape (n_cells,)
        Cell centres, km Up (negative below the surface), e.g. -2.5 for the
        0-5 km layer. Events are placed at ``z = -depth_km``; if the grid
        reaches the surface, events at depth 0 or above sea level (negative
        depths, which catalogs give for shallow events) count in its top layer.
    events : pandas.DataFrame
        Catalog in the same frame, with columns ``x_km``, ``y_km`` (km),
        ``depth_km`` (km, positive down), ``time`` (datetime; tz-naive values
        are taken as UTC) and ``magnitude``.
    origin_time : pandas.Timestamp or str
        Mainshock origin time (tz-naive means UTC).
    cell_km : float, default 5.0
        Horizontal cell size (km) in x and y.
    layer_km : float, default 5.0
        Vertical cell size (km).
    min_magnitude : float or None, default None
        If given, only events with ``magnitude >= min_magnitude`` count (a NaN
        magnitude then never counts).
    window : (Timedelta, Timedelta), default (1 s, 365 days - 1 s)
        Events with ``origin_time + window[0] <= time <= origin_time + window[1]``
        (both ends included) count.

    Returns
    -------
    CellLabels
        ``counts`` (int64, shape (n_cells,)) and ``labels`` (int8, 1 where
        ``counts >= 1``). Events outside every cell are ignored, so
        ``counts.sum()`` is the number of selected events inside the grid
        (when no two cells share a centre).

    Raises
    ------
    ValueError
        If the cell arrays differ in length or are off a regular grid, a size
        is not positive, the window is reversed, ``origin_time`` is not a time,
        or ``events`` lacks a column.

    Warns
    -----
    UserWarning
        If ``events`` is empty, or its time span does not reach the window
        (every label is then 0: a wrong catalog, or an origin time in another
        zone or year).
    """
    centres = _as_centres(cells_x_km, cells_y_km, cells_z_km)
    sizes = np.array([cell_km, cell_km, layer_km], dtype=np.float64)
    if not np.all(np.isfinite(sizes) & (sizes > 0)):
        raise ValueError(f"cell sizes must be positive, got {cell_km}, {layer_km}")
    selected = _select_events(events, origin_time, min_magnitude, window)
    points = np.column_stack([selected["x_km"].to_numpy(np.float64),
                              selected["y_km"].to_numpy(np.float64),
                              -selected["depth_km"].to_numpy(np.float64)])
    top = centres[:, 2].max() + sizes[2] / 2 if len(centres) else 0.0
    if top >= 0:  # a grid up to the surface: events at depth 0 or above sea level are in it
        np.minimum(points[:, 2], top - 1e-6 * sizes[2], out=points[:, 2])
    counts = _count_in_cells(centres, points, sizes)
    return CellLabels(counts=counts, labels=(counts >= 1).astype(np.int8))


def _as_centres(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Stack the cell centres into an (n_cells, 3) float array."""
    arrays = [np.asarray(a, dtype=np.float64).ravel() for a in (x, y, z)]
    if len({a.size for a in arrays}) != 1:
        raise ValueError(f"cells_x_km, cells_y_km and cells_z_km differ in length: "
                         f"{[a.size for a in arrays]}")
    centres = np.column_stack(arrays)
    if not np.all(np.isfinite(centres)):
        raise ValueError("cell centres must be finite")
    return centres


def _select_events(events: pd.DataFrame, origin_time: pd.Timestamp | str,
                   min_magnitude: float | None,
                   window: tuple[pd.Timedelta, pd.Timedelta]) -> pd.DataFrame:
    """Keep the events inside the time window and above the magnitude threshold."""
    missing = [c for c in _EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"events lack column(s) {missing}; need {list(_EVENT_COLUMNS)}")
    start, end = (pd.Timedelta(w) for w in window)
    if end < start:
        raise ValueError(f"window end {end} is before its start {start}")
    try:
        origin = pd.Timestamp(origin_time)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"origin_time {origin_time!r} is not a time: {exc}") from None
    if origin is pd.NaT:
        raise ValueError(f"origin_time {origin_time!r} is not a time (NaT)")
    origin = as_utc(origin)
    try:
        times = pd.to_datetime(events["time"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"events column 'time' does not hold times: {exc}") from None
    times = times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")
    _warn_if_uncovered(times, origin + start, origin + end)
    keep = np.array((times >= origin + start) & (times <= origin + end), dtype=bool)
    if min_magnitude is not None:
        keep &= events["magnitude"].to_numpy(np.float64) >= min_magnitude
    return events.loc[keep]


def _warn_if_uncovered(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Warn when the catalog cannot have events in [start, end]: it is empty or ends
    before the window starts or starts after it ends (wrong catalog, or a time-zone
    or origin-time mix-up); every cell would silently be labelled 0."""
    if times.notna().sum() == 0:
        warnings.warn("the catalog holds no events: every cell is labelled 0.",
                      UserWarning, stacklevel=user_stacklevel())
        return
    first, last = times.min(), times.max()
    if last < start or first > end:
        warnings.warn(
            f"the catalog spans {first} to {last}, outside the labelling window {start} to "
            f"{end}: every cell is labelled 0 (wrong catalog or origin time?).",
            UserWarning, stacklevel=user_stacklevel(),
        )


def as_utc(timestamp: pd.Timestamp) -> pd.Timestamp:
    """Return ``timestamp`` in UTC, taking a tz-naive one as UTC."""
    return timestamp.tz_localize("UTC") if timestamp.tz is None else timestamp.tz_convert("UTC")


def _count_in_cells(centres: np.ndarray, points: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Count ``points`` per cell of a regular grid of ``centres`` (half-open cells)."""
    counts = np.zeros(len(centres), dtype=np.int64)
    if len(centres) == 0 or len(points) == 0:
        return counts
    lower = centres.min(axis=0) - sizes / 2  # lower corner of the grid
    position = (centres - lower) / sizes - 0.5
    cell_index = np.round(position).astype(np.int64)
    if np.abs(position - cell_index).max() > _GRID_TOLERANCE:
        raise ValueError("cell centres are not on a regular grid of spacing "
                         f"{sizes[0]} km (x, y) and {sizes[2]} km (z)")
    shape = cell_index.max(axis=0) + 1
    point_index = np.floor((points - lower) / sizes)
    inside = np.all(np.isfinite(point_index) & (point_index >= 0) & (point_index < shape), axis=1)
    cell_keys = np.ravel_multi_index(tuple(cell_index.T), tuple(shape))
    point_keys = np.ravel_multi_index(tuple(point_index[inside].astype(np.int64).T), tuple(shape))
    keys, key_counts = np.unique(point_keys, return_counts=True)
    where = np.searchsorted(keys, cell_keys)
    found = where < len(keys)
    found[found] = keys[where[found]] == cell_keys[found]
    counts[found] = key_counts[where[found]]
    return counts


def project_events(catalog: pd.DataFrame, lat0: float, lon0: float, *,
                   method: str = "auto") -> pd.DataFrame:
    """Add local ``x_km`` (East) and ``y_km`` (North) columns to a catalog.

    Parameters
    ----------
    catalog : pandas.DataFrame
        Events with ``latitude`` and ``longitude`` (degrees), e.g. from
        :func:`skdlies.datasets.read_catalog`.
    lat0, lon0 : float
        Origin of the local frame (degrees), e.g. the mainshock epicentre or
        the reference point of the slip model.
    method : {"auto", "aeqd", "equirectangular"}, default "auto"
        ``"aeqd"``: azimuthal equidistant projection centred on (lat0, lon0)
        on the WGS84 ellipsoid (needs :mod:`pyproj`); ``"equirectangular"``:
        the local approximation ``x = R cos(lat0) dlon``, ``y = R dlat`` on a
        sphere of radius 6371.0088 km, the mean Earth radius (``dlon`` wrapped to
        [-180, 180) degrees; error well under 1% of the distance within a few
        hundred km of the origin, away from the poles); ``"auto"``: ``"aeqd"``
        if pyproj is installed, else ``"equirectangular"``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``catalog`` with ``x_km`` and ``y_km`` (km) added.
    """
    if method not in ("auto", "aeqd", "equirectangular"):
        raise ValueError(f"method must be 'auto', 'aeqd' or 'equirectangular', got {method!r}")
    missing = [c for c in ("latitude", "longitude") if c not in catalog.columns]
    if missing:
        raise ValueError(f"catalog lacks column(s) {missing}; need 'latitude' and 'longitude' "
                         "(degrees), as read_catalog gives them")
    lat = catalog["latitude"].to_numpy(np.float64)
    lon = catalog["longitude"].to_numpy(np.float64)
    if method == "auto":
        method = "aeqd" if _has_pyproj() else "equirectangular"
    project = _aeqd if method == "aeqd" else _equirectangular
    x, y = project(lat, lon, lat0, lon0)
    return catalog.assign(x_km=x, y_km=y)


def _has_pyproj() -> bool:
    """Whether pyproj can be imported."""
    try:
        import pyproj  # noqa: F401
    except ImportError:
        return False
    return True


def _equirectangular(lat: np.ndarray, lon: np.ndarray, lat0: float,
                     lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular x, y (km) about (lat0, lon0) on a sphere."""
    dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
    x = EARTH_RADIUS_KM * np.cos(np.radians(lat0)) * np.radians(dlon)
    y = EARTH_RADIUS_KM * np.radians(lat - lat0)
    return x, y


def _aeqd(lat: np.ndarray, lon: np.ndarray, lat0: float,
          lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal equidistant x, y (km) about (lat0, lon0) on WGS84, with pyproj."""
    try:
        import pyproj
    except ImportError as exc:
        raise ImportError("method='aeqd' needs pyproj (pip install pyproj)") from exc
    transformer = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=km",
        always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
