"""Synthetic earthquakes for the offline demo: random faults and rate-and-state aftershocks.

Everything here is synthetic and says so: random rectangular faults with
smooth heterogeneous slip, and aftershock counts drawn from the
Dieterich (1994) rate-and-state response to the Coulomb stress change on
optimally oriented planes, plus a background rate.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..datasets import SlipModel
from ..stress import principal_stresses
from ..stress._geometry import fault_axes
from ..stress._halfspace import MU
from ._labels import DEFAULT_WINDOW

__all__ = ["dieterich_expected_count", "optimal_coulomb_stress", "random_fault"]

SECONDS_PER_YEAR = 365.25 * 86400.0


def random_fault(random_state=None, *, patch_km: float = 5.0) -> SlipModel:
    """A random rectangular fault with smooth heterogeneous slip (a synthetic slip model).

    Mw 6.3-7.3; length and width from the moment with an aspect ratio of 2-4
    (width capped at 20 km); strike uniform, dip 45-90 degrees, rake one of
    strike-slip, reverse or normal (+-20 degrees); slip a sum of Gaussian
    asperities scaled to the moment with mu = 3e10 Pa. Patch coordinates are
    km from the epicentre (the fault centre), top-centres, as in FSP files.
    """
    rng = check_random_state(random_state)
    mw = rng.uniform(6.3, 7.3)
    moment = 10 ** (1.5 * mw + 9.1)  # N m
    area_km2 = 10 ** (mw - 4.0)  # Wells & Coppersmith-like scaling
    aspect = rng.uniform(2, 4)
    width = min(math.sqrt(area_km2 / aspect), 20.0)
    length = area_km2 / width
    nx, nz = max(2, round(length / patch_km)), max(2, round(width / patch_km))
    dx, dz = length / nx, width / nz
    strike = rng.uniform(0, 360)
    dip = rng.uniform(45, 90)
    rake = rng.choice([0.0, 180.0, 90.0, -90.0]) + rng.uniform(-20, 20)
    top = rng.uniform(0, 3)
    u = (np.arange(nx) + 0.5) * dx - length / 2  # along strike from the centre
    w = np.arange(nz) * dz  # down dip from the top edge
    uu, ww = np.meshgrid(u, w, indexing="xy")
    slip = np.zeros_like(uu)
    for _ in range(rng.randint(1, 4)):
        cu, cw = rng.uniform(-length / 2, length / 2), rng.uniform(0, width)
        slip += rng.uniform(0.5, 1) * np.exp(-((uu - cu) ** 2 + (ww - cw) ** 2)
                                            / (2 * (0.25 * length) ** 2))
    slip *= moment / (MU * (dx * dz * 1e6) * slip.sum())
    along, down, _ = fault_axes(strike, dip)
    xy = uu.ravel()[:, None] * along[:2] + ww.ravel()[:, None] * down[:2]
    patches = pd.DataFrame({
        "segment": 1, "lat": np.nan, "lon": np.nan,
        "x_km": xy[:, 0], "y_km": xy[:, 1], "depth_km": top - ww.ravel() * down[2],
        "strike": strike, "dip": dip, "rake": rake, "slip_m": slip.ravel(),
        "length_km": dx, "width_km": dz,
    })
    tag = f"synthetic{rng.randint(10**6):06d}"
    return SlipModel(tag=tag, name="synthetic fault", date=datetime.date(2000, 1, 1),
                     hypocentre=(0.0, 0.0, top + width / 2), mw=mw, moment=moment,
                     strike=strike, dip=dip, rake=rake, n_segments=1, patches=patches)


def optimal_coulomb_stress(stress: np.ndarray, mu: float = 0.4) -> np.ndarray:
    """Coulomb stress change on the optimally oriented plane (Pa, tension positive).

    ``max over planes of (shear + mu * normal) = (s1 - s3) / 2 * sqrt(1 + mu**2)
    + mu * (s1 + s3) / 2`` with s1 >= s3 the extreme principal stress changes.
    """
    s = principal_stresses(stress)
    return 0.5 * (s[:, 0] - s[:, 2]) * math.sqrt(1 + mu**2) + 0.5 * mu * (s[:, 0] + s[:, 2])


def dieterich_expected_count(
    dcfs: np.ndarray,
    *,
    background_rate: float = 0.02,
    a_sigma: float = 0.05e6,
    aftershock_duration_years: float = 10.0,
    window_seconds: tuple[float, float] = tuple(t.total_seconds() for t in DEFAULT_WINDOW),
) -> np.ndarray:
    """Expected number of events per cell in a time window (Dieterich 1994).

    The seismicity rate after a stress step dCFS is
    ``R(t) = r / (gamma * exp(-t / t_a) + 1)`` with
    ``gamma = exp(-dCFS / (A sigma)) - 1``; its integral over [t1, t2] is
    ``r t_a [ln(gamma + exp(t2 / t_a)) - ln(gamma + exp(t1 / t_a))]``.

    Parameters
    ----------
    dcfs : ndarray
        Coulomb stress change (Pa).
    background_rate : float, default=0.02
        Background events per cell per year (r).
    a_sigma : float, default=5e4
        A sigma (Pa).
    aftershock_duration_years : float, default=10
        t_a (years).
    window_seconds : (t1, t2)
        The labelling window after the origin (s); default: DEFAULT_WINDOW of
        label_cells, [1 s, 365 days - 1 s].
    """
    t_a = aftershock_duration_years * SECONDS_PER_YEAR
    r = background_rate / SECONDS_PER_YEAR
    # gamma + exp(t / t_a) written as expm1 terms to keep precision for small steps
    gamma = np.expm1(np.clip(-np.asarray(dcfs, dtype=np.float64) / a_sigma, -700, 700))
    t1, t2 = (t / t_a for t in window_seconds)
    return r * t_a * (np.log1p(gamma + np.expm1(t2)) - np.log1p(gamma + np.expm1(t1)))
