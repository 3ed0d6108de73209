"""Derive the table of mainshock origin times for SRCMOD slip models from catalogs.

For each FSP file the mainshock is looked up in the catalogs that cover its
date and hypocentre: the largest-magnitude event within +/-1.5 days of the FSP
header date (taken at 12:00 UTC, so the window is the day before to the day
after; the header date may be local or UTC) and within 150 km of the FSP
hypocentre. The catalogs are tried in this order, the first with a match wins:

1. ``socal`` (SCSN, 1998-06 to 2001-02) and ``comcat`` (ComCat western US,
   1992-06-18 to 07-08, Landers), where their time span and area cover the model;
2. ``neic`` (USGS NEIC/ComCat global, M >= 4.5, 1990-2014);
3. ``jma`` (JMA, M >= 4.5, 1926-2007, as distributed in the ETAS R package;
   ``read_catalog`` converts its shifted JST to UTC, see ``format="jma_etas"``),
   for Japanese events outside NEIC's range or not found in it.

Candidates on the FSP date (UTC, or local solar time from the hypocentre
longitude) are preferred; only if no catalog has one is the whole window used.
Of equal magnitudes the most precisely timed event wins (NEIC lists a few events
twice, once rounded to the minute). For days with several modelled earthquakes
(Colfiorito, Pingtung, Brawley) ``OVERRIDES`` names the sub-event of each model.

A catalog "covers" a model when the FSP date lies within the catalog's first and
last event times (+/-1 day) and the hypocentre within the bounding box of its
epicentres (+/-0.5 degree). Models sharing an earthquake get the same origin and
``earthquake_id`` (the catalog origin time to the second plus the catalog).
Models with no match are written with an empty origin and catalog ``none``. Two
are left so on purpose: s2002DENALI01ASAN and s1997KAGOSH01MIYA place their
hypocentre *and their patches* 2-2.5 degrees of latitude from the rupture, so
labels from a catalog would describe another place.

Writes ``skdlies/datasets/data/mainshocks.csv`` (or ``--output``) with the
columns ``tag, earthquake_id, origin_time, latitude, longitude, depth_km,
magnitude, catalog, match_distance_km, match_dt_hours, fsp_mw``
(``match_dt_hours``: catalog origin minus the FSP date at 12:00 UTC), and prints
a summary: matches per catalog, unmatched models, and suspicious matches
(|catalog magnitude - FSP Mw| > 0.7 or distance > 80 km) and ambiguous ones
(another candidate within 0.3 magnitude units of the chosen one) for review.

Usage::

    python benchmarks/make_mainshock_table.py ../shared/data/srcmod ../shared/data/catalogs
"""

from __future__ import annotations

import argparse
import datetime
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from skdlies._io import atomic_path
from skdlies.datasets import SlipModel, read_catalog, read_fsp

DEFAULT_OUTPUT = (Path(__file__).resolve().parents[1]
                  / "skdlies" / "datasets" / "data" / "mainshocks.csv")
WINDOW = pd.Timedelta(days=1.5)
MAX_DISTANCE_KM = 150.0
SUSPICIOUS_DMAG = 0.7
SUSPICIOUS_KM = 80.0
AMBIGUOUS_DMAG = 0.3
EARTH_RADIUS_KM = 6371.0
COLUMNS = ("tag", "earthquake_id", "origin_time", "latitude", "longitude", "depth_km",
           "magnitude", "catalog", "match_distance_km", "match_dt_hours", "fsp_mw")

# Models of days with several modelled earthquakes, where the largest-magnitude rule
# would give two models the same event: tag -> approximate UTC origin (the catalog
# event nearest to it among the candidates is taken). SRCMOD numbers these
# sub-events in time order ("Sequence # 1", "evnt1", ...).
OVERRIDES: dict[str, str] = {
    "s1997COLFIO01HERN": "1997-09-26T00:33Z",  # Colfiorito #1, Mw 5.7 (#2 is 09:40)
    "s1997COLFIO02HERN": "1997-09-26T09:40Z",
    "s2006PINGTU01YENx": "2006-12-26T12:26Z",  # Pingtung event 1, Mw 7.1
    "s2006PINGTU02YENx": "2006-12-26T12:34Z",  # Pingtung event 2, Mw 6.9
    "s2012BRAWLE01WEIx": "2012-08-26T19:31Z",  # Brawley swarm, first M5.4
    "s2012BRAWLE02WEIx": "2012-08-26T20:58Z",  # Brawley swarm, second M5.5
}

