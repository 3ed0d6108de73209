"""Transformers of stress tensors into scalar metrics (Pa) and the DeVries et al. (2018) inputs.

Each reads the six components ``xx, yy, zz, xy, xz, yz`` (Pa, tension positive,
x East, y North, z Up): from a DataFrame by the names in ``columns`` (default
:data:`~skdlies.stress.DEVRIES_COLUMNS`), or from an array with exactly these
six columns in this order. Dask arrays and dask DataFrames are transformed
lazily, block by block, into dask outputs with the same values (see
:meth:`~skdlies.stress.BaseStressTransformer.transform`).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from .._docstrings import fill_section
from ._base import BaseStressTransformer
from ._conventions import COMPONENTS, DEVRIES_COLUMNS
from ._metrics import devries_features, max_shear, stress_invariants, sum_abs_stress, von_mises

__all__ = ["DeVriesFeatures", "MaxShear", "StressInvariants", "SumAbsStress", "VonMises"]

_COLUMNS_DOC = """\
columns : sequence of 6 str, default=DEVRIES_COLUMNS
    DataFrame columns holding ``xx, yy, zz, xy, xz, yz`` in Pa; ignored for arrays.
"""


class MaxShear(BaseStressTransformer):
    """Maximum shear stress ``(sigma_1 - sigma_3) / 2`` in Pa (column ``max_shear``).

    It depends on the deviator only: the full and the deviatoric tensor give
    the same values.

    Parameters
    ----------
    {columns}

    Examples
    --------
    >>> import numpy as np
    >>> from skdlies.stress import MaxShear
    >>> MaxShear().fit_transform(np.array([[2e5, 0, -2e5, 0, 0, 0]]))
    array([[200000.]])
    """

    def __init__(self, *, columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.columns = columns

    def _compute(self, X):
        return max_shear(X)[:, None]

    def _names_out(self):
        return ["max_shear"]


class VonMises(BaseStressTransformer):
    """Von Mises equivalent stress ``sqrt(3 J2)`` in Pa (column ``von_mises``).

    J2 is an invariant of the deviator: the full and the deviatoric tensor
    give the same values.

    Parameters
    ----------
    {columns}
    """

    def __init__(self, *, columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.columns = columns

    def _compute(self, X):
        return von_mises(X)[:, None]

    def _names_out(self):
        return ["von_mises"]


class StressInvariants(BaseStressTransformer):
    """The invariants I1 (Pa), I2 (Pa^2), I3 (Pa^3) of the stress tensor or of its deviator.

    ``I1 = trace``, ``I2 = sxx syy + syy szz + szz sxx - sxy^2 - sxz^2 - syz^2``,
    ``I3 = det``; see :func:`~skdlies.stress.stress_invariants`.

    Parameters
    ----------
    tensor : {"full", "deviatoric"}
        ``"full"``: columns ``I1, I2, I3``. ``"deviatoric"``: the invariants of
        ``s - I1 / 3 * identity``, columns ``dev_I1`` (always 0),
        ``dev_I2`` (``= -J2``) and ``dev_I3`` (``= J3``).
    {columns}
    """

    _parameter_constraints: dict = {
        **BaseStressTransformer._parameter_constraints,
        "tensor": [StrOptions({"full", "deviatoric"})],
    }

    def __init__(self, tensor: str = "full", *,
                 columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.tensor = tensor
        self.columns = columns

    def _compute(self, X):
        return stress_invariants(X, deviatoric=self.tensor == "deviatoric")

    def _names_out(self):
        prefix = "dev_" if self.tensor == "deviatoric" else ""
        return [f"{prefix}I{k}" for k in (1, 2, 3)]


class SumAbsStress(BaseStressTransformer):
    """Sum of the absolute values of the six components, in Pa (column ``sum_abs``).

    Parameters
    ----------
    {columns}
    """

    def __init__(self, *, columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.columns = columns

    def _compute(self, X):
        return sum_abs_stress(X)[:, None]

    def _names_out(self):
        return ["sum_abs"]


class DeVriesFeatures(BaseStressTransformer):
    """The 12 network inputs of DeVries et al. (2018, Nature 560:632).

    The absolute values of the six components and their negatives, divided by
    ``scale``: columns ``abs_xx ... abs_yz, neg_abs_xx ... neg_abs_yz``.

    Parameters
    ----------
    scale : float
        Divisor of the stresses; the default 1e6 turns Pa into MPa.
    {columns}
    """

    _parameter_constraints: dict = {
        **BaseStressTransformer._parameter_constraints,
        "scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, scale: float = 1e6, *,
                 columns: Sequence[str] = DEVRIES_COLUMNS) -> None:
        self.scale = scale
        self.columns = columns

    def _compute(self, X):
        return devries_features(X, scale=self.scale)

    def _names_out(self):
        return [f"abs_{c}" for c in COMPONENTS] + [f"neg_abs_{c}" for c in COMPONENTS]


for _cls in (MaxShear, VonMises, StressInvariants, SumAbsStress, DeVriesFeatures):
    _cls.__doc__ = fill_section(_cls.__doc__, "columns", _COLUMNS_DOC)
