"""Transformers that need a fault: Coulomb stress on a receiver, distance to the source.

Like every stress transformer they also take dask arrays and dask DataFrames,
which they transform lazily, block by block (see :class:`BaseStressTransformer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseStressTransformer
from ._conventions import DEVRIES_COLUMNS
from ._metrics import COULOMB_KINDS, check_friction, coulomb_stress

__all__ = ["CoulombStress", "FaultDistance"]

_KIND_PREFIX = {"standard": "cfs", "normal": "cfs_normal", "total_shear": "cfs_total_shear",
                "total": "cfs_total"}


class CoulombStress(BaseStressTransformer):
    """Coulomb failure stress change (Pa) on receiver faults of one orientation.

    Reads the six components ``xx, yy, zz, xy, xz, yz`` (Pa, tension positive,
    x East, y North, z Up) and returns one column per friction coefficient,
    named ``<prefix>_mu<mu>`` with prefix ``cfs`` (kind ``"standard"``),
    ``cfs_normal``, ``cfs_total_shear`` or ``cfs_total``, e.g. ``cfs_mu0.4``.
    See :func:`~skdlies.stress.coulomb_stress` for the formulas and
    :func:`~skdlies.stress.fault_unit_vectors` for the geometry.

    Parameters
    ----------
    strike : float
        Receiver strike, degrees clockwise from North (the fault dips to the
        right of strike).
    dip : float
        Receiver dip in degrees, in [0, 90].
    rake : float
        Receiver rake in degrees (Aki-Richards: 0 left-lateral, 90 reverse,
        180 right-lateral, -90 normal).
    mu : float or sequence of float
        Effective friction coefficient(s), >= 0 and distinct.
    kind : {"standard", "normal", "total_shear", "total"}
        ``shear + mu * normal``, ``mu * normal``, ``|shear| + |in-plane shear
        across the slip|`` (mu unused) or that plus ``mu * normal``.
    columns : sequence of 6 str
        DataFrame columns holding ``xx, yy, zz, xy, xz, yz`` in Pa; ignored for arrays.

    Examples
    --------
    A vertical north-striking fault under east-west tension of 1 kPa is unclamped:

    >>> import numpy as np
    >>> from skdlies.stress import CoulombStress
    >>> CoulombStress(strike=0, dip=90, rake=0, mu=[0.0, 0.4]).fit_transform(
    ...     np.array([[1e3, 0, 0, 0, 0, 0]]))
    array([[  0., 400.]])
    """

    _parameter_constraints: dict = {
        **BaseStressTransformer._parameter_constraints,
        "strike": [Real],
        "dip": [Interval(Real, 0, 90, closed="both")],
        "rake": [Real],
        "mu": [Interval(Real, 0, None, closed="left"), "array-like"],
        "kind": [StrOptions(set(COULOMB_KINDS))],
    }

    def __init__(self, strike: float = 0.0, dip: float = 90.0, rake: float = 0.0,
                 mu: float | Sequence[float] = 0.4, kind: str = "standard", *,
                 columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.strike = strike
        self.dip = dip
        self.rake = rake
        self.mu = mu
        self.kind = kind
        self.columns = columns

    def _friction(self) -> np.ndarray:
        """``mu`` as a 1-D array of finite, non-negative values with distinct column names."""
        mus = check_friction(self.mu)
        names = [f"{m:g}" for m in mus]
        if len(set(names)) != mus.size:
            same = next(name for name in names if names.count(name) > 1)
            raise ValueError(
                f"mu must hold values that differ in their first 6 significant digits (they "
                f"name the output columns): {self.mu!r} has several values written {same}."
            )
        return mus

    def _check_params(self):
        self._friction()

    def _compute(self, X):
        return coulomb_stress(X, self.strike, self.dip, self.rake, self._friction(), self.kind)

    def _names_out(self):
        return [f"{_KIND_PREFIX[self.kind]}_mu{m:g}" for m in self._friction()]


class FaultDistance(BaseStressTransformer):
    """Horizontal distance (km) from each cell to the nearest point of a fault (column ``r_km``).

    Parameters
    ----------
    fault_xy : array-like of shape (m, 2)
        Points of the fault, x East and y North, in the frame and in the
        ``unit`` of the cells (km by default, metres with ``unit="m"``):
        e.g. the centres or corners of the fault patches, or the surface
        trace. The distance is to the nearest of these points, so
        sample long segments densely (spacing well below the distances of
        interest) where an exact segment distance matters.
    columns : sequence of 2 str
        DataFrame columns holding the cell coordinates x (East) and y (North).
        An array is read by position: its first two columns are x and y, any
        further columns (e.g. stresses) are ignored.
    unit : {"km", "m"}, default="km"
        Unit of the cell coordinates and of ``fault_xy``, which must share
        one unit. The DeVries et al. files (and
        :func:`skdlies.datasets.load_devries`) give x and y in metres: use
        ``unit="m"`` with ``fault_xy`` in metres too. The output is always
        in km.

    Examples
    --------
    >>> import numpy as np
    >>> from skdlies.stress import FaultDistance
    >>> fault = np.array([[0.0, -10.0], [0.0, 0.0], [0.0, 10.0]])
    >>> FaultDistance(fault).fit_transform(np.array([[3.0, 0.0], [0.0, 14.0]]))
    array([[3.],
           [4.]])
    """

    _parameter_constraints: dict = {
        **BaseStressTransformer._parameter_constraints,
        "fault_xy": ["array-like"],
        "unit": [StrOptions({"km", "m"})],
    }
    _positional = ("x", "y")
    _exact_width = False
    _stress_input = False

    def __init__(
        self, fault_xy: ArrayLike, *, columns: Sequence[str] = ("x", "y"), unit: str = "km"
    ) -> None:
        self.fault_xy = fault_xy
        self.columns = columns
        self.unit = unit

    def _fault_points(self) -> np.ndarray:
        """``fault_xy`` as a finite float64 (m, 2) array with m >= 1, or a ValueError."""
        points = np.asarray(self.fault_xy, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0 or not np.all(
                np.isfinite(points)):
            raise ValueError(
                f"fault_xy must be a finite (m, 2) array of fault points ({self.unit}, x East, "
                f"y North) with m >= 1, got shape {points.shape}."
            )
        return points

    def _check_params(self):
        self._fault_points()

    def _compute(self, X):
        distance, _ = cKDTree(self._fault_points()).query(X)
        return distance[:, None] / (1e3 if self.unit == "m" else 1.0)

    def _names_out(self):
        return ["r_km"]
