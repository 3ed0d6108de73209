"""Static stress change in a homogeneous elastic half-space from rectangular slip patches.

Reference engine: the triangular dislocations of Nikkhoo & Walter (2015) as
implemented by ``cutde`` (MIT), each rectangle split into two triangles. It is
exact but slow (about 0.1 M patch-points per core-second); it is the
correctness oracle for faster engines.

Conventions: metres, x East, y North, z Up (z <= 0 in the half-space); slip
vectors are the motion of the hanging wall relative to the footwall; stresses
in Pa, tension positive, components in :data:`skdlies.stress.COMPONENTS` order.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["SingularPointsWarning", "halfspace_stress", "patch_corners", "slip_vectors"]

#: Lame parameters of DeVries et al. (2018), Pa.
MU = LAMBDA = 3e10


class SingularPointsWarning(UserWarning):
    """Observation points on a patch edge, where the stress is singular (returned as NaN)."""


def check_elastic_moduli(mu: float, lam: float) -> None:
    """Raise ValueError unless the Lame parameters describe a stable elastic solid.

    The shear modulus ``mu`` must be positive and the bulk modulus
    ``lam + 2 mu / 3`` too (both finite, Pa).
    """
    try:
        mu_, lam_ = float(mu), float(lam)
    except (TypeError, ValueError):
        raise ValueError(f"mu and lam must be numbers (Pa), got {mu!r} and {lam!r}.") from None
    if not (np.isfinite(mu_) and mu_ > 0):
        raise ValueError(f"the shear modulus mu must be positive and finite (Pa), got {mu!r}.")
    if not (np.isfinite(lam_) and 3 * lam_ + 2 * mu_ > 0):
        raise ValueError(
            f"lam must be finite with a positive bulk modulus lam + 2 mu / 3 (Pa); got "
            f"lam={lam!r}, mu={mu!r}."
        )


def slip_vectors(strike: ArrayLike, dip: ArrayLike, rake: ArrayLike, slip: ArrayLike) -> np.ndarray:
    """Hanging-wall slip vectors (East, North, Up) of patches.

    Parameters
    ----------
    strike, dip, rake : array-like of shape (m,)
        Degrees (strike clockwise from North, dip to the right of strike, rake
        Aki-Richards: 0 left-lateral, 90 reverse, 180 right-lateral).
    slip : array-like of shape (m,)
        Slip magnitude (m).

    Returns
    -------
    ndarray of shape (m, 3)
        ``slip * d`` with ``d`` the unit slip direction of
        :func:`skdlies.stress.fault_unit_vectors`.
    """
    phi, delta, lam = (np.radians(np.atleast_1d(np.asarray(a, dtype=np.float64)))
                       for a in (strike, dip, rake))
    d = np.stack([
        np.cos(lam) * np.sin(phi) - np.cos(delta) * np.sin(lam) * np.cos(phi),
        np.cos(lam) * np.cos(phi) + np.cos(delta) * np.sin(lam) * np.sin(phi),
        np.sin(lam) * np.sin(delta),
    ], axis=-1)
    return np.asarray(slip, dtype=np.float64)[..., None] * d


def patch_corners(x, y, z, strike, dip, length, width) -> np.ndarray:
    """Corners of rectangular patches given by the top-centre of their upper edge.

    Parameters
    ----------
    x, y, z : array-like of shape (n,)
        Top-centre of each patch (km; x East, y North, z Up, z <= 0).
    strike, dip : array-like of shape (n,)
        Degrees; strike clockwise from North, dip down to the right of strike.
    length, width : array-like of shape (n,)
        Along-strike length and down-dip width (km).

    Returns
    -------
    corners : ndarray of shape (n, 4, 3)
        Top-start, top-end, bottom-end, bottom-start corners (km, x, y, z),
        "start" and "end" along the strike direction.
    """
    values = (x, y, z, strike, dip, length, width)
    x, y, z, strike, dip, length, width = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in values)
    )
    s, d = np.radians(strike), np.radians(dip)
    along = np.stack([np.sin(s), np.cos(s), np.zeros_like(s)], axis=-1)
    # down dip: horizontal component to the right of strike, vertical downwards
    down = np.stack([np.cos(s) * np.cos(d), -np.sin(s) * np.cos(d), -np.sin(d)], axis=-1)
    top = np.stack([x, y, z], axis=-1)
    half = 0.5 * length[:, None] * along
    deep = width[:, None] * down
    return np.stack([top - half, top + half, top + half + deep, top - half + deep], axis=1)


def _triangles(corners: np.ndarray) -> np.ndarray:
    """Two triangles per rectangle, vertex order giving a normal into the hanging wall."""
    c0, c1, c2, c3 = (corners[:, k] for k in range(4))
    tris = np.concatenate([np.stack([c0, c2, c1], 1), np.stack([c0, c3, c2], 1)])
    # the footwall-to-hanging-wall normal is down-dip x along-strike; cutde's normal is
    # (v1 - v0) x (v2 - v0): reverse the vertex order of triangles where they disagree
    hanging = np.cross(c3 - c0, c1 - c0)
    normal = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    flip = np.einsum("ij,ij->i", normal, np.concatenate([hanging, hanging])) < 0
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris


def halfspace_stress(
    points: ArrayLike,
    corners: ArrayLike,
    slip: ArrayLike,
    *,
    mu: float = MU,
    lam: float = LAMBDA,
    chunk_size: int = 20_000,
) -> np.ndarray:
    """Stress change at ``points`` from slip on rectangular patches (cutde reference engine).

    Parameters
    ----------
    points : array-like of shape (n, 3)
        Observation points (m; x East, y North, z Up, z <= 0).
    corners : array-like of shape (m, 4, 3)
        Patch corners (m) in the order top-start, top-end, bottom-end,
        bottom-start along strike, as :func:`patch_corners` gives them (times 1000).
    slip : array-like of shape (m, 3)
        Hanging-wall slip vector of each patch (m, East, North, Up); see
        :func:`slip_vectors`.
    mu, lam : float, default=3e10
        Lame parameters (Pa).
    chunk_size : int, default=20000
        Observation points per cutde call.

    Returns
    -------
    ndarray of shape (n, 6)
        Stress change (Pa, tension positive, COMPONENTS order). Points on a patch
        edge, where the solution is singular, are NaN, with a
        :class:`SingularPointsWarning` that gives their number.
    """
    import cutde.halfspace as cutde_hs

    check_elastic_moduli(mu, lam)
    points = np.ascontiguousarray(points, dtype=np.float64)
    corners = np.asarray(corners, dtype=np.float64)
    slip = np.asarray(slip, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (n, 3), got {points.shape}.")
    if corners.ndim != 3 or corners.shape[1:] != (4, 3) or slip.shape != (len(corners), 3):
        raise ValueError(
            f"corners must have shape (m, 4, 3) and slip (m, 3); got {corners.shape} and "
            f"{slip.shape}."
        )
    for name, values in (("points", points), ("corners", corners), ("slip", slip)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} contains NaN or infinity.")
    if np.any(points[:, 2] > 0) or np.any(corners[..., 2] > 0):
        raise ValueError("points and patches must lie in the half-space z <= 0 (z is Up).")
    tris = _triangles(corners)
    rotations = _efcs_to_tdcs(tris)
    tri_slip = np.ascontiguousarray(
        np.einsum("tij,tj->ti", rotations, np.concatenate([slip, slip]))
    )
    nu = lam / (2 * (lam + mu))
    strain = np.concatenate([
        cutde_hs.strain_free(points[i : i + chunk_size], tris, tri_slip, nu)
        for i in range(0, len(points), chunk_size)
    ]) if len(points) else np.empty((0, 6))
    stress = np.empty_like(strain)
    trace = strain[:, :3].sum(axis=1, keepdims=True)
    stress[:, :3] = 2 * mu * strain[:, :3] + lam * trace
    stress[:, 3:] = 2 * mu * strain[:, 3:]
    return mask_singular(stress)


def mask_singular(stress: np.ndarray, singular: np.ndarray | None = None) -> np.ndarray:
    """Set the rows of points on a patch edge (non-finite, or flagged) to NaN and count them.

    Shared by the stress engines, so every engine reports singular points the same
    way: a :class:`SingularPointsWarning` with their number.
    """
    bad = ~np.isfinite(stress).all(axis=1)
    if singular is not None:
        bad |= singular
    if bad.any():
        stress[bad] = np.nan
        warnings.warn(
            f"{int(bad.sum())} of {len(stress)} observation points lie on a patch edge "
            "(singular stress); their rows are NaN.",
            SingularPointsWarning,
            stacklevel=3,
        )
    return stress


def _efcs_to_tdcs(tris: np.ndarray) -> np.ndarray:
    from cutde.geometry import compute_efcs_to_tdcs_rotations

    return compute_efcs_to_tdcs_rotations(tris)
