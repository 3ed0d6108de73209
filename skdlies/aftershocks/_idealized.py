"""The idealized strike-slip fault of DeVries et al. (2018, Fig. 2e-h) and its variance explained.

A trained network sees the six stress components in a fixed East/North/Up
frame, so its forecast around a fault depends on the fault's strike. The
paper removes that dependence by rotating the fault through every strike,
evaluating the forecast on a grid that turns with it, and averaging: the
result is a map in the fault's own frame. The stress metrics are averaged the
same way (for the invariants the average changes nothing), and the
percentage of the averaged forecast's variance that each averaged metric
explains (%VE) says which physical quantity the network has learned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from ..stress import (
    DEVRIES_COLUMNS,
    coulomb_stress,
    max_shear,
    okada_stress_rake,
    stress_invariants,
    sum_abs_stress,
    von_mises,
)

__all__ = [
    "StrikeAveragedFields",
    "strike_averaged_fields",
    "variance_explained",
    "variance_explained_table",
]

#: Friction coefficients of the dCFS rows of the table.
TABLE_MU = tuple(round(0.1 * i, 1) for i in range(9))


@dataclass
class StrikeAveragedFields:
    """Strike-averaged network forecast and stress metrics around the idealized fault.

    Maps are in the fault's frame: ``along_km`` runs along strike from the fault
    centre, ``across_km`` is horizontal and perpendicular to the fault, positive
    to the left of the strike direction (the footwall side for a dip below 90
    degrees, which dips to the right of strike).

    Attributes
    ----------
    along_km, across_km : ndarray of shape (n_across, n_along)
        Cell-centre coordinates (km), from :func:`numpy.meshgrid`.
    forecast : ndarray of shape (n_across, n_along)
        The estimator's probability of aftershocks, averaged over the strikes.
    metrics : DataFrame
        One row per cell (in ``forecast.ravel()`` order) and one column per
        stress metric, averaged over the strikes; columns are a two-level index
        (``"full"`` or ``"deviatoric"``, metric name). Units: Pa, Pa^2 (I2),
        Pa^3 (I3), km (``r``).
    strikes : ndarray
        The strikes averaged over (degrees clockwise from North).
    fault : dict
        The fault: ``length_km``, ``width_km``, ``slip_m``, ``rake``, ``depth_km``
        (observation depth), ``mu``, ``lam`` (Pa).
    """

    along_km: np.ndarray
    across_km: np.ndarray
    forecast: np.ndarray
    metrics: pd.DataFrame
    strikes: np.ndarray
    fault: dict

    def metric_map(self, name: str, tensor: str = "full") -> np.ndarray:
        """A strike-averaged metric as a map of the grid's shape.

        Parameters
        ----------
        name : str
            A column of ``metrics`` (e.g. ``"dtau_max"`` or ``"sqrt(3J2)"``).
        tensor : {"full", "deviatoric"}, default="full"
            Which tensor the metric was computed from.

        Returns
        -------
        ndarray of shape ``forecast.shape``
            The metric on the (across, along) grid.
        """
        return self.metrics[(tensor, name)].to_numpy().reshape(self.forecast.shape)


def _fault_frame(strike: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (East, North) along strike and to its left."""
    s = math.radians(strike)
    return np.array([math.sin(s), math.cos(s)]), np.array([-math.cos(s), math.sin(s)])


def _deviator(S: np.ndarray) -> np.ndarray:
    out = S.copy()
    out[:, :3] -= S[:, :3].mean(axis=1, keepdims=True)
    return out


def _metric_columns(S: np.ndarray, deviatoric: bool, strike: float, rake: float,
                    r_km: np.ndarray) -> dict:
    """The metrics of DeVries et al.'s %VE table for ``S`` or its deviator.

    The receiver plane of dCFS is (strike, 90, rake).
    """
    invariants = stress_invariants(S, deviatoric=deviatoric)
    if deviatoric:
        S = _deviator(S)
    columns = {
        "r": r_km,
        "dtau_max": max_shear(S),
        "I1": invariants[:, 0],
        "I2": invariants[:, 1],
        "sqrt(3J2)": von_mises(S),
        "I3": invariants[:, 2],
    }
    dcfs = coulomb_stress(S, strike, 90.0, rake, list(TABLE_MU))
    for j, mu in enumerate(TABLE_MU):
        columns[f"dCFS (mu={mu:g})"] = dcfs[:, j]
    columns["dCFS_n"] = coulomb_stress(S, strike, 90.0, rake, 1.0, kind="normal")
    columns["dCFS_tau"] = coulomb_stress(S, strike, 90.0, rake, 0.0, kind="total_shear")
    columns["dCFS_total (mu=0.4)"] = coulomb_stress(S, strike, 90.0, rake, 0.4, kind="total")
    columns["sum of magnitudes"] = sum_abs_stress(S)
    return columns


