"""Static stress change in a homogeneous elastic half-space from rectangular slip patches.

Reference engine: the triangular dislocations of Nikkhoo & Walter (2015) as
implemented by ``cutde`` (MIT), each rectangle split into two triangles. It is
exact but slow (about 0.1 M patch-points per core-second); it is the
correctness oracle for faster engines. Points close to a triangle edge inside a
rectangle are evaluated with another split of that rectangle (see
:func:`halfspace_stress`).

Conventions: metres, x East, y North, z Up (z <= 0 in the half-space); slip
vectors are the motion of the hanging wall relative to the footwall; stresses
in Pa, tension positive, components in :data:`skdlies.stress.COMPONENTS` order.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from .._warnings import user_stacklevel
from ._geometry import fault_axes, slip_direction

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
    strike, dip, rake : array-like of shape (m,) or float
        Degrees (strike clockwise from North, dip to the right of strike, rake
        Aki-Richards: 0 left-lateral, 90 reverse, 180 right-lateral).
    slip : array-like of shape (m,) or float
        Slip magnitude (m). Scalars apply to every patch.

    Returns
    -------
    ndarray of shape (m, 3)
        ``slip * d`` with ``d`` the unit slip direction of
        :func:`skdlies.stress.fault_unit_vectors`.
    """
    strike, dip, rake, slip = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (strike, dip, rake, slip)))
    return slip[..., None] * slip_direction(strike, dip, rake)


def patch_corners(x: ArrayLike, y: ArrayLike, z: ArrayLike, strike: ArrayLike, dip: ArrayLike,
                  length: ArrayLike, width: ArrayLike) -> np.ndarray:
    """Corners of rectangular patches given by the top-centre of their upper edge.

    The lengths may be in any one unit, and the corners come back in it: km
    for the patch tables of :func:`skdlies.datasets.read_fsp`; multiply by
    1e3 for :func:`halfspace_stress`, which takes metres.

    Parameters
    ----------
    x, y, z : array-like of shape (n,)
        Top-centre of each patch (x East, y North, z Up, z <= 0).
    strike, dip : array-like of shape (n,)
        Degrees; strike clockwise from North, dip down to the right of strike.
    length, width : array-like of shape (n,)
        Along-strike length and down-dip width, in the unit of ``x, y, z``.

    Returns
    -------
    corners : ndarray of shape (n, 4, 3)
        Top-start, top-end, bottom-end, bottom-start corners (x, y, z in the
        unit of the input), "start" and "end" along the strike direction.
    """
    values = (x, y, z, strike, dip, length, width)
    x, y, z, strike, dip, length, width = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in values)
    )
    along, down, _ = fault_axes(strike, dip)
    top = np.stack([x, y, z], axis=-1)
    half = 0.5 * length[:, None] * along
    deep = width[:, None] * down
    return np.stack([top - half, top + half, top + half + deep, top - half + deep], axis=1)


#: Triangulations of a rectangle c0 c1 c2 c3, as corner indices, "m" the top midpoint: split
#: along the diagonal c0-c2 (the default), along c1-c3, or fanned from the top midpoint.
_SPLITS: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((0, 2, 1), (0, 3, 2)),
    ((0, 1, 3), (1, 2, 3)),
    ((4, 1, 2), (4, 2, 3), (4, 3, 0)),
)
#: Interior edges of each split (the triangle solutions are unstable near them).
_INTERIOR_EDGES = (((0, 2),), ((1, 3),), ((4, 2), (4, 3)))
_BOUNDARY_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0))
#: Distance to a triangle edge, as a fraction of the patch diagonal, within which cutde's
#: solution is inaccurate: 0.1 m from the diagonal of a 10 km x 5 km patch errs by ~2%,
#: 1 m (1e-4 of the diagonal) by ~2e-5.
EDGE_TOLERANCE = 1e-4


def _vertices(corners: np.ndarray) -> np.ndarray:
    """The four corners and the top midpoint of each patch, shape (m, 5, 3)."""
    return np.concatenate([corners, corners[:, :2].mean(axis=1, keepdims=True)], axis=1)