# Catalog name -> file name prefix, in priority order.
CATALOG_FILES: dict[str, str] = {
    "socal": "SoCal_",
    "comcat": "Landers_ComCat_",
    "neic": "NEIC_",
    "jma": "JMA_",
}


@dataclass
class Catalog:
    """A catalog table with its name and coverage (time span, bounding box)."""

    name: str
    events: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    lat_range: tuple[float, float]
    lon_range: tuple[float, float]

    def covers(self, when: pd.Timestamp, lat: float, lon: float) -> bool:
        """Whether ``when`` and the point ``(lat, lon)`` lie within the coverage."""
        day = pd.Timedelta(days=1)
        lon = _wrap(lon)
        return (self.start - day <= when <= self.end + day
                and self.lat_range[0] - 0.5 <= lat <= self.lat_range[1] + 0.5
                and self.lon_range[0] - 0.5 <= lon <= self.lon_range[1] + 0.5)


def _wrap(lon: float | np.ndarray) -> float | np.ndarray:
    """Longitude wrapped into [-180, 180)."""
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def distance_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distances in km from one point to many."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dlat = p2 - p1
    dlon = np.radians(lons - lon)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def load_catalogs(folder: Path) -> list[Catalog]:
    """Read the four development catalogs found in ``folder``, in priority order."""
    catalogs = []
    for name, prefix in CATALOG_FILES.items():
        files = sorted(folder.glob(prefix + "*"))
        if not files:
            print(f"warning: no {name} catalog ({prefix}*) in {folder}", file=sys.stderr)
            continue
        events = read_catalog(files[0])
        lons = _wrap(events["longitude"].to_numpy())
        events = events.assign(longitude=lons)
        catalogs.append(Catalog(
            name, events, events["time"].min(), events["time"].max(),
            (float(events["latitude"].min()), float(events["latitude"].max())),
            (float(lons.min()), float(lons.max())),
        ))
    return catalogs


def reference_time(date: datetime.date) -> pd.Timestamp:
    """The FSP header date at 12:00 UTC, the centre of the search window."""
    return pd.Timestamp(date).tz_localize("UTC") + pd.Timedelta(hours=12)


def candidates(model: SlipModel, catalog: Catalog, same_date: bool) -> pd.DataFrame:
    """Events of ``catalog`` within the time window and distance of ``model``.

    With ``same_date``, keep only those whose UTC date or local solar date (UTC
    plus the hypocentre longitude / 15 h, rounded) is the FSP date.
    """
    assert model.date is not None
    when = reference_time(model.date)
    lat, lon, _ = model.hypocentre
    ev = catalog.events
    in_time = ev[(ev["time"] >= when - WINDOW) & (ev["time"] <= when + WINDOW)]
    dist = distance_km(lat, lon, in_time["latitude"].to_numpy(), in_time["longitude"].to_numpy())
    cand = in_time[dist <= MAX_DISTANCE_KM].assign(dist=dist[dist <= MAX_DISTANCE_KM])
    if same_date and not cand.empty:
        date = pd.Timestamp(model.date).date()
        local = cand["time"] + pd.Timedelta(hours=round(float(_wrap(lon)) / 15.0))
        cand = cand[(cand["time"].dt.date == date) | (local.dt.date == date)]
    return cand


def pick(cand: pd.DataFrame, tag: str) -> pd.Series:
    """The mainshock among the candidates: the override time if any, else the largest.

    Of equal magnitudes the event with the most precise time wins (the NEIC file
    holds some events twice, once with the time rounded to the minute), then the
    earliest.
    """
    if tag in OVERRIDES:
        target = pd.Timestamp(OVERRIDES[tag])
        return cand.loc[(cand["time"] - target).abs().idxmin()]
    top = cand[cand["magnitude"] == cand["magnitude"].max()]
    coarse = (top["time"].dt.second.eq(0) & top["time"].dt.microsecond.eq(0)).astype(int) \
        + top["time"].dt.microsecond.eq(0).astype(int)
    order = np.lexsort((top["time"].to_numpy(), coarse.to_numpy()))
    return top.iloc[order[0]]


