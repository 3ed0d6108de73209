"""Tests for ``label_cells`` (aftershock counts per cell) and ``project_events``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from skdlies.aftershocks import CellLabels, label_cells, project_events
from skdlies.aftershocks._labels import EARTH_RADIUS_KM

ORIGIN = pd.Timestamp("2000-01-01 00:00:00", tz="UTC")


def grid(n: int = 4, layers: int = 2, size: float = 5.0):
    """Cell centres of an n x n x layers grid of ``size`` km cells, centred on 0, z < 0."""
    axis = (np.arange(n) - (n - 1) / 2) * size
    depths = -(np.arange(layers) + 0.5) * size
    x, y, z = np.meshgrid(axis, axis, depths, indexing="ij")
    return x.ravel(), y.ravel(), z.ravel()


def events(rows):
    """Events from (x_km, y_km, depth_km, seconds after ORIGIN, magnitude) tuples."""
    frame = pd.DataFrame(rows, columns=["x_km", "y_km", "depth_km", "dt_s", "magnitude"])
    frame["time"] = ORIGIN + pd.to_timedelta(frame.pop("dt_s"), unit="s")
    return frame


def count_at(result: CellLabels, cells, x, y, z) -> int:
    cx, cy, cz = cells
    (index,) = np.flatnonzero((cx == x) & (cy == y) & (cz == z))
    return int(result.counts[index])


DAY = 86400.0


@pytest.mark.parametrize(("dt_s", "counted"), [
    (-10.0, False),
    (0.0, False),
    (0.5, False),
    (1.0, True),
    (3600.0, True),
    (364 * DAY, True),
    (365 * DAY - 1, True),
    (365 * DAY - 0.5, False),
    (365 * DAY, False),
])
def test_window_edges(dt_s, counted):
    cells = grid()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = label_cells(*cells, events([(2.5, 2.5, 2.5, dt_s, 3.0)]), ORIGIN)
    # a one-event catalog outside the window is reported as a likely mistake
    assert any("outside the labelling window" in str(w.message) for w in caught) != counted
    assert result.counts.sum() == int(counted)
    assert count_at(result, cells, 2.5, 2.5, -2.5) == int(counted)


def test_custom_window_and_naive_times_are_utc():
    cells = grid()
    ev = events([(0.0, 0.0, 1.0, 10.0, 3.0), (0.0, 0.0, 1.0, 100.0, 3.0)])
    ev["time"] = ev["time"].dt.tz_localize(None)
    result = label_cells(*cells, ev, "2000-01-01",
                         window=(pd.Timedelta(seconds=5), pd.Timedelta(seconds=50)))
    assert result.counts.sum() == 1


def test_origin_time_zone_is_respected():
    cells = grid()
    ev = events([(0.0, 0.0, 1.0, 2.0, 3.0)])
    # The same instant written in UTC+9.
    result = label_cells(*cells, ev, pd.Timestamp("2000-01-01 09:00:00", tz="Etc/GMT-9"))
    assert result.counts.sum() == 1


def test_magnitude_threshold():
    cells = grid()
    ev = events([(0.0, 0.0, 1.0, 10.0, m) for m in (2.0, 2.49, 2.5, 3.0, np.nan)])
    assert label_cells(*cells, ev, ORIGIN).counts.sum() == 5
    assert label_cells(*cells, ev, ORIGIN, min_magnitude=2.5).counts.sum() == 2


@pytest.mark.parametrize("point", [
    (0.0, 1.0, 1.0),    # on the x = 0 face between two cells
    (1.0, 0.0, 1.0),    # on a y face
    (1.0, 1.0, 5.0),    # on the face between the two depth layers
    (0.0, 0.0, 5.0),    # on a corner shared by eight cells
    (5.0, -5.0, 5.0),   # on a corner shared by eight cells, off the centre
])
def test_boundary_event_counted_once(point):
    cells = grid()  # x, y faces at -10, -5, 0, 5, 10 km; z faces at 0, -5, -10 km
    result = label_cells(*cells, events([(*point, 10.0, 3.0)]), ORIGIN)
    assert result.counts.sum() == 1
    assert result.labels.sum() == 1


def test_half_open_cells_assign_faces_upwards():
    cells = grid()
    ev = events([(0.0, 1.0, 1.0, 10.0, 3.0),   # x = 0: the cell [0, 5), centre 2.5
                 (1.0, 1.0, 5.0, 10.0, 3.0)])  # z = -5: the cell [-5, 0), centre -2.5
    result = label_cells(*cells, ev, ORIGIN)
    assert count_at(result, cells, 2.5, 2.5, -2.5) == 2
    assert count_at(result, cells, -2.5, 2.5, -2.5) == 0
    assert count_at(result, cells, 2.5, 2.5, -7.5) == 0


def test_events_outside_the_grid_are_ignored():
    cells = grid()  # x, y in [-10, 10), depth in (0, 10]
    ev = events([(10.0, 0.0, 1.0, 10.0, 3.0),    # on the open upper x face
                 (-10.0, 0.0, 1.0, 10.0, 3.0),   # on the closed lower x face: inside
                 (0.0, 0.0, 10.5, 10.0, 3.0),    # below the grid
                 (np.nan, 0.0, 1.0, 10.0, 3.0)])
    result = label_cells(*cells, ev, ORIGIN)
    assert result.counts.sum() == 1
    assert count_at(result, cells, -7.5, 2.5, -2.5) == 1  # y = 0 is in [0, 5)


def test_events_at_the_surface_or_above_count_in_the_top_layer():
    # catalogs give depth 0 (JMA: 14% of its events) or negative depths (SoCal) to shallow
    # events; the top face z = 0 of a half-open grid would otherwise leave them out
    cells = grid()
    ev = events([(1.0, 1.0, 0.0, 10.0, 3.0), (1.0, 1.0, -0.5, 10.0, 3.0),
                 (1.0, 1.0, 0.1, 10.0, 3.0)])
    assert count_at(label_cells(*cells, ev, ORIGIN), cells, 2.5, 2.5, -2.5) == 3
    deep = (cells[0], cells[1], cells[2] - 5.0)  # a grid from 5 km down: they stay out
    assert label_cells(*deep, ev, ORIGIN).counts.sum() == 0


def brute_force(cells, ev, size, thickness):
    """Loop reference: events per half-open cell; at or above the surface: the top layer."""
    cx, cy, cz = cells
    half = np.array([size, size, thickness]) / 2
    points = np.column_stack([ev["x_km"], ev["y_km"], np.minimum(-ev["depth_km"], -1e-9)])
    counts = []
    for centre in np.column_stack([cx, cy, cz]):
        inside = np.all((points >= centre - half) & (points < centre + half), axis=1)
        counts.append(int(inside.sum()))
    return np.array(counts)


@pytest.mark.parametrize(("size", "thickness"), [(5.0, 5.0), (2.0, 3.0)])
def test_counts_add_up_and_match_a_loop(size, thickness):
    rng = np.random.default_rng(0)
    cells = grid(n=6, layers=3, size=size)
    cells = (cells[0], cells[1], cells[2] * thickness / size)
    n = 500
    extent = 3 * size
    ev = events(list(zip(rng.uniform(-extent - 2, extent + 2, n),
                         rng.choice(np.arange(-3, 4) * size, n),  # many on faces
                         rng.uniform(-1.0, 3 * thickness + 1, n),
                         rng.uniform(-DAY, 400 * DAY, n),
                         rng.uniform(2.0, 5.0, n), strict=True)))
    result = label_cells(*cells, ev, ORIGIN, cell_km=size, layer_km=thickness)
    in_window = (ev["time"] >= ORIGIN + pd.Timedelta(seconds=1)) & (
        ev["time"] <= ORIGIN + pd.Timedelta(days=365) - pd.Timedelta(seconds=1))
    expected = brute_force(cells, ev[in_window], size, thickness)
    np.testing.assert_array_equal(result.counts, expected)
    inside = (np.abs(ev["x_km"]) < extent) | (ev["x_km"] == -extent)
    inside &= (ev["y_km"] >= -extent) & (ev["y_km"] < extent)
    inside &= ev["depth_km"] <= 3 * thickness
    assert result.counts.sum() == int((inside & in_window).sum())
    np.testing.assert_array_equal(result.labels, (expected >= 1).astype(np.int8))
    assert result.counts.dtype == np.int64
    assert result.labels.dtype == np.int8


def test_sparse_cells_and_shuffled_order():
    rng = np.random.default_rng(1)
    full = grid(n=5, layers=2)
    keep = rng.permutation(len(full[0]))[:20]
    cells = tuple(a[keep] for a in full)
    ev = events([(x, y, 2.0, 60.0, 3.0) for x, y in zip(cells[0], cells[1], strict=True)])
    result = label_cells(*cells, ev, ORIGIN)
    np.testing.assert_array_equal(result.counts, brute_force(cells, ev, 5.0, 5.0))
    assert result.counts[cells[2] == -2.5].min() >= 1


def test_no_events_and_no_cells():
    cells = grid()
    empty = events([])
    with pytest.warns(UserWarning, match="holds no events"):
        result = label_cells(*cells, empty, ORIGIN)
    assert result.counts.shape == (len(cells[0]),)
    assert result.counts.sum() == 0 and result.labels.sum() == 0
    none = label_cells([], [], [], events([(0, 0, 1, 10, 3)]), ORIGIN)
    assert none.counts.shape == (0,)


def test_input_errors():
    cells = grid()
    ev = events([(0.0, 0.0, 1.0, 10.0, 3.0)])
    with pytest.raises(ValueError, match="differ in length"):
        label_cells(cells[0], cells[1], cells[2][:-1], ev, ORIGIN)
    with pytest.raises(ValueError, match="regular grid"):
        label_cells(cells[0] + np.where(cells[0] > 0, 1.0, 0.0), cells[1], cells[2], ev, ORIGIN)
    with pytest.raises(ValueError, match="lack column"):
        label_cells(*cells, ev.drop(columns="depth_km"), ORIGIN)
    with pytest.raises(ValueError, match="positive"):
        label_cells(*cells, ev, ORIGIN, cell_km=0.0)
    with pytest.raises(ValueError, match="before its start"):
        label_cells(*cells, ev, ORIGIN, window=(pd.Timedelta(days=2), pd.Timedelta(days=1)))


def test_project_events_equirectangular():
    catalog = pd.DataFrame({"latitude": [34.0, 35.0, 34.0, 34.0],
                            "longitude": [-116.0, -116.0, -115.0, 179.5]})
    out = project_events(catalog, 34.0, -116.0, method="equirectangular")
    km_per_degree = EARTH_RADIUS_KM * np.pi / 180
    np.testing.assert_allclose(out["x_km"][:3], [0.0, 0.0, km_per_degree * np.cos(np.radians(34))])
    np.testing.assert_allclose(out["y_km"], [0.0, km_per_degree, 0.0, 0.0], atol=1e-9)
    assert list(catalog.columns) == ["latitude", "longitude"]  # input untouched
    # Across the antimeridian the longitude difference wraps.
    near = project_events(pd.DataFrame({"latitude": [0.0], "longitude": [-179.5]}), 0.0, 179.5,
                          method="equirectangular")
    np.testing.assert_allclose(near["x_km"], [km_per_degree])


def test_project_events_aeqd_agrees_nearby():
    pytest.importorskip("pyproj")
    catalog = pd.DataFrame({"latitude": [34.2, 34.3], "longitude": [-116.4, -116.5]})
    aeqd = project_events(catalog, 34.2, -116.437, method="aeqd")
    flat = project_events(catalog, 34.2, -116.437, method="equirectangular")
    np.testing.assert_allclose(aeqd[["x_km", "y_km"]], flat[["x_km", "y_km"]], atol=0.1)


def test_project_events_bad_method():
    with pytest.raises(ValueError, match="method"):
        project_events(pd.DataFrame({"latitude": [0.0], "longitude": [0.0]}), 0, 0, method="utm")


def test_projected_catalog_feeds_label_cells():
    catalog = pd.DataFrame({"time": [ORIGIN + pd.Timedelta(hours=1)], "latitude": [34.01],
                            "longitude": [-116.0], "depth_km": [7.0], "magnitude": [3.0]})
    ev = project_events(catalog, 34.0, -116.0, method="equirectangular")
    cells = grid()
    result = label_cells(*cells, ev, ORIGIN)
    assert count_at(result, cells, 2.5, 2.5, -7.5) == 1


def test_event_times_in_another_zone_are_converted_to_utc():
    """10 s before the mainshock in UTC is 08:59:50 in Tokyo: still before, not 9 h after."""
    origin = pd.Timestamp("2000-01-01 00:00:00", tz="UTC")
    times = pd.Series([origin - pd.Timedelta(seconds=10), origin + pd.Timedelta(days=10)])
    events = pd.DataFrame({"x_km": [1.0, 1.0], "y_km": [1.0, 1.0], "depth_km": [1.0, 1.0],
                           "magnitude": [3.0, 3.0], "time": times.dt.tz_convert("Asia/Tokyo")})
    centre = np.array([2.5])
    assert label_cells(centre, centre, np.array([-2.5]), events, origin).counts.sum() == 1
