"""Fast closed-form static stress from rectangular dislocations (Okada, 1992).

Vectorised implementation (numpy, or the same code compiled by torch on the
CPU) of the displacement-gradient part of Okada's
DC3D solution for a finite rectangular shear dislocation in a homogeneous
elastic half-space (Okada, Y., 1992, *Internal deformation due to shear and
tensile faults in a half-space*, BSSA 82(2), 1018-1040): the Chinnery sum
``f(x, p) - f(x, p - W) - f(x - L, p) + f(x - L, p - W)`` of the terms
``u_A`` (infinite medium, real and image source), ``u_B`` and ``z u_C``
(surface corrections). Written from the paper's equations; only the
derivatives are evaluated, which need square roots and divisions but no
logarithm or arctangent.

Conventions are those of :mod:`skdlies.stress._halfspace`: metres, x East,
y North, z Up (z <= 0 in the half-space); strike clockwise from North, dip
down to the right of the strike direction; slip of the hanging wall relative
to the footwall (strike-slip positive left-lateral, dip-slip positive
reverse); stress in Pa, tension positive, components xx, yy, zz, xy, xz, yz.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from .._warnings import user_stacklevel
from ._geometry import TENSOR_INDICES
from ._halfspace import LAMBDA, MU, check_elastic_moduli, mask_singular

__all__ = ["okada_stress", "okada_stress_rake", "rake_to_components"]

_EPS = 1e-6  # metres: coordinates smaller than this are treated as zero (as in DC3D)
_TWO_PI = 2.0 * np.pi
_AUTO_TORCH_PAIRS = 10_000_000  # point-patch pairs from which "auto" compiles the torch kernel


def rake_to_components(rake: ArrayLike, slip: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Strike-slip and dip-slip components of a slip given by its rake.

    Parameters
    ----------
    rake : array-like of shape (m,)
        Degrees, Aki-Richards (0 left-lateral, 90 reverse, 180 right-lateral).
    slip : array-like of shape (m,)
        Slip magnitude (m).

    Returns
    -------
    strike_slip, dip_slip : ndarray of shape (m,)
        ``slip cos(rake)`` (positive left-lateral) and ``slip sin(rake)``
        (positive reverse), in metres.
    """
    r = np.radians(np.atleast_1d(np.asarray(rake, dtype=np.float64)))
    s = np.atleast_1d(np.asarray(slip, dtype=np.float64))
    return s * np.cos(r), s * np.sin(r)


def okada_stress_rake(
    points: ArrayLike,
    x_km: ArrayLike,
    y_km: ArrayLike,
    depth_km: ArrayLike,
    strike: ArrayLike,
    dip: ArrayLike,
    length_km: ArrayLike,
    width_km: ArrayLike,
    rake: ArrayLike,
    slip_m: ArrayLike,
    **kwargs,
) -> np.ndarray:
    """:func:`okada_stress` with the slip given as rake and magnitude.

    The patch arguments are those of
    :func:`skdlies.stress.patch_corners` (with ``z = -depth_km``) and of
    :func:`skdlies.stress.slip_vectors`, so that
    ``halfspace_stress(points, patch_corners(x, y, -depth, strike, dip, L, W) * 1e3,
    slip_vectors(strike, dip, rake, slip))`` describes the same sources.
    Keyword arguments are passed to :func:`okada_stress`.

    Parameters
    ----------
    points : array-like of shape (n, 3)
        Observation points (m; x East, y North, z Up, z <= 0).
    x_km, y_km, depth_km, strike, dip, length_km, width_km : array-like of shape (m,)
        The patches, as for :func:`okada_stress` (km, degrees).
    rake : array-like of shape (m,)
        Slip direction on the patch plane (degrees, Aki and Richards: 0 left-lateral,
        90 reverse).
    slip_m : array-like of shape (m,)
        Slip magnitude (m, >= 0).
    **kwargs
        ``mu``, ``lam``, ``chunk``, ``backend``, ``threads`` of :func:`okada_stress`.

    Returns
    -------
    ndarray of shape (n, 6)
        Stress (Pa, tension positive; xx, yy, zz, xy, xz, yz).
    """
    ss, ds = rake_to_components(rake, slip_m)
    return okada_stress(points, x_km, y_km, depth_km, strike, dip, length_km, width_km,
                        ss, ds, **kwargs)


