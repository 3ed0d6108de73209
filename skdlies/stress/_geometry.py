"""The frame of a fault plane from its strike, dip and rake: the one place these formulas live.

Axes x East, y North, z Up; strike clockwise from North (degrees), dip down to
the right of strike, rake Aki-Richards (0 left-lateral, 90 reverse, 180
right-lateral). Cosines and sines are exact at multiples of 90 degrees, so a
vertical fault or a pure strike-slip rake has exact zeros.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Row and column of each of the six components of :data:`COMPONENTS` in a 3x3 tensor.
TENSOR_INDICES: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))


def cos_sin(degrees: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Cosine and sine of angles in degrees, exact at multiples of 90 degrees."""
    degrees = np.asarray(degrees, dtype=np.float64)
    quarter, rest = np.divmod(degrees, 90.0)
    rad = np.deg2rad(degrees)
    exact = rest == 0
    q = np.where(exact, quarter, 0).astype(np.int64) % 4
    cos = np.where(exact, np.array([1.0, 0.0, -1.0, 0.0])[q], np.cos(rad))
    sin = np.where(exact, np.array([0.0, 1.0, 0.0, -1.0])[q], np.sin(rad))
    return cos, sin


def fault_axes(strike: ArrayLike, dip: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors along strike, down dip, and normal to faults, each of shape ``(..., 3)``.

    The normal ``(sin(dip) cos(strike), -sin(dip) sin(strike), cos(dip))``
    points from the footwall into the hanging wall (upward unless the fault
    is vertical); ``normal = down x along``.
    """
    (cs, ss), (cd, sd) = cos_sin(strike), cos_sin(dip)
    cs, ss, cd, sd = np.broadcast_arrays(cs, ss, cd, sd)
    along = np.stack([ss, cs, np.zeros_like(cs)], axis=-1)
    down = np.stack([cs * cd, -ss * cd, -sd], axis=-1)
    normal = np.stack([sd * cs, -sd * ss, cd], axis=-1)
    return along, down, normal


def slip_direction(strike: ArrayLike, dip: ArrayLike, rake: ArrayLike) -> np.ndarray:
    """Unit slip direction of the hanging wall relative to the footwall, shape ``(..., 3)``.

    ``cos(rake) * along - sin(rake) * down``: the strike direction for rake 0,
    up dip for rake 90 (reverse faulting).
    """
    along, down, _ = fault_axes(strike, dip)
    cr, sr = cos_sin(rake)
    return cr[..., None] * along - sr[..., None] * down