def strike_averaged_fields(
    estimator,
    *,
    strikes: Sequence[float] = tuple(range(0, 360, 10)),
    length_km: float = 60.0,
    width_km: float = 15.0,
    slip_m: float = 1.0,
    extent_km: float = 150.0,
    spacing_km: float = 2.0,
    depth_km: float = 10.0,
    mu: float = 3e10,
    lam: float = 3e10,
) -> StrikeAveragedFields:
    """Forecast and stress metrics around a vertical right-lateral fault, averaged over strike.

    The fault is one rectangle of uniform right-lateral slip (rake 180), vertical,
    from the surface down to ``width_km``, centred on the origin. For each
    strike, the stress change (Okada, 1992) is computed on a horizontal grid at
    ``depth_km`` that turns with the fault, in the East/North/Up frame the
    network was trained in; the estimator's forecast and every metric are
    evaluated there and averaged over the strikes, cell by cell in the fault's
    frame.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``predict_proba`` taking a DataFrame of the six stress
        columns :data:`skdlies.stress.DEVRIES_COLUMNS` (Pa), such as
        ``make_pipeline(DeVriesFeatures(), AftershockNet())`` fitted on
        :func:`skdlies.datasets.load_devries` data. Column 1 of
        ``predict_proba`` is taken as the probability of aftershocks.
    strikes : sequence of float, default=0, 10, ..., 350
        Fault strikes to average over (degrees clockwise from North).
    length_km : float, default=60.0
        Fault length along strike (km).
    width_km : float, default=15.0
        Down-dip width of the fault (km), the depth of its lower edge: the
        fault breaks the surface.
    slip_m : float, default=1.0
        Uniform slip (m). The forecast is not linear in the stress, so the
        slip matters: 1 m on 60 km x 15 km is Mw 6.9 with ``mu = 3e10``.
    extent_km : float, default=150.0
        The grid covers +-``extent_km`` in both directions (km).
    spacing_km : float, default=2.0
        Cell size of the grid (km); cell centres are offset by half a cell,
        so none lies on the fault plane.
    depth_km : float, default=10.0
        Depth of the observation grid (km, positive down).
    mu, lam : float, default=3e10
        Lame parameters of the half-space (Pa).

    Returns
    -------
    StrikeAveragedFields
        The strike-averaged forecast and stress metrics on the grid in the
        fault's frame, with the strikes and the fault's parameters.
    """
    strikes = np.asarray(strikes, dtype=np.float64).ravel()
    if strikes.size == 0 or not np.all(np.isfinite(strikes)):
        raise ValueError(f"strikes must be a non-empty sequence of finite angles, got {strikes}.")
    for name, value in (("length_km", length_km), ("width_km", width_km),
                        ("extent_km", extent_km), ("spacing_km", spacing_km)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of km, got {value!r}.")
    if not (np.isfinite(depth_km) and depth_km >= 0):
        raise ValueError(f"depth_km must be >= 0 (km, positive down), got {depth_km!r}.")
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(f"estimator must have predict_proba, got {type(estimator).__name__}.")
    half = spacing_km * math.floor(extent_km / spacing_km)
    axis = np.arange(-half + spacing_km / 2, half, spacing_km)
    along, across = np.meshgrid(axis, axis)
    a, c = along.ravel(), across.ravel()
    # distance to the fault rectangle (vertical, along in [-L/2, L/2], depth in [0, W])
    beyond = np.maximum(np.abs(a) - length_km / 2, 0.0)
    below = max(depth_km - width_km, 0.0)
    r_km = np.sqrt(beyond**2 + c**2 + below**2)

    forecast = np.zeros(a.size)
    totals: dict[tuple[str, str], np.ndarray] = {}
    rake = 180.0
    for strike in strikes:
        s_hat, l_hat = _fault_frame(strike)
        xy = np.outer(a, s_hat) + np.outer(c, l_hat)  # km, East and North
        points = np.column_stack([xy * 1e3, np.full(a.size, -depth_km * 1e3)])
        S = okada_stress_rake(points, 0.0, 0.0, 0.0, strike, 90.0, length_km, width_km,
                              rake, slip_m, mu=mu, lam=lam, backend="numpy")
        proba = estimator.predict_proba(pd.DataFrame(S, columns=list(DEVRIES_COLUMNS)))
        forecast += np.asarray(proba)[:, 1]
        for tensor in ("full", "deviatoric"):
            columns = _metric_columns(S, tensor == "deviatoric", strike, rake, r_km)
            for name, values in columns.items():
                key = (tensor, name)
                totals[key] = totals.get(key, 0.0) + values
    metrics = pd.DataFrame({key: value / strikes.size for key, value in totals.items()})
    metrics.columns = pd.MultiIndex.from_tuples(metrics.columns, names=["tensor", "metric"])
    return StrikeAveragedFields(
        along_km=along, across_km=across, forecast=(forecast / strikes.size).reshape(along.shape),
        metrics=metrics, strikes=strikes,
        fault={"length_km": length_km, "width_km": width_km, "slip_m": slip_m, "rake": rake,
               "depth_km": depth_km, "mu": mu, "lam": lam},
    )


def variance_explained(target, metric, fit: str = "linear") -> float:
    """Percentage of the variance of ``target`` explained by a fit on ``metric`` (%VE).

    ``%VE = 100 * (1 - sum((t - f(m))**2) / sum((t - mean(t))**2))``, where ``f``
    is the least-squares fit of ``target`` on ``metric`` over all cells:

    - ``fit="linear"``: ``f(m) = a + b m``; %VE is then ``100 r**2`` with ``r``
      Pearson's correlation;
    - ``fit="monotone"``: the best non-decreasing or non-increasing function
      (isotonic regression, whichever direction fits better), which credits
      a metric that ranks the cells like the target whatever the shape of the
      relation.

    Both lie in [0, 100]. A constant metric explains nothing (0); a constant
    target has no variance to explain (NaN).

    Parameters
    ----------
    target, metric : array-like of shape (n,)
        Finite values, e.g. a strike-averaged forecast and a strike-averaged
        stress metric, cell by cell.
    fit : {"linear", "monotone"}, default="linear"
        The fit ``f`` of ``target`` on ``metric``, as above.

    Returns
    -------
    float
        %VE, in percent.
    """
    t = np.asarray(target, dtype=np.float64).ravel()
    m = np.asarray(metric, dtype=np.float64).ravel()
    if t.shape != m.shape:
        raise ValueError(f"target and metric differ in length: {t.size} vs {m.size}.")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(m))):
        raise ValueError("target and metric must be finite (no NaN or inf).")
    if fit not in ("linear", "monotone"):
        raise ValueError(f"fit must be 'linear' or 'monotone', got {fit!r}.")
    total = np.sum((t - t.mean()) ** 2)
    if t.size < 2 or total == 0:
        return float("nan")
    if np.ptp(m) == 0:
        return 0.0
    if fit == "linear":
        # standardised: a metric in Pa^2 or Pa^3 (1e12 and up) next to the column of ones
        # made lstsq drop the intercept as a negligible singular value
        z = (m - m.mean()) / m.std()
        design = np.column_stack([np.ones_like(z), z])
        coef = np.linalg.lstsq(design, t, rcond=None)[0]
        residual = np.sum((t - design @ coef) ** 2)
    else:
        residual = min(
            np.sum((t - IsotonicRegression(increasing=up).fit_transform(m, t)) ** 2)
            for up in (True, False)
        )
    return float(100.0 * max(0.0, 1.0 - residual / total))


def variance_explained_table(fields: StrikeAveragedFields, fit: str = "linear") -> pd.DataFrame:
    """%VE of the strike-averaged forecast by each strike-averaged metric, full and deviatoric.

    Parameters
    ----------
    fields : StrikeAveragedFields
        From :func:`strike_averaged_fields`.
    fit : {"linear", "monotone"}, default="linear"
        See :func:`variance_explained`.

    Returns
    -------
    DataFrame
        Rows: the metrics in the order of DeVries et al.'s table; columns
        ``"full"`` and ``"deviatoric"``; values in percent, NaN where the
        metric is constant over the grid (I1 of the deviator, identically
        zero), which explains nothing.
    """
    target = fields.forecast.ravel()
    table = {}
    for tensor, name in fields.metrics.columns:
        metric = fields.metrics[(tensor, name)].to_numpy()
        # a constant metric (I1 of a deviator is zero) is no metric at all, rather than a 0% one
        value = float("nan") if np.ptp(metric) == 0 else variance_explained(target, metric, fit)
        table.setdefault(tensor, {})[name] = value
    return pd.DataFrame(table)[["full", "deviatoric"]]
