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


def test_an_event_in_two_catalogs_is_counted_once_and_the_mainshock_never():
    cover = ["1990-01-01", "2000-01-01"]
    quake = pd.Timestamp("1995-02-01 00:00:00", tz="UTC")
    first = events([*cover, quake, ORIGIN], lats=(30, 40, 35.0, 34.6),
                   lons=(130, 140, 135.0, 135.0))
    # the same aftershock 3 s later and 20 km away, the mainshock 1.5 s after the origin,
    # a different event 15 s after the aftershock, and another 2 s after it but 111 km north
    second = events([*cover, quake + pd.Timedelta(seconds=3),
                     ORIGIN + pd.Timedelta(seconds=1.5), quake + pd.Timedelta(seconds=15),
                     quake + pd.Timedelta(seconds=2)],
                    lats=(30, 40, 35.18, 34.6, 35.0, 36.0),
                    lons=(130, 140, 135.0, 135.0, 135.0, 135.0))
    catalogs = [(c, CatalogCoverage.from_events(c)) for c in (first, second)]
    joined = covering_events(catalogs, ORIGIN, 34.6, 135.0)
    # the second catalog's copies of the two cover events go too: same time and place
    assert joined["time"].tolist() == [pd.Timestamp("1990-01-01", tz="UTC"), quake,
                                       quake + pd.Timedelta(seconds=2),
                                       quake + pd.Timedelta(seconds=15),
                                       pd.Timestamp("2000-01-01", tz="UTC")]
    assert joined["latitude"].tolist() == [30, 35.0, 36.0, 35.0, 40]


def test_empty_catalog_is_an_error():
    with pytest.raises(ValueError, match="empty catalog"):
        CatalogCoverage.from_events(events([], lats=(), lons=()))


def test_same_event_distance_is_measured_on_the_great_circle():
    """0.8 degrees of longitude at 60 N is 44.5 km (under 50 km: one event), not 89 km."""

    def events(longitude):
        return pd.DataFrame({
            "time": pd.to_datetime(["1990-01-01", "2000-07-01", "2010-01-01"], utc=True),
            "latitude": [59.0, 60.0, 61.0], "longitude": [-1.0, longitude, 1.0],
            "depth_km": 10.0, "magnitude": 5.0,
        })

    origin = pd.Timestamp("2000-06-01", tz="UTC")
    catalogs = [(c, CatalogCoverage.from_events(c)) for c in (events(0.0), events(0.8))]
    assert len(covering_events(catalogs, origin, 60.0, 0.0)) == 3
