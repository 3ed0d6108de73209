"""Catalog coverage of a mainshock's aftershock window."""

import pandas as pd
import pytest

from skdlies.aftershocks import CatalogCoverage
from skdlies.aftershocks._coverage import covering_events


def events(times, lats=(30.0, 40.0), lons=(130.0, 140.0)):
    return pd.DataFrame({"time": pd.to_datetime(times, utc=True), "latitude": list(lats),
                         "longitude": list(lons), "depth_km": 10.0, "magnitude": 5.0})


ORIGIN = pd.Timestamp("1995-01-16 20:46:52", tz="UTC")


def test_window_edges():
    start = ORIGIN + pd.Timedelta(seconds=1)
    end = ORIGIN + pd.Timedelta(days=365) - pd.Timedelta(seconds=1)
    assert CatalogCoverage.from_events(events([start, end])).covers(ORIGIN, 35.0, 135.0)
    late_start = events([start + pd.Timedelta(seconds=1), end])
    assert not CatalogCoverage.from_events(late_start).covers(ORIGIN, 35.0, 135.0)
    early_end = events([start, end - pd.Timedelta(seconds=1)])
    assert not CatalogCoverage.from_events(early_end).covers(ORIGIN, 35.0, 135.0)


def test_bounding_box():
    coverage = CatalogCoverage.from_events(events(["1990-01-01", "2000-01-01"]))
    assert coverage.covers(ORIGIN, 30.0, 140.0)
    assert not coverage.covers(ORIGIN, 29.9, 135.0)
    assert not coverage.covers(ORIGIN, 35.0, -117.0)


def test_covering_events_joins_only_the_covering_catalogs():
    wide = events(["1990-01-01", "2000-01-01"])
    short = events(["1995-01-01", "1995-06-01"])
    far = events(["1990-01-01", "2000-01-01"], lats=(-10, 0), lons=(0, 10))
    catalogs = [(c, CatalogCoverage.from_events(c)) for c in (wide, short, far)]
    joined = covering_events(catalogs, ORIGIN, 35.0, 135.0)
    assert len(joined) == 2 and joined["time"].is_monotonic_increasing
    assert covering_events(catalogs[1:], ORIGIN, 35.0, 135.0) is None


def test_empty_catalog_is_an_error():
    with pytest.raises(ValueError, match="empty catalog"):
        CatalogCoverage.from_events(events([], lats=(), lons=()))
