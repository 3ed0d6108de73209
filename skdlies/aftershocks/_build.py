"""From slip models and catalogs to labelled stress grids in the DeVries et al. (2018) layout."""

from __future__ import annotations

import hashlib
import os
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .._warnings import user_stacklevel
from ..datasets import SlipModel, load_devries, read_fsp, write_devries
from ..stress import (
    DEVRIES_COLUMNS,
    DEVRIES_LABEL,
    SingularPointsWarning,
    halfspace_stress,
    okada_stress_rake,
    patch_corners,
    slip_vectors,
)
from ._coverage import CatalogCoverage, covering_events
from ._grid import grid_cells
from ._labels import as_utc, label_cells, project_events

__all__ = ["build_dataset", "build_event", "cutde_engine", "okada_engine", "receiver_plane"]

#: A stress engine: (points (n, 3) m, patch table as in SlipModel.patches) -> (n, 6) Pa.
Engine = Callable[[np.ndarray, pd.DataFrame], np.ndarray]


def okada_engine(points: np.ndarray, patches: pd.DataFrame) -> np.ndarray:
    """Okada (1992) rectangles (:func:`skdlies.stress.okada_stress_rake`): the fast engine.

    Parameters
    ----------
    points : ndarray of shape (n, 3)
        Observation points (m; x East, y North, z Up).
    patches : pandas.DataFrame
        Patch table as in ``patches`` of :class:`skdlies.datasets.SlipModel`.

    Returns
    -------
    ndarray of shape (n, 6)
        Stress change (Pa, tension positive; xx, yy, zz, xy, xz, yz).
    """
    return okada_stress_rake(points, *(patches[c].to_numpy() for c in _PATCH_COLUMNS))


def cutde_engine(points: np.ndarray, patches: pd.DataFrame) -> np.ndarray:
    """Two cutde triangles per rectangle (:func:`skdlies.stress.halfspace_stress`): the oracle.

    Parameters and result as for :func:`okada_engine`; slower, and exact to
    the triangles' own accuracy (the reference the Okada engine is tested on).

    Parameters
    ----------
    points : ndarray of shape (n, 3)
        Observation points (m).
    patches : pandas.DataFrame
        Patch table.

    Returns
    -------
    ndarray of shape (n, 6)
        Stress change (Pa).
    """
    x, y, depth, strike, dip, length, width, rake, slip = (
        patches[c].to_numpy() for c in _PATCH_COLUMNS
    )
    corners = patch_corners(x, y, -depth, strike, dip, length, width) * 1e3
    return halfspace_stress(points, corners, slip_vectors(strike, dip, rake, slip))


_PATCH_COLUMNS = ("x_km", "y_km", "depth_km", "strike", "dip", "length_km", "width_km", "rake",
                  "slip_m")


def receiver_plane(model: SlipModel) -> tuple[float, float, float]:
    """Area-weighted mean strike, dip and rake (degrees) of the patches that slipped.

    The receiver plane of DeVries et al. for dCFS. Strike and rake are averaged
    as directions (circular means), dip arithmetically.

    Parameters
    ----------
    model : skdlies.datasets.SlipModel
        A slip model with rake (SRCMOD ``RAKE``) on each patch.

    Returns
    -------
    strike, dip, rake : float
        Degrees; strike in [0, 360), rake in (-180, 180].
    """
    p = model.patches
    weight = (p["length_km"] * p["width_km"]).where(p["slip_m"] > 0, 0.0).to_numpy()
    if not weight.sum() > 0:
        raise ValueError(f"{model.tag}: no patch has slip > 0 (and a known size).")

    def circular(degrees: pd.Series) -> float:
        angle = np.radians(degrees.to_numpy())
        return float(np.degrees(np.arctan2(weight @ np.sin(angle), weight @ np.cos(angle))))

    return circular(p["strike"]) % 360, float(weight @ p["dip"] / weight.sum()), circular(p["rake"])


