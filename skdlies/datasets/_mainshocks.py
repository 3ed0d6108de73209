"""Published origin times of the mainshocks of the SRCMOD slip models.

The FSP header of a SRCMOD model gives only the date of its earthquake (local or
UTC). The packaged table ``data/mainshocks.csv`` holds, for each of the 199
SRCMOD models used by DeVries et al. (2018), the catalog origin of its mainshock
(USGS NEIC/ComCat, SCSN or JMA), derived by ``benchmarks/make_mainshock_table.py``:
the largest event within +/-1.5 days of the FSP date and 150 km of the FSP
hypocentre, from the catalog that covers it. Several models of one earthquake
share an ``earthquake_id``; models with no catalog match (mostly before 1990
outside Japan) have no origin and ``catalog == "none"``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["MAINSHOCK_COLUMNS", "earthquake_groups", "load_mainshocks", "mainshock_origin"]

#: A SRCMOD tag: "s", the year, the place, the event number, then the author (4 letters).
_SRCMOD_TAG = re.compile(r"^(s\d{4}[A-Z]+\d{2})[A-Z]{4}$")

#: Columns of the table returned by :func:`load_mainshocks`, in order.
MAINSHOCK_COLUMNS: tuple[str, ...] = (
    "tag", "earthquake_id", "origin_time", "latitude", "longitude", "depth_km",
    "magnitude", "catalog", "match_distance_km", "match_dt_hours", "fsp_mw",
)

_RESOURCE = "mainshocks.csv"


@functools.lru_cache(maxsize=1)
def _read_table() -> pd.DataFrame:
    """Read and parse the packaged CSV once."""
    source = resources.files("skdlies.datasets").joinpath("data", _RESOURCE)
    with source.open("r", encoding="utf-8") as f:
        table = pd.read_csv(f, dtype={"tag": str, "earthquake_id": str, "catalog": str},
                            keep_default_na=False, na_values={
                                name: [""] for name in MAINSHOCK_COLUMNS
                                if name not in ("tag", "earthquake_id", "catalog")})
    table["earthquake_id"] = table["earthquake_id"].replace("", None)
    table["origin_time"] = pd.to_datetime(table["origin_time"], format="ISO8601",
                                          utc=True).dt.as_unit("ns")
    return table.loc[:, list(MAINSHOCK_COLUMNS)]


def load_mainshocks() -> pd.DataFrame:
    """Load the table of mainshock origins of the SRCMOD slip models.

    Returns
    -------
    pandas.DataFrame
        One row per slip model, with columns:

        - ``tag`` (str): the SRCMOD event tag, e.g. ``"s1999HECTOR01SALI"``;
        - ``earthquake_id`` (str or None): the same for all models of one
          earthquake (catalog origin to the second and catalog name, e.g.
          ``"1999-10-16T09:46:44_socal"``), to group models by earthquake;
        - ``origin_time`` (``datetime64[ns, UTC]``, NaT if unmatched);
        - ``latitude``, ``longitude`` (degrees), ``depth_km``, ``magnitude``:
          the catalog's hypocentre and magnitude;
        - ``catalog`` (str): ``"neic"``, ``"socal"``, ``"comcat"``, ``"jma"``
          or ``"none"`` (no match);
        - ``match_distance_km``: distance from the FSP hypocentre to the
          catalog epicentre;
        - ``match_dt_hours``: catalog origin minus the FSP date at 12:00 UTC;
        - ``fsp_mw``: the FSP moment magnitude.

        A fresh copy is returned on each call.

    Examples
    --------
    >>> from skdlies.datasets import load_mainshocks
    >>> table = load_mainshocks()
    >>> str(table["origin_time"].dt.tz)
    'UTC'
    """
    return _read_table().copy()


def mainshock_origin(tag: str) -> pd.Timestamp:
    """Return the UTC origin time of the mainshock of a SRCMOD slip model.

    Parameters
    ----------
    tag : str
        SRCMOD event tag (``EventTAG`` of the FSP file, ``SlipModel.tag``).

    Returns
    -------
    pandas.Timestamp
        The catalog origin time, timezone-aware (UTC).

    Raises
    ------
    ValueError
        If ``tag`` is not in the table, or if the table has no published
        origin for it (no catalog match).

    Examples
    --------
    >>> from skdlies.datasets import mainshock_origin
    >>> mainshock_origin("s1999HECTOR01SALI").floor("min")
    Timestamp('1999-10-16 09:46:00+0000', tz='UTC')
    """
    table = _read_table()
    rows = table.loc[table["tag"] == tag]
    if rows.empty:
        raise ValueError(f"unknown SRCMOD tag {tag!r}: not in the mainshock table "
                         f"({len(table)} models; see load_mainshocks())")
    origin = rows["origin_time"].iloc[0]
    if pd.isna(origin):
        raise ValueError(f"no published origin time for SRCMOD tag {tag!r}: its mainshock "
                         "was not found in the catalogs used (catalog 'none')")
    return pd.Timestamp(origin)


def earthquake_groups(tags: Iterable[str]) -> np.ndarray:
    """The earthquake of each SRCMOD slip model, to split data by earthquake.

    SRCMOD holds several slip models of many earthquakes (Landers 1992 has
    five), whose cells share their aftershock labels: a split by slip model
    (the ``groups`` that :func:`load_devries` returns) puts one earthquake on
    both sides of a fold. Pass these groups to ``GroupKFold`` instead.

    Parameters
    ----------
    tags : iterable of str
        SRCMOD event tags, e.g. the ``groups`` of :func:`load_devries` (one per
        cell).

    Returns
    -------
    ndarray of object, shape (n_tags,)
        The ``earthquake_id`` of :func:`load_mainshocks` for each tag. A tag
        without one (no catalog match, or not in the table) gets its SRCMOD
        event prefix, the tag without its 4-letter author
        (``"s1989LOMAPR01"`` for ``"s1989LOMAPR01WALD"``), or stays as it is if
        it is not a SRCMOD tag.

    Raises
    ------
    ValueError
        If ``tags`` is None (a file without groups) or a single string.

    Examples
    --------
    >>> from skdlies.datasets import earthquake_groups
    >>> earthquake_groups(["s1992LANDER01COHE", "s1992LANDER01WALD", "s1989LOMAPR01WALD"])
    array(['1992-06-28T11:57:34_comcat', '1992-06-28T11:57:34_comcat',
           's1989LOMAPR01'], dtype=object)
    """
    if tags is None or isinstance(tags, str):
        raise ValueError(
            f"tags must be the slip-model tags of the cells, got {tags!r}. load_devries returns "
            "None for files without groups (such as the authors' Training.h5 and Testing.h5, "
            "already split by earthquake): split those files as they are."
        )
    tags = np.asarray(list(tags), dtype=object)
    codes, unique = pd.factorize(tags)  # missing values (None, NaN) get -1 and stay as they are
    known = _read_table().set_index("tag")["earthquake_id"].dropna()
    mapped = np.empty(len(unique), dtype=object)
    for i, tag in enumerate(unique):
        if tag in known.index:
            mapped[i] = known[tag]
        else:
            match = _SRCMOD_TAG.match(str(tag))
            mapped[i] = match.group(1) if match else tag
    out = tags.copy()
    out[codes >= 0] = mapped[codes[codes >= 0]]
    return out