def _triangles(corners: np.ndarray, split: int = 0) -> np.ndarray:
    """The triangles of one split of every rectangle (patch-major), normal into the hanging wall."""
    vertices = _vertices(corners)
    tris = vertices[:, np.asarray(_SPLITS[split])].reshape(-1, 3, 3)
    # the footwall-to-hanging-wall normal is down-dip x along-strike; cutde's normal is
    # (v1 - v0) x (v2 - v0): reverse the vertex order of triangles where they disagree
    c0, c1, c3 = corners[:, 0], corners[:, 1], corners[:, 3]
    hanging = np.repeat(np.cross(c3 - c0, c1 - c0), len(_SPLITS[split]), axis=0)
    normal = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    flip = np.einsum("ij,ij->i", normal, hanging) < 0
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point to the segment a-b (row-wise, m)."""
    ab = b - a
    t = np.einsum("ij,ij->i", points - a, ab) / np.einsum("ij,ij->i", ab, ab)
    nearest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    return np.linalg.norm(points - nearest, axis=1)


def _near_edges(points: np.ndarray, corners: np.ndarray, chunk_size: int):
    """Point-patch pairs within EDGE_TOLERANCE of a patch edge or of an interior edge.

    Returns the indices of points on (near) a patch's boundary, and a dict
    ``{(point, patch): split}`` naming, for each pair near the interior edge of the
    default split, a split whose interior edges are far from the point (-1: none).
    """
    vertices = _vertices(corners)
    c0 = corners[:, 0]
    along, down = corners[:, 1] - c0, corners[:, 3] - c0
    length, width = np.linalg.norm(along, axis=1), np.linalg.norm(down, axis=1)
    along, down = along / length[:, None], down / width[:, None]
    normal = np.cross(along, down)
    tol = EDGE_TOLERANCE * np.hypot(length, width)
    on_boundary, alternatives = [], {}
    for start in range(0, len(points), chunk_size):
        rel = points[start : start + chunk_size, None, :] - c0[None]  # (n, m, 3)
        u = np.einsum("nmk,mk->nm", rel, along)
        v = np.einsum("nmk,mk->nm", rel, down)
        w = np.einsum("nmk,mk->nm", rel, normal)
        close = ((np.abs(w) < tol) & (u > -tol) & (u < length + tol)
                 & (v > -tol) & (v < width + tol))
        rows, cols = np.nonzero(close)
        if not len(rows):
            continue
        p = points[start + rows]

        def dist(i, j, p=p, cols=cols):
            return _segment_distance(p, vertices[cols, i], vertices[cols, j])

        near_tol = tol[cols]
        boundary = np.min([dist(i, j) for i, j in _BOUNDARY_EDGES], axis=0) < near_tol
        on_boundary.append(start + rows[boundary])
        clear = [np.min([dist(i, j) for i, j in edges], axis=0) >= near_tol
                 for edges in _INTERIOR_EDGES]
        for k in np.flatnonzero(~boundary & ~clear[0]):
            split = 1 if clear[1][k] else 2 if clear[2][k] else -1
            alternatives[(start + int(rows[k]), int(cols[k]))] = split
    singular = np.unique(np.concatenate(on_boundary)) if on_boundary else np.empty(0, int)
    return singular, alternatives


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
        :class:`SingularPointsWarning` that gives their number; "on" means
        within ``EDGE_TOLERANCE`` (1e-4) times the patch's diagonal length of
        its boundary, where the triangle solutions lose their accuracy.

    Notes
    -----
    Each rectangle is split into two triangles along its diagonal c0-c2. The
    triangular dislocation formulas are numerically unstable close to a
    triangle edge (at 0.1 m from the diagonal of a 10 km x 5 km patch they err
    by about 2%, closer by orders of magnitude), although the stress of the
    whole rectangle is smooth there. A point that close to a patch's diagonal is
    therefore evaluated again with that patch split along c1-c3, or fanned from
    the midpoint of its top edge (at the patch centre, where both diagonals
    cross).
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
    for name, values, item in (("points", points, "point"), ("corners", corners, "patch"),
                               ("slip", slip, "patch")):
        bad = ~np.isfinite(values).reshape(len(values), -1).all(axis=1)
        if bad.any():
            raise ValueError(f"{name} contains NaN or infinity (first at {item} "
                             f"{np.flatnonzero(bad)[0]}).")
    for name, z, item in (("points", points[:, 2], "point"),
                          ("corners", corners[..., 2].max(axis=1), "patch")):
        if np.any(z > 0):
            first = np.flatnonzero(z > 0)[0]
            raise ValueError(f"points and patches must lie in the half-space z <= 0 (z is Up); "
                             f"{name} has z={z[first]:g} m at {item} {first}.")
    nu = lam / (2 * (lam + mu))
    tris = _triangles(corners)
    tri_slip = _triangle_slip(tris, slip, 2)
    strain = np.concatenate([
        cutde_hs.strain_free(points[i : i + chunk_size], tris, tri_slip, nu)
        for i in range(0, len(points), chunk_size)
    ]) if len(points) else np.empty((0, 6))
    # Points close to the diagonal of a patch, where the two triangles meet, are evaluated
    # again with that patch split along edges far from them; points on a patch's boundary
    # are singular.
    singular, alternatives = _near_edges(points, corners, max(1, chunk_size // 10))
    singular = set(singular.tolist())
    by_point: dict[int, list[tuple[int, int]]] = {}
    for (point, patch), split in alternatives.items():
        if split < 0:
            singular.add(point)
        else:
            by_point.setdefault(point, []).append((patch, split))
    for point, resplit in by_point.items():
        if point in singular:
            continue
        patches = np.array([patch for patch, _ in resplit])
        keep = np.setdiff1d(np.arange(len(corners)), patches)
        parts = [(tris.reshape(len(corners), 2, 3, 3)[keep].reshape(-1, 3, 3),
                  tri_slip.reshape(len(corners), 2, 3)[keep].reshape(-1, 3))]
        for patch, split in resplit:
            sub = _triangles(corners[patch : patch + 1], split)
            parts.append((sub, _triangle_slip(sub, slip[patch : patch + 1], len(sub))))
        strain[point] = cutde_hs.strain_free(
            points[point : point + 1], np.concatenate([t for t, _ in parts]),
            np.concatenate([s for _, s in parts]), nu)[0]
    stress = np.empty_like(strain)
    trace = strain[:, :3].sum(axis=1, keepdims=True)
    stress[:, :3] = 2 * mu * strain[:, :3] + lam * trace
    stress[:, 3:] = 2 * mu * strain[:, 3:]
    flagged = np.zeros(len(points), dtype=bool)
    flagged[list(singular)] = True
    return mask_singular(stress, flagged)


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
            stacklevel=user_stacklevel(),
        )
    return stress


def _triangle_slip(tris: np.ndarray, slip: np.ndarray, per_patch: int) -> np.ndarray:
    """Each patch's slip vector in the (strike, dip, tensile) frame of its ``per_patch``
    triangles (cutde's convention)."""
    from cutde.geometry import compute_efcs_to_tdcs_rotations

    rotations = compute_efcs_to_tdcs_rotations(tris)
    return np.ascontiguousarray(
        np.einsum("tij,tj->ti", rotations, np.repeat(slip, per_patch, axis=0)))