def match(model: SlipModel, catalogs: list[Catalog]) -> dict[str, object]:
    """Row of the output table for one slip model (see the module docstring).

    The catalogs are searched first for candidates on the FSP date (UTC or local),
    then, if none is found, over the whole +/-1.5 day window.
    """
    row: dict[str, object] = {name: None for name in COLUMNS}
    row.update(tag=model.tag, catalog="none", fsp_mw=model.mw, n_close=0)
    if model.date is None:
        return row
    when = reference_time(model.date)
    lat, lon, _ = model.hypocentre
    for same_date, catalog in [(s, c) for s in (True, False) for c in catalogs]:
        if not catalog.covers(when, lat, lon):
            continue
        cand = candidates(model, catalog, same_date)
        if cand.empty:
            continue
        best = pick(cand, model.tag)
        close = cand[(cand["magnitude"] >= best["magnitude"] - AMBIGUOUS_DMAG)
                     & ((cand["time"] - best["time"]).abs() > pd.Timedelta(minutes=2))]
        n_close = len(close)  # other events, not duplicates of the chosen one
        origin = best["time"]
        row.update(
            earthquake_id=f"{origin.round('s'):%Y-%m-%dT%H:%M:%S}_{catalog.name}",
            origin_time=f"{origin:%Y-%m-%dT%H:%M:%S}.{origin.microsecond // 1000:03d}Z",
            latitude=round(float(best["latitude"]), 5),
            longitude=round(float(best["longitude"]), 5),
            depth_km=round(float(best["depth_km"]), 3),
            magnitude=float(best["magnitude"]),
            catalog=catalog.name,
            match_distance_km=round(float(best["dist"]), 2),
            match_dt_hours=round((origin - when) / pd.Timedelta(hours=1), 3),
            n_close=n_close,
        )
        return row
    return row


def summarise(table: pd.DataFrame) -> list[str]:
    """Summary lines: matches per catalog, unmatched and suspicious models."""
    lines = [f"slip models: {len(table)}"]
    matched = table[table["catalog"] != "none"]
    for name, count in matched["catalog"].value_counts().items():
        n_eq = matched.loc[matched["catalog"] == name, "earthquake_id"].nunique()
        lines.append(f"matched in {name}: {count} models, {n_eq} earthquakes")
    lines.append(f"earthquakes (distinct earthquake_id): {matched['earthquake_id'].nunique()}")
    unmatched = table[table["catalog"] == "none"]
    lines.append(f"unmatched: {len(unmatched)}")
    for _, r in unmatched.iterrows():
        lines.append(f"  {r['tag']}")
    dmag = (matched["magnitude"] - matched["fsp_mw"]).abs()
    odd = matched[(dmag > SUSPICIOUS_DMAG) | (matched["match_distance_km"] > SUSPICIOUS_KM)]
    lines.append(f"suspicious (|M - Mw| > {SUSPICIOUS_DMAG} or distance > {SUSPICIOUS_KM:g} km): "
                 f"{len(odd)}")
    lines += [_describe(r) for _, r in odd.iterrows()]
    amb = matched[matched["n_close"] > 0]
    lines.append(f"ambiguous (other candidates within {AMBIGUOUS_DMAG} magnitude units): "
                 f"{len(amb)}")
    lines += [_describe(r) + f" [{r['n_close']} other]" for _, r in amb.iterrows()]
    return lines


def _describe(r: pd.Series) -> str:
    return (f"  {r['tag']}: {r['origin_time']} {r['catalog']} M{r['magnitude']:.2f} "
            f"(FSP Mw {r['fsp_mw']:.2f}), {r['match_distance_km']:.1f} km, "
            f"dt {r['match_dt_hours']:+.1f} h")


def main(argv: list[str] | None = None) -> int:
    """Build the table, write it and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fsp_folder", type=Path, help="folder of SRCMOD *.fsp files")
    parser.add_argument("catalog_folder", type=Path, help="folder of the catalogs")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    if not args.catalog_folder.is_dir():
        parser.error(f"catalog folder not found: {args.catalog_folder}")
    catalogs = load_catalogs(args.catalog_folder)
    if len(catalogs) < len(CATALOG_FILES):  # a partial table would replace the shipped one
        parser.error(f"{args.catalog_folder} lacks catalogs (see the warnings above); "
                     "nothing was written")
    files = sorted(args.fsp_folder.glob("*.fsp"))
    if not files:
        parser.error(f"no *.fsp files in {args.fsp_folder}")
    rows = [match(read_fsp(path), catalogs) for path in files]
    table = pd.DataFrame(rows).sort_values("tag", ignore_index=True)
    if table["tag"].duplicated().any():
        dup = table.loc[table["tag"].duplicated(), "tag"].tolist()
        print(f"warning: duplicate tags {dup}", file=sys.stderr)
    print("\n".join(summarise(table)))
    with atomic_path(args.output) as tmp:
        table.loc[:, list(COLUMNS)].to_csv(tmp, index=False, lineterminator="\n")
    print(f"wrote {args.output} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
