"""Which catalogs cover a mainshock's aftershock window, so that a label 0 means "none seen"."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ._labels import DEFAULT_WINDOW

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
        origin = pd.Timestamp(origin)
        first, last = DEFAULT_WINDOW
        return bool(self.start <= origin + first and self.end >= origin + last
                    and self.lat_min <= latitude <= self.lat_max
                    and self.lon_min <= longitude <= self.lon_max)


def covering_events(catalogs, origin: pd.Timestamp, latitude: float,
                    longitude: float) -> pd.DataFrame | None:
    """The events of every catalog that covers the mainshock's window, or None if none does.

    Parameters
    ----------
    catalogs : sequence of (pandas.DataFrame, CatalogCoverage)
        Catalogs with their coverage.
    origin : pandas.Timestamp
        Mainshock origin time (UTC).
    latitude, longitude : float
        Epicentre (degrees).
    """
    parts = [events for events, coverage in catalogs
             if coverage.covers(origin, latitude, longitude)]
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True).sort_values("time", ignore_index=True)