def _warn_if_frames_disagree(model: SlipModel, patches: pd.DataFrame, cell_km: float) -> None:
    """Warn when the FSP's own patch x/y and its lat/lon, projected about the hypocentre as
    the catalog events are, disagree by more than half a cell for the median patch: the
    labels would be offset from the stress grid (the FSP x/y place the grid, the lat/lon
    of events the labels). Long ruptures differ by a few km at their ends from the
    projections alone (Tohoku: 6 km at 250 km), which the median leaves out."""
    if not {"lat", "lon"} <= set(patches.columns):
        return
    known = patches.dropna(subset=["lat", "lon"])
    if known.empty:
        return
    lat, lon, _ = model.hypocentre
    projected = project_events(known.rename(columns={"lat": "latitude", "lon": "longitude"}),
                               lat, lon)
    gap = np.hypot(projected["x_km"] - known["x_km"], projected["y_km"] - known["y_km"])
    if gap.median() > cell_km / 2:
        warnings.warn(
            f"{model.tag}: the patches' x, y in the FSP file and their latitude, longitude "
            f"disagree by up to {gap.max():.1f} km (median {gap.median():.1f} km), more "
            f"than half a {cell_km:g} km cell; the stress grid follows x, y and the "
            "aftershock labels follow latitude, longitude, so they may be offset.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def build_event(
    model: SlipModel,
    events: pd.DataFrame | None,
    origin_time: pd.Timestamp | str | None,
    *,
    engine: Engine = okada_engine,
    min_magnitude: float | None = None,
    cell_km: float = 5.0,
    radius_km: float = 100.0,
    n_layers: int = 10,
) -> pd.DataFrame:
    """Stress changes and aftershock labels on the grid around one slip model.

    Parameters
    ----------
    model : SlipModel
        From :func:`skdlies.datasets.read_fsp`; patch positions are the top-centres
        in the file's local frame (km from the epicentre).
    events : pandas.DataFrame or None
        A catalog from :func:`skdlies.datasets.read_catalog` (UTC times), used
        as given: every row counts (:func:`build_dataset` removes the copies of
        an event in overlapping catalogs and the mainshock's own records
        first). None: no labels (all 0; the ``count`` column is 0).
    origin_time : timestamp or None
        Mainshock origin time (UTC); needed when ``events`` is given.
    engine : callable, default=:func:`okada_engine`
        ``(points m, patches) -> (n, 6) Pa``; :func:`cutde_engine` is the slow oracle.
    min_magnitude : float, optional
        Count only events of at least this magnitude.
    cell_km : float, default=5.0
        Cell size (km), horizontally and vertically (layers of ``cell_km``).
    radius_km : float, default=100.0
        Radius of the circles around the patch corners (km) that the grid covers.
    n_layers : int, default=10
        Layers of cells below the surface; see
        :func:`skdlies.aftershocks.grid_cells`.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``y``, ``z`` (m), the six ``stresses_full_*`` columns (Pa, tension
        positive), ``aftershocksyn`` (0/1) and ``count`` (events in the cell).
        Cells where the stress is singular (on a patch edge) are dropped.

    Warns
    -----
    UserWarning
        When cells on a patch edge are dropped (their number), and when the
        patches' x, y in the FSP file and their latitude, longitude disagree by
        more than half a cell for the median patch: the grid follows x, y and
        the labels the events' latitude, longitude, so they may be offset.
    """
    p = model.patches.dropna(subset=["length_km", "width_km", "strike", "dip", "rake"])
    if p.empty:
        unknown = model.patches[["length_km", "width_km", "strike", "dip", "rake"]].isna().all()
        raise ValueError(f"{model.tag}: no patch has a known geometry and rake (unknown in the "
                         f"file: {', '.join(unknown[unknown].index)}).")
    p = p.assign(depth_km=p["depth_km"].clip(lower=0))  # a few FSP tops lie above sea level
    corners = patch_corners(p["x_km"], p["y_km"], -p["depth_km"], p["strike"], p["dip"],
                            p["length_km"], p["width_km"])
    cells = grid_cells(corners[..., :2].reshape(-1, 2), cell_km=cell_km, radius_km=radius_km,
                       n_layers=n_layers, layer_km=cell_km)
    points = cells[["x", "y", "z"]].to_numpy()
    with warnings.catch_warnings():
        # singular cells are dropped below and counted; other warnings (a failed backend) show
        warnings.filterwarnings("ignore", category=SingularPointsWarning)
        stress = engine(points, p)
    frame = pd.concat([cells, pd.DataFrame(stress, columns=list(DEVRIES_COLUMNS))], axis=1)
    if events is None:
        count = np.zeros(len(frame), dtype=np.int64)
    else:
        if origin_time is None:
            raise ValueError(f"{model.tag}: labelling with a catalog needs the origin time.")
        lat, lon, _ = model.hypocentre
        _warn_if_frames_disagree(model, p, cell_km)
        local = project_events(events, lat, lon)
        count = label_cells(points[:, 0] / 1e3, points[:, 1] / 1e3, points[:, 2] / 1e3, local,
                            origin_time, cell_km=cell_km, layer_km=cell_km,
                            min_magnitude=min_magnitude).counts
    frame[DEVRIES_LABEL] = (count > 0).astype(np.int8)
    frame["count"] = count
    finite = np.isfinite(stress).all(axis=1)
    if not finite.all():
        warnings.warn(f"{model.tag}: {int((~finite).sum())} cells on a patch edge dropped.",
                      stacklevel=user_stacklevel())
    return frame[finite].reset_index(drop=True)


#: Bump when build_event computes differently, so that older parts are not resumed.
BUILD_FORMAT = 2


def _fingerprint(model: SlipModel, origin, events: pd.DataFrame | None, min_magnitude,
                 engine: Engine) -> str:
    """A short hash of everything a model's part depends on (see :func:`build_dataset`)."""
    digest = hashlib.sha256()
    digest.update(repr((model.tag, model.hypocentre)).encode())
    digest.update(pd.util.hash_pandas_object(model.patches, index=False).to_numpy())
    engine_name = f"{getattr(engine, '__module__', '')}.{getattr(engine, '__qualname__', engine)}"
    digest.update(repr((BUILD_FORMAT, str(origin), min_magnitude, engine_name)).encode())
    if events is not None:
        columns = [c for c in ("time", "latitude", "longitude", "depth_km", "magnitude")
                   if c in events.columns]
        digest.update(pd.util.hash_pandas_object(events[columns], index=False).to_numpy())
    return digest.hexdigest()[:16]


