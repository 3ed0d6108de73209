"""Which catalogs cover a mainshock's aftershock window, so that a label 0 means "none seen"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._labels import DEFAULT_WINDOW, EARTH_RADIUS_KM, as_utc

__all__ = ["CatalogCoverage", "covering_events"]


@dataclass(frozen=True)
class CatalogCoverage:
    """Time span and bounding box of a catalog, from its own events.

    A catalog covers a mainshock when its first event is no later than the
    start of the aftershock window (origin + 1 s), its last event no earlier than
    the window's end (origin + 365 days - 1 s), and the epicentre lies inside the
    latitude/longitude box of its events. Both bounds are conservative: a
    catalog is never taken to cover time or space it shows no event in.

    Attributes
    ----------
    start, end : pandas.Timestamp
        Times (UTC) of the first and last events.
    lat_min, lat_max, lon_min, lon_max : float
        Degrees.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    @classmethod
    def from_events(cls, events: pd.DataFrame) -> CatalogCoverage:
        """The coverage of a catalog read by :func:`skdlies.datasets.read_catalog`.

        Parameters
        ----------
        events : pandas.DataFrame
            Columns ``time`` (UTC), ``latitude`` and ``longitude`` (degrees).

        Returns
        -------
        CatalogCoverage
            The span of its event times and the box of its epicentres.
        """
        if len(events) == 0:
            raise ValueError("An empty catalog covers nothing.")
        return cls(events["time"].min(), events["time"].max(),
                   float(events["latitude"].min()), float(events["latitude"].max()),
                   float(events["longitude"].min()), float(events["longitude"].max()))

    def covers(self, origin: pd.Timestamp, latitude: float, longitude: float) -> bool:
        """Whether the whole aftershock window of a mainshock at this place is covered.

        Parameters
        ----------
        origin : pandas.Timestamp
            Mainshock origin time (UTC).
        latitude, longitude : float
            Epicentre (degrees).

        Returns
        -------
        bool
            True if the catalog spans the window (the year after ``origin``) and
            the epicentre lies in its box.
        """
        origin = as_utc(pd.Timestamp(origin))
        first, last = DEFAULT_WINDOW
        return bool(self.start <= origin + first and self.end >= origin + last
                    and self.lat_min <= latitude <= self.lat_max
                    and self.lon_min <= longitude <= self.lon_max)


#: Records of one earthquake in two catalogs (or of the mainshock itself) lie within this
#: time and this epicentral distance of each other.
SAME_EVENT_SECONDS = 10.0
SAME_EVENT_KM = 50.0


def covering_events(catalogs, origin: pd.Timestamp, latitude: float,
                    longitude: float) -> pd.DataFrame | None:
    """The events of every catalog that covers the mainshock's window, or None if none does.

    Catalogs overlap (a global and a regional one): an event of a later catalog
    within ``SAME_EVENT_SECONDS`` and ``SAME_EVENT_KM`` of an event of an
    earlier one is the same earthquake and is dropped, so that it is counted
    once. Records of the mainshock itself (within those bounds of ``origin`` and
    the epicentre) are dropped too: another catalog's origin for it can fall a
    second or two after ``origin``, inside the labelling window.

    Parameters
    ----------
    catalogs : sequence of (pandas.DataFrame, CatalogCoverage)
        Catalogs with their coverage, in order of preference.
    origin : pandas.Timestamp
        Mainshock origin time (UTC; a tz-naive time is taken as UTC).
    latitude, longitude : float
        Epicentre (degrees).

    Returns
    -------
    pandas.DataFrame or None
        The events, sorted by time, or None when no catalog covers the window.
    """
    origin = as_utc(pd.Timestamp(origin))
    parts = [events for events, coverage in catalogs
             if coverage.covers(origin, latitude, longitude)]
    if not parts:
        return None
    mainshock = pd.DataFrame({"time": [origin], "latitude": [latitude], "longitude": [longitude]})
    kept = [parts[0][~_same_events(parts[0], mainshock)]]
    for events in parts[1:]:
        earlier = pd.concat([mainshock, *kept], ignore_index=True)
        kept.append(events[~_same_events(events, earlier)])
    return pd.concat(kept, ignore_index=True).sort_values("time", ignore_index=True)


def _same_events(events: pd.DataFrame, others: pd.DataFrame) -> np.ndarray:
    """Whether each row of ``events`` is within the same-event bounds of a row of ``others``."""
    same = np.zeros(len(events), dtype=bool)
    if len(events) == 0 or len(others) == 0:
        return same
    others = others.sort_values("time")
    t_other = others["time"].to_numpy("datetime64[ns]").astype(np.int64)
    t = events["time"].to_numpy("datetime64[ns]").astype(np.int64)
    tolerance = int(SAME_EVENT_SECONDS * 1e9)
    lo = np.searchsorted(t_other, t - tolerance, side="left")
    hi = np.searchsorted(t_other, t + tolerance, side="right")
    lat_o, lon_o = (np.radians(others[c].to_numpy(np.float64)) for c in ("latitude", "longitude"))
    lat, lon = (np.radians(events[c].to_numpy(np.float64)) for c in ("latitude", "longitude"))
    for i in np.flatnonzero(hi > lo):
        j = slice(lo[i], hi[i])
        h = (np.sin((lat_o[j] - lat[i]) / 2) ** 2  # haversine
             + np.cos(lat[i]) * np.cos(lat_o[j]) * np.sin((lon_o[j] - lon[i]) / 2) ** 2)
        distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
        same[i] = distance.min() <= SAME_EVENT_KM
    return same