def okada_stress(
    points: ArrayLike,
    x_km: ArrayLike,
    y_km: ArrayLike,
    depth_km: ArrayLike,
    strike: ArrayLike,
    dip: ArrayLike,
    length_km: ArrayLike,
    width_km: ArrayLike,
    strike_slip_m: ArrayLike,
    dip_slip_m: ArrayLike,
    *,
    mu: float = MU,
    lam: float = LAMBDA,
    chunk: int | None = None,
    backend: str = "auto",
    threads: int | None = None,
) -> np.ndarray:
    """Stress change at ``points`` from uniform slip on rectangular patches (Okada, 1992).

    Parameters
    ----------
    points : array-like of shape (n, 3)
        Observation points (m; x East, y North, z Up, z <= 0).
    x_km, y_km : array-like of shape (m,)
        Horizontal position of the centre of each patch's upper edge (km, East
        and North).
    depth_km : array-like of shape (m,)
        Depth of the upper edge (km, positive down, >= 0).
    strike, dip : array-like of shape (m,)
        Degrees; strike clockwise from North, dip in [0, 90] down to the right
        of the strike direction.
    length_km, width_km : array-like of shape (m,)
        Along-strike length and down-dip width (km), >= 0.
    strike_slip_m, dip_slip_m : array-like of shape (m,)
        Slip of the hanging wall relative to the footwall (m): strike-slip
        positive left-lateral, dip-slip positive reverse
        (:func:`okada_stress_rake` takes a rake and a slip instead).
    mu, lam : float, default=3e10
        Lame parameters (Pa).
    chunk : int, optional
        Number of point-patch pairs evaluated at once (bounds the memory, a
        few kB per pair, and keeps the work in cache); default 4000 for numpy,
        20000 for torch.
    backend : {"auto", "numpy", "torch"}, default="auto"
        ``"numpy"``: blocked numpy (about 0.3 M patch-points per second on two
        cores). ``"torch"``: the same kernel through :func:`torch.compile` on
        the CPU (fused loops, about 10 times faster; the first call in a
        process compiles it, which takes about 10 s with a warm inductor cache
        and up to a minute without). ``"auto"``: torch when it is installed and
        the problem has at least ``1e7`` point-patch pairs, numpy otherwise or
        if compiling fails (with a RuntimeWarning).
    threads : int, optional
        Threads for the torch backend (default: torch's current setting).

    Returns
    -------
    ndarray of shape (n, 6)
        Stress change (Pa, tension positive; xx, yy, zz, xy, xz, yz). Points
        on a patch edge, where the solution is singular, are NaN, with a
        :class:`~skdlies.stress.SingularPointsWarning`.

    Notes
    -----
    Each patch is evaluated in Okada's frame (x along strike, y horizontal to
    the left of strike, z up), with the reference point at the top-centre, the
    fault spanning ``x`` in ``[-L/2, L/2]`` and the up-dip coordinate in
    ``[-W, 0]``; the nine displacement derivatives are mapped to the global
    stress by one matrix product per block, which also sums over patches.
    """
    pts = np.ascontiguousarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ValueError(f"points must have shape (n, 3), got {pts.shape}.")
    check_elastic_moduli(mu, lam)
    names = ("x_km", "y_km", "depth_km", "strike", "dip", "length_km", "width_km",
             "strike_slip_m", "dip_slip_m")
    values = [np.atleast_1d(np.asarray(a, dtype=np.float64)).ravel()
              for a in (x_km, y_km, depth_km, strike, dip, length_km, width_km,
                        strike_slip_m, dip_slip_m)]
    try:
        arrays = np.broadcast_arrays(*values)
    except ValueError:
        shapes = ", ".join(f"{name} {v.shape}" for name, v in zip(names, values, strict=True))
        raise ValueError(
            f"the patch arrays must have one value per patch (or a single value); got {shapes}."
        ) from None
    for name, v in zip(names, arrays, strict=True):
        if not np.all(np.isfinite(v)):
            first = np.flatnonzero(~np.isfinite(v))[0]
            raise ValueError(f"{name} holds NaN or infinity (first at patch {first}).")
    if not np.all(np.isfinite(pts)):
        first = np.flatnonzero(~np.isfinite(pts).all(axis=1))[0]
        raise ValueError(f"points hold NaN or infinity (first at point {first}).")
    x0, y0, dep, phi, delta, length, width, ss, ds = arrays
    if np.any(pts[:, 2] > 0):
        first = np.flatnonzero(pts[:, 2] > 0)[0]
        raise ValueError(f"points must have z <= 0 (z Up, m), got z={pts[first, 2]:g} at point "
                         f"{first}.")
    if np.any(dep < 0):
        first = np.flatnonzero(dep < 0)[0]
        raise ValueError(f"patches must have depth_km >= 0 (positive down), got "
                         f"{dep[first]:g} at patch {first}.")
    if backend not in ("auto", "numpy", "torch"):
        raise ValueError(f"backend must be 'auto', 'numpy' or 'torch', got {backend!r}.")
    if np.any(delta < 0) or np.any(delta > 90):
        first = np.flatnonzero((delta < 0) | (delta > 90))[0]
        raise ValueError(f"dip must lie in [0, 90] degrees, got {delta[first]:g} (patch {first}).")
    for name, v in (("length_km", length), ("width_km", width)):
        if np.any(v < 0):
            first = np.flatnonzero(v < 0)[0]
            raise ValueError(f"{name} must be >= 0, got {v[first]:g} (patch {first}).")
    n = len(pts)
    out = np.zeros((n, 6))
    if n == 0 or len(x0) == 0:
        return out
    auto = backend == "auto"
    if auto:
        backend = "torch" if n * len(x0) >= _AUTO_TORCH_PAIRS and _has_torch() else "numpy"
    alpha = (lam + mu) / (lam + 2.0 * mu)
    sd = np.sin(np.radians(delta))
    cd = np.cos(np.radians(delta))
    vertical = np.abs(cd) < _EPS
    cd = np.where(vertical, 0.0, cd)
    sd = np.where(vertical, 1.0, sd)
    ph = np.radians(phi)
    sphi, cphi = np.sin(ph), np.cos(ph)
    transform = _gradient_to_stress(sphi, cphi, mu, lam)  # (m, 9, 6)
    # DC3D's dislocation is the footwall's motion relative to the hanging wall in
    # this frame: negate the slip to give the hanging wall's
    args = [x0 * 1e3, y0 * 1e3, dep * 1e3, sphi, cphi, sd, cd, 0.5 * length * 1e3,
            width * 1e3, -ss / _TWO_PI, -ds / _TWO_PI,
            np.ascontiguousarray(transform.transpose(1, 0, 2)).reshape(-1, 6)]
    size = chunk if chunk is not None else (20_000 if backend == "torch" else 4_000)
    block = max(1, size // len(x0))
    singular = np.zeros(n, dtype=bool)
    if backend == "torch":
        try:
            out, singular = _run_torch(pts, args, alpha, block, threads)
        except Exception as exc:  # no C++ compiler, unsupported platform, ...
            if not auto:
                raise
            warnings.warn(f"torch backend failed ({exc!r}); using numpy.", RuntimeWarning,
                          stacklevel=user_stacklevel())
            backend = "numpy"
    if backend == "numpy":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for i in range(0, n, block):
                p = pts[i : i + block]
                out[i : i + block], singular[i : i + block] = _kernel(
                    p[:, 0:1], p[:, 1:2], p[:, 2:3], *args, alpha)
    return mask_singular(out, singular)


def _gradient_to_stress(sphi: np.ndarray, cphi: np.ndarray, mu: float, lam: float
                        ) -> np.ndarray:
    """Per-patch linear map from the 9 local displacement derivatives to global stress.

    Local derivative ``k = 3 j + i`` is ``d u_i / d x_j`` (DC3D order: uxx, uyx,
    uzx, uxy, ...). Returns shape (m, 9, 6), global components xx, yy, zz, xy,
    xz, yz.
    """
    m = len(sphi)
    rot = np.zeros((m, 3, 3))  # rows: local x, y, z axes in East, North, Up
    rot[:, 0, 0], rot[:, 0, 1] = sphi, cphi
    rot[:, 1, 0], rot[:, 1, 1] = -cphi, sphi
    rot[:, 2, 2] = 1.0
    out = np.empty((m, 9, 6))
    eye = np.eye(3)
    for j in range(3):
        for i in range(3):
            grad = np.zeros((3, 3))
            grad[i, j] = 1.0
            s_loc = lam * np.trace(grad) * eye + mu * (grad + grad.T)
            s_glob = np.einsum("mai,ab,mbj->mij", rot, s_loc, rot)
            out[:, 3 * j + i] = np.stack([s_glob[:, a, b] for a, b in TENSOR_INDICES], axis=-1)
    return out


def _kernel(px, py, pz, x0, y0, depth, sphi, cphi, sd, cd, half_l, width, d1, d2, mat,
            alpha: float, xp=np):
    """Stress at a block of points summed over a group of patches.

    ``px, py, pz`` have shape (nb, 1) (m), the patch arrays shape (m,) (m, or
    slip / 2 pi), ``mat`` shape (9 m, 6) (:func:`_gradient_to_stress`, derivative
    major). ``xp`` is the array namespace (numpy, or torch for the compiled
    backend). Returns the stress (nb, 6) and a boolean (nb,) flag of points on
    an edge of a patch (their stress is meaningless).
    """
    dx = px - x0
    dy = py - y0
    z = pz
    x = dx * sphi + dy * cphi
    y = dy * sphi - dx * cphi
    xi = xp.stack([x + half_l, x - half_l])  # (2, nb, m): J = 1, 2
    xi = xp.where(xp.abs(xi) < _EPS, 0.0, xi)
    a1, a2 = 0.5 * (1.0 - alpha), 0.5 * alpha
    a3, a4, a5 = (1.0 - alpha) / alpha, 1.0 - alpha, alpha
    grad = []
    bad = None
    for image in (False, True):
        dd = depth - z if image else depth + z
        pp = y * cd + dd * sd
        q = y * sd - dd * cd
        q = xp.where(xp.abs(q) < _EPS, 0.0, q)
        et = xp.stack([pp, pp + width])  # K = 1, 2 (eta = p - aw, aw = 0, -W)
        et = xp.where(xp.abs(et) < _EPS, 0.0, et)
        edge = _on_edge(xi, et, q)
        bad = edge if bad is None else bad | edge
        # flags for the negative extension of an edge (R + xi = 0 or R + eta = 0)
        q2 = q * q
        kxi = (xi[0] < 0) & (xp.sqrt(xi[1] * xi[1] + et * et + q2) + xi[1] < _EPS)  # per K
        ket = (et[0] < 0) & (xp.sqrt(xi * xi + et[1] * et[1] + q2) + et[1] < _EPS)  # per J
        c = _Corner(xi[None], et[:, None], q, sd, cd, kxi[:, None], ket[None], xp)
        ua = _ua(c, d1, d2, a1, a2)
        if not image:
            s = [_chinnery(u) for u in ua]
            for k in (0, 3, 6):
                g = [-s[k], -s[k + 1] * cd + s[k + 2] * sd, -s[k + 1] * sd - s[k + 2] * cd]
                grad += [-v for v in g] if k == 6 else g
        else:
            ub = _ub(c, d1, d2, a3)
            uc = _uc(c, z, d1, d2, a4, a5)
            ab = [_chinnery(u + v) for u, v in zip(ua, ub, strict=True)]
            uvec = [_chinnery(w) for w in uc[:3]]
            sc = [_chinnery(w) for w in uc[3:]]
            for k in (0, 3, 6):
                zc1, zc2 = z * sc[k + 1], z * sc[k + 2]
                grad[k] = grad[k] + ab[k] + z * sc[k]
                grad[k + 1] = grad[k + 1] + (ab[k + 1] + zc1) * cd - (ab[k + 2] + zc2) * sd
                grad[k + 2] = grad[k + 2] + (ab[k + 1] - zc1) * sd + (ab[k + 2] - zc2) * cd
            grad[6] = grad[6] + uvec[0]
            grad[7] = grad[7] + uvec[1] * cd - uvec[2] * sd
            grad[8] = grad[8] - (uvec[1] * sd + uvec[2] * cd)
    g = xp.stack(grad, 1)  # (nb, 9, m)
    stress = g.reshape(g.shape[0], -1) @ mat
    return stress, bad.any(1)


def _chinnery(u: np.ndarray) -> np.ndarray:
    """Chinnery's sum over the corners, ``u`` of shape (2 [eta], 2 [xi], ...)."""
    return (u[0, 0] + u[1, 1]) - (u[0, 1] + u[1, 0])


def _on_edge(xi: np.ndarray, et: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Points on an edge of the (real or image) rectangle, where DC3D is singular."""
    pxi = xi[0] * xi[1]
    pet = et[0] * et[1]
    return (q == 0) & (((pxi <= 0) & (pet == 0)) | ((pet <= 0) & (pxi == 0)))


class _Corner:
    """Geometric quantities of DC3D's DCCON2 at the four corners (derivative terms only)."""

    def __init__(self, xi, et, q, sd, cd, kxi, ket, xp=np):
        self.xi, self.et, self.q, self.sd, self.cd = xi, et, q, sd, cd
        self.ket, self.xp = ket, xp
        self.xi2 = xi * xi
        self.et2 = et * et
        self.q2 = q * q
        self.r2 = self.xi2 + self.et2 + self.q2
        r = self.r = xp.sqrt(self.r2)
        self.ir = 1.0 / r
        self.ir2 = self.ir * self.ir
        self.ir3 = self.ir * self.ir2
        self.ir5 = self.ir3 * self.ir2
        self.y = et * cd + q * sd
        self.d = et * sd - q * cd
        # R + xi, R + eta without cancellation where xi or eta is negative
        self.rxi = xp.where(xi < 0, (self.et2 + self.q2) / (r - xi), r + xi)
        self.ret = xp.where(et < 0, (self.xi2 + self.q2) / (r - et), r + et)
        rxi = xp.where(kxi, 1.0, self.rxi)
        x11 = xp.where(kxi, 0.0, self.ir / rxi)
        self.x11 = x11
        self.x32 = (r + rxi) * x11 * x11 * self.ir
        ret = xp.where(ket, 1.0, self.ret)
        y11 = xp.where(ket, 0.0, self.ir / ret)
        self.y11 = y11
        self.y32 = (r + ret) * y11 * y11 * self.ir
        self.ey = sd * self.ir - self.y * q * self.ir3
        self.ez = cd * self.ir + self.d * q * self.ir3
        self.fy = self.d * self.ir3 + self.xi2 * self.y32 * sd
        self.fz = self.y * self.ir3 + self.xi2 * self.y32 * cd
        self.gy = 2.0 * x11 * sd - self.y * q * self.x32
        self.gz = 2.0 * x11 * cd + self.d * q * self.x32
        self.xy = xi * y11
        self.qy = q * y11


def _ua(c: _Corner, d1, d2, a1: float, a2: float) -> list[np.ndarray]:
    """Derivatives of the infinite-medium term u_A (9 components, DC3D order)."""
    xi, et, q, sd, cd = c.xi, c.et, c.q, c.sd, c.cd
    xq3 = xi * q * c.ir3
    return [
        d1 * (-a1 * c.qy - a2 * c.xi2 * q * c.y32) + d2 * (-a2 * xq3),
        d1 * (-a2 * xq3) + d2 * (-0.5 * c.qy - a2 * et * q * c.ir3),
        d1 * (a1 * c.xy + a2 * xi * c.q2 * c.y32) + d2 * (a1 * c.ir + a2 * c.q2 * c.ir3),
        d1 * (a1 * c.xy * sd + a2 * xi * c.fy + 0.5 * c.d * c.x11) + d2 * (a2 * c.ey),
        d1 * (a2 * c.ey) + d2 * (a1 * c.d * c.x11 + 0.5 * c.xy * sd + a2 * et * c.gy),
        d1 * (a1 * (cd * c.ir + c.qy * sd) - a2 * q * c.fy)
        + d2 * (a1 * c.y * c.x11 - a2 * q * c.gy),
        d1 * (a1 * c.xy * cd + a2 * xi * c.fz + 0.5 * c.y * c.x11) + d2 * (a2 * c.ez),
        d1 * (a2 * c.ez) + d2 * (a1 * c.y * c.x11 + 0.5 * c.xy * cd + a2 * et * c.gz),
        d1 * (-a1 * (sd * c.ir - c.qy * cd) - a2 * q * c.fz)
        + d2 * (-a1 * c.d * c.x11 - a2 * q * c.gz),
    ]


def _ub(c: _Corner, d1, d2, a3: float) -> list[np.ndarray]:
    """Derivatives of the surface-correction term u_B (9 components, DC3D order)."""
    xi, et, q, sd, cd = c.xi, c.et, c.q, c.sd, c.cd
    y, d = c.y, c.d
    rd = c.xp.where(d < 0, (c.xi2 + y * y) / (c.r - d), c.r + d)  # R + d, stably
    ird = 1.0 / rd
    d11 = c.ir * ird
    aj2 = xi * y * ird * d11
    aj5 = -(d + y * y * ird) * d11
    # DC3D's K1, K3, J3, J6 divide differences by cos(dip) (and switch to other
    # formulas for vertical faults); the same quantities are written here without
    # that division, exact for every dip and free of the cancellation that makes
    # the original lose ~1/cos^2(dip) in accuracy near 90 degrees.
    ret = c.ret
    den = d11 / ret  # 1 / (R (R + d) (R + eta))
    den2 = den * ird
    ops = 1.0 / (1.0 + sd)
    p2 = c.et2 + c.q2
    ak1 = xi * (c.r * cd * ops + et * cd + q * sd) * den
    ak3 = (c.r * (q * cd * ops - et) - p2) * den
    aj3 = xi * (c.r * (rd + cd * y) * ops - q * y) * den2
    aj6 = (c.r * (q * rd - cd * (et * d + p2)) * ops - c.r2 * y + p2 * q) * den2
    # on the negative extension of an edge (R + eta = 0) DC3D sets Y11 = 0
    icd = 1.0 / c.xp.where(cd == 0, 1.0, cd)
    ak1 = c.xp.where(c.ket, xi * d11 * icd, ak1)
    ak3 = c.xp.where(c.ket, -y * d11 * icd, ak3)
    aj3 = c.xp.where(c.ket, (ak1 - aj2 * sd) * icd, aj3)
    aj6 = c.xp.where(c.ket, (ak3 - aj5 * sd) * icd, aj6)
    ak2 = c.ir + ak3 * sd
    ak4 = c.xy * cd - ak1 * sd
    aj1 = aj5 * cd - aj6 * sd
    aj4 = -c.xy - aj2 * cd + aj3 * sd
    s1 = a3 * sd * d1
    s2 = a3 * sd * cd * d2
    xq3 = xi * q * c.ir3
    return [
        d1 * (c.xi2 * q * c.y32) - s1 * aj1 + d2 * xq3 + s2 * aj4,
        d1 * xq3 - s1 * aj2 + d2 * (et * q * c.ir3 + c.qy) + s2 * aj5,
        -d1 * (xi * c.q2 * c.y32) - s1 * aj3 - d2 * (c.q2 * c.ir3) + s2 * aj6,
        d1 * (-xi * c.fy - d * c.x11) + s1 * (c.xy + aj4) - d2 * c.ey + s2 * aj1,
        -d1 * c.ey + s1 * (c.ir + aj5) + d2 * (-et * c.gy - c.xy * sd) + s2 * aj2,
        d1 * (q * c.fy) - s1 * (c.qy - aj6) + d2 * (q * c.gy) + s2 * aj3,
        d1 * (-xi * c.fz - y * c.x11) + s1 * ak1 - d2 * c.ez - s2 * ak3,
        -d1 * c.ez + s1 * (y * d11) + d2 * (-et * c.gz - c.xy * cd) - s2 * (xi * d11),
        d1 * (q * c.fz) + s1 * ak2 + d2 * (q * c.gz) - s2 * ak4,
    ]


def _uc(c: _Corner, z: np.ndarray, d1, d2, a4: float, a5: float) -> list[np.ndarray]:
    """Displacement and derivatives of the depth-dependent term u_C (12 components, DC3D order)."""
    xi, et, q, sd, cd = c.xi, c.et, c.q, c.sd, c.cd
    y, d, ir3, ir5 = c.y, c.d, c.ir3, c.ir5
    x11, y11, x32, y32, q2 = c.x11, c.y11, c.x32, c.y32, c.q2
    cc = d + z
    x53 = (8.0 * c.r2 + 9.0 * c.r * xi + 3.0 * c.xi2) * x11 * x11 * x11 * c.ir2
    y53 = (8.0 * c.r2 + 9.0 * c.r * et + 3.0 * c.et2) * y11 * y11 * y11 * c.ir2
    h = q * cd - z
    z32 = sd * ir3 - h * y32
    z53 = 3.0 * sd * ir5 - h * y53
    y0 = y11 - c.xi2 * y32
    z0 = z32 - c.xi2 * z53
    ppy = cd * ir3 + q * y32 * sd
    ppz = sd * ir3 - q * y32 * cd
    qq = z * y32 + z32 + z0
    qqy = 3.0 * cc * d * ir5 - qq * sd
    qqz = 3.0 * cc * y * ir5 - qq * cd + q * y32
    qr = 3.0 * q * ir5
    cdr = (cc + d) * ir3
    yy0 = y * ir3 - y0 * cd
    sdsd, sdcd = sd * sd, sd * cd
    cqr = cc * qr
    cdqr = d * cqr
    cyqr = y * cqr
    return [
        # displacement (needed for d(z u_C)/dz)
        d1 * (a4 * c.xy * cd - a5 * xi * q * z32)
        + d2 * (a4 * cd * c.ir - c.qy * sd - a5 * cc * q * ir3),
        d1 * (a4 * (cd * c.ir + 2.0 * c.qy * sd) - a5 * cc * q * ir3)
        + d2 * (a4 * y * x11 - a5 * cc * et * q * x32),
        d1 * (a4 * c.qy * cd - a5 * (cc * et * ir3 - z * y11 + c.xi2 * z32))
        + d2 * (-d * x11 - c.xy * sd - a5 * cc * (x11 - q2 * x32)),
        # derivatives
        d1 * (a4 * y0 * cd - a5 * q * z0)
        + d2 * (-a4 * xi * ir3 * cd + a5 * xi * cqr + xi * q * y32 * sd),
        d1 * (-a4 * xi * (cd * ir3 + 2.0 * q * y32 * sd) + a5 * xi * cqr)
        + d2 * (-a4 * y * ir3 + a5 * et * cqr),
        d1 * (-a4 * xi * q * y32 * cd + a5 * xi * (3.0 * cc * et * ir5 - qq))
        + d2 * (d * ir3 - y0 * sd + a5 * cc * ir3 * (1.0 - 3.0 * q2 * c.ir2)),
        d1 * (-a4 * xi * ppy * cd - a5 * xi * qqy)
        + d2 * (-a4 * et * ir3 + y0 * sdsd - a5 * (cdr * sd - cyqr)),
        d1 * (a4 * 2.0 * (d * ir3 - y0 * sd) * sd - y * ir3 * cd
              - a5 * (cdr * sd - et * ir3 - cyqr))
        + d2 * (a4 * (x11 - y * y * x32)
                - a5 * cc * ((d + 2.0 * q * cd) * x32 - y * et * q * x53)),
        d1 * (-a4 * q * ir3 + yy0 * sd + a5 * (cdr * cd + cdqr - (y0 * cd + q * z0) * sd))
        + d2 * (xi * ppy * sd + y * d * x32
                + a5 * cc * ((y + 2.0 * q * sd) * x32 - y * q2 * x53)),
        d1 * (a4 * xi * ppz * cd - a5 * xi * qqz)
        + d2 * (-q * ir3 + y0 * sdcd - a5 * (cdr * cd + cdqr)),
        d1 * (a4 * 2.0 * (y * ir3 - y0 * cd) * sd + d * ir3 * cd - a5 * (cdr * cd + cdqr))
        + d2 * (a4 * y * d * x32 - a5 * cc * ((y - 2.0 * q * sd) * x32 + d * et * q * x53)),
        d1 * (yy0 * cd - a5 * (cdr * sd - cyqr - y0 * sdsd + q * z0 * cd))
        + d2 * (-xi * ppz * sd + x11 - d * d * x32
                - a5 * cc * ((d - 2.0 * q * cd) * x32 - d * q2 * x53)),
    ]


_COMPILED: dict = {}


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _run_torch(pts: np.ndarray, args: list, alpha: float, block: int,
               threads: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The kernel through ``torch.compile`` on the CPU, over blocks of points."""
    import torch

    from .._nn import torch_threads

    if "kernel" not in _COMPILED:
        def kernel(px, py, pz, *rest, alpha):
            return _kernel(px, py, pz, *rest, alpha, xp=torch)

        _COMPILED["kernel"] = torch.compile(kernel, dynamic=True)
    compiled = _COMPILED["kernel"]
    with torch_threads(threads), torch.no_grad():
        targs = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]
        t_pts = torch.from_numpy(pts)
        stress, bad = [], []
        for i in range(0, len(pts), block):
            p = t_pts[i : i + block]
            s, b = compiled(p[:, 0:1], p[:, 1:2], p[:, 2:3], *targs, alpha=alpha)
            stress.append(s)
            bad.append(b)
        return torch.cat(stress).numpy(), torch.cat(bad).numpy()