def build_dataset(
    fsp_files: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    *,
    catalog: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    origin_times: Callable[[SlipModel], pd.Timestamp | None] | None = None,
    engine: Engine = okada_engine,
    min_magnitude: float | None = None,
    progress: bool = True,
) -> dict[str, str]:
    """Build the labelled grids of many slip models into one h5 file, resumably.

    Each model is computed into ``<out>.parts/<tag>-<fingerprint>.h5`` (written
    atomically); a model whose part exists is skipped, so a killed build
    restarts where it stopped. The fingerprint hashes everything the part
    depends on (the slip model, the origin time, the events that label it, the
    magnitude cut and the engine), so a build run again with another catalog
    or ``min_magnitude`` recomputes its models instead of reusing stale labels.
    When every model is done, the parts are joined into ``out`` (atomically),
    with the model tag as the group of each row. The parts are kept, so that a
    later build with the same inputs (e.g. of more models) reuses them; a
    model's part made from other inputs is deleted when the model is built
    again.

    Parameters
    ----------
    fsp_files : sequence of paths
        SRCMOD FSP files.
    out : path
        The h5 file to write (:func:`skdlies.datasets.load_devries` reads it).
    catalog : pandas.DataFrame or sequence of them, optional
        Catalogs (:func:`skdlies.datasets.read_catalog`, UTC) for the labels.
        A model is labelled from the events of every catalog that covers its
        aftershock window in time and space (:class:`CatalogCoverage`: the span
        and bounding box of the catalog's own events); a model that no catalog
        covers is skipped, since its labels would be 0 for want of data, not of
        aftershocks. Give catalogs in order of preference: an event within 10 s
        and 50 km of an event of an earlier catalog is the same earthquake and
        counts once, and records of the mainshock itself (within those bounds
        of the origin and epicentre) are dropped. Without a catalog, every
        label is 0.
    origin_times : callable, optional
        ``model -> origin time (UTC)`` or None when unknown (the model is then
        skipped); needed with ``catalog``.
    engine, min_magnitude :
        See :func:`build_event`.
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    dict
        ``tag -> status`` ("built", "resumed", or "skipped: <why>" for a model
        without an origin time, not covered by any catalog, or with an unusable
        geometry).
    """
    out = Path(out)
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    status: dict[str, str] = {}
    done: list[Path] = []
    if isinstance(catalog, pd.DataFrame):
        catalog = [catalog]
    catalogs = [(c, CatalogCoverage.from_events(c)) for c in catalog or [] if len(c)]
    if catalog is not None and not catalogs:
        raise ValueError("Every catalog given is empty: no cell could be labelled.")
    for file in tqdm(list(fsp_files), disable=not progress, desc="slip models", unit="model"):
        model = read_fsp(file)
        events = origin = None
        if catalogs:  # decided before resuming, so a rerun applies the same rule
            origin = origin_times(model) if origin_times is not None else None
            if origin is None:
                status[model.tag] = "skipped: no origin time"
                continue
            origin = as_utc(pd.Timestamp(origin))  # a tz-naive origin is UTC, as in label_cells
            lat, lon, _ = model.hypocentre
            events = covering_events(catalogs, origin, lat, lon)
            if events is None:
                status[model.tag] = "skipped: no catalog covers the year after the origin"
                continue
        fingerprint = _fingerprint(model, origin, events, min_magnitude, engine)
        part = parts / f"{model.tag}-{fingerprint}.h5"
        if part.exists():
            status[model.tag] = "resumed"
            done.append(part)
            continue
        for stale in parts.glob(f"{model.tag}*.h5"):  # built with other inputs or settings
            if stale.stem.rsplit("-", 1)[0] == model.tag:  # also an unfingerprinted <tag>.h5
                stale.unlink()
        try:
            frame = build_event(model, events, origin, engine=engine,
                                min_magnitude=min_magnitude)
        except ValueError as exc:  # one unusable model must not stop a long build
            status[model.tag] = f"skipped: {exc}"
            continue
        write_devries(part, frame, np.full(len(frame), model.tag), extra_columns=["count"])
        status[model.tag] = "built"
        done.append(part)
    if not done:
        reasons = Counter(status.values()).most_common()
        summary = "; ".join(f"{n} x {why}" for why, n in reasons) or "no FSP file given"
        raise ValueError(f"No slip model could be built; nothing was written ({summary}).")
    frames, groups = zip(*(load_devries(part) for part in done), strict=True)
    # parts resumed from a build by an older skdlies may lack the counts: then none are kept
    extra = ["count"] if all("count" in frame for frame in frames) else []
    write_devries(out, pd.concat(frames, ignore_index=True), np.concatenate(groups),
                  extra_columns=extra)
    return status
