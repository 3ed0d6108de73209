"""Vectorised metrics of stress (change) tensors.

Every function takes ``S``, an array of shape (n, 6) holding the six independent
components of n symmetric tensors in the order :data:`~skdlies.stress.COMPONENTS`
``("xx", "yy", "zz", "xy", "xz", "yz")`` (x East, y North, z Up; Pa; tension
positive), or an array of full tensors of shape (n, 3, 3) (its upper triangle is
read). Results are float64 in Pa unless stated otherwise.

The work is done in blocks of rows that fit in the CPU cache, so the temporaries
of the component formulas never leave it; there is no loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._conventions import COMPONENTS
from ._geometry import TENSOR_INDICES, fault_axes, slip_direction

__all__ = [
    "as_components",
    "coulomb_stress",
    "devries_features",
    "fault_unit_vectors",
    "max_shear",
    "principal_stresses",
    "stress_invariants",
    "sum_abs_stress",
    "von_mises",
]

#: Rows per block: 32768 rows of float64 temporaries (256 KiB each) stay in cache.
_BLOCK_ROWS = 32768

#: Rows with 1 - cos(3 theta)^2 below this (near-repeated principal stresses) leave the
#: trigonometric formula for LAPACK: there d(theta) / d(cos 3 theta) blows up.
_TRIG_TOL = 1e-4

_SQRT3 = np.sqrt(3.0)

#: Kinds of Coulomb stress change accepted by :func:`coulomb_stress`.
COULOMB_KINDS = ("standard", "normal", "total_shear", "total")


def as_components(S: ArrayLike) -> np.ndarray:
    """Return stress tensors as a float64 array of shape (n, 6) in COMPONENTS order.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Six components ``xx, yy, zz, xy, xz, yz`` per row, or full symmetric
        tensors (the upper triangle is read).

    Returns
    -------
    S6 : ndarray of shape (n, 6), float64
        A view of ``S`` where no conversion is needed.
    """
    S = np.asarray(S, dtype=np.float64)
    if S.ndim == 3 and S.shape[1:] == (3, 3):
        rows, cols = zip(*TENSOR_INDICES, strict=True)
        return S[:, list(rows), list(cols)]
    if S.ndim == 2 and S.shape[1] == len(COMPONENTS):
        return S
    raise ValueError(
        f"Expected stress tensors of shape (n, 6) with the components in the order "
        f"{COMPONENTS}, or of shape (n, 3, 3); got shape {S.shape}."
    )


def _blocked(kernel: Callable[[np.ndarray, np.ndarray], None], S: ArrayLike,
             width: int) -> np.ndarray:
    """Apply ``kernel(S_block, out_block)`` to cache-sized row blocks of an (n, width) output.

    A row with a NaN component is NaN in every output column (a kernel that skips a
    component with zero weight, e.g. dCFS on some planes, would otherwise hide it).
    """
    S = as_components(S)
    out = np.empty((S.shape[0], width))
    for start in range(0, S.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        block = S[rows]
        kernel(block, out[rows])
        missing = np.isnan(block).any(axis=1)
        if missing.any():
            out[rows][missing] = np.nan
    return out


# -- component formulas (on one block) ---------------------------------------------------------


def _deviator(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Diagonal of the deviatoric tensor and J2, from differences of the diagonal.

    Working with differences keeps full relative accuracy of the deviator even
    when the mean stress dwarfs it.
    """
    xx, yy, zz, xy, xz, yz = S.T
    a, b, c = xx - yy, yy - zz, zz - xx
    j2 = (a * a + b * b + c * c) / 6 + xy * xy + xz * xz + yz * yz
    return (a - c) / 3, (b - a) / 3, (c - b) / 3, j2


def _det(xx, yy, zz, xy, xz, yz) -> np.ndarray:
    """Determinant of the symmetric tensors with the given components."""
    return xx * (yy * zz - yz * yz) - xy * (xy * zz - yz * xz) + xz * (xy * yz - yy * xz)


def _shifted_eigenvalues(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal stresses of one block as ``shift + eig``, ``eig`` sorted descending.

    ``shift`` is the mean stress and ``eig`` the eigenvalues of the deviator,
    except on diagonal tensors, where ``shift`` is 0 and ``eig`` the sorted
    diagonal (exact). Deviator eigenvalues come from the trigonometric solution
    of the characteristic cubic (Lode angle theta); rows with near-repeated
    roots, where it loses digits, are redone with ``np.linalg.eigvalsh``.
    """
    xy, xz, yz = S[:, 3], S[:, 4], S[:, 5]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        dxx, dyy, dzz, j2 = _deviator(S)  # overflows beyond 1e154 Pa: redone below
        j3 = _det(dxx, dyy, dzz, xy, xz, yz)
        p = np.sqrt(j2 / 3)
        r = j3 / (2 * p * p * p)  # cos(3 theta)
        ill = ~(1 - r * r >= _TRIG_TOL)  # also catches NaN: zero deviator, overflow
    c = np.cos(np.arccos(np.clip(r, -1.0, 1.0)) / 3)  # cos(theta), theta in [0, pi/3]
    s = _SQRT3 * np.sqrt(1 - c * c)  # sqrt(3) sin(theta); accurate away from theta = 0
    eig = np.empty((S.shape[0], 3))
    eig[:, 0] = 2 * p * c
    eig[:, 1] = p * (s - c)
    eig[:, 2] = -p * (c + s)
    shift = (S[:, 0] + S[:, 1] + S[:, 2]) / 3

    diagonal = (xy == 0) & (xz == 0) & (yz == 0)
    if diagonal.any():
        eig[diagonal] = -np.sort(-S[diagonal, :3], axis=1)
        shift[diagonal] = 0.0
    redo = np.flatnonzero(ill & ~diagonal)
    if redo.size:
        redo = redo[np.isfinite(S[redo]).all(axis=1)]
        D = np.empty((redo.size, 3, 3))
        D[:, 0, 0], D[:, 1, 1], D[:, 2, 2] = dxx[redo], dyy[redo], dzz[redo]
        D[:, 0, 1] = D[:, 1, 0] = xy[redo]
        D[:, 0, 2] = D[:, 2, 0] = xz[redo]
        D[:, 1, 2] = D[:, 2, 1] = yz[redo]
        eig[redo] = np.linalg.eigvalsh(D)[:, ::-1]
    return shift, eig


# -- public metrics ------------------------------------------------------------------------------


def principal_stresses(S: ArrayLike) -> np.ndarray:
    """Principal stresses, sorted descending.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, tension positive, components in COMPONENTS order.

    Returns
    -------
    sigma : ndarray of shape (n, 3)
        ``sigma_1 >= sigma_2 >= sigma_3`` in Pa; tension positive, so
        ``sigma_1`` is the most tensile (least compressive) principal stress.

    Notes
    -----
    Closed form (trigonometric solution on the deviator, whose diagonal is
    formed from differences of the diagonal), with ``np.linalg.eigvalsh`` on
    the rows where two principal stresses nearly coincide and exact values for
    diagonal tensors (isotropic, uniaxial, zero). The error stays below 1e-12
    (typically 1e-15) of the largest absolute principal stress of the row.
    """

    def kernel(block, out):
        shift, eig = _shifted_eigenvalues(block)
        np.add(eig, shift[:, None], out=out)

    return _blocked(kernel, S, 3)


def max_shear(S: ArrayLike) -> np.ndarray:
    """Maximum shear stress ``(sigma_1 - sigma_3) / 2``.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, components in COMPONENTS order.

    Returns
    -------
    tau_max : ndarray of shape (n,)
        Non-negative, in Pa. It depends on the deviator only, so the full and
        the deviatoric tensor give the same value.
    """

    def kernel(block, out):
        _, eig = _shifted_eigenvalues(block)
        np.subtract(eig[:, 0], eig[:, 2], out=out[:, 0])
        out *= 0.5

    return _blocked(kernel, S, 1).reshape(-1)


def von_mises(S: ArrayLike) -> np.ndarray:
    """Von Mises equivalent stress ``sqrt(3 J2)``.

    ``J2 = ((sxx - syy)^2 + (syy - szz)^2 + (szz - sxx)^2) / 6 + sxy^2 + sxz^2 + syz^2``
    is the second invariant of the deviatoric tensor (no eigenvalues needed).

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, components in COMPONENTS order.

    Returns
    -------
    sigma_vm : ndarray of shape (n,)
        Non-negative, in Pa; the same for the full and the deviatoric tensor.
    """

    def kernel(block, out):
        np.sqrt(3 * _deviator(block)[3], out=out[:, 0])

    return _blocked(kernel, S, 1).reshape(-1)


def stress_invariants(S: ArrayLike, deviatoric: bool = False) -> np.ndarray:
    """The invariants I1, I2, I3 of the stress tensor or of its deviator.

    With ``s`` the tensor, ``I1 = sxx + syy + szz``,
    ``I2 = sxx syy + syy szz + szz sxx - sxy^2 - sxz^2 - syz^2`` (the sum of the
    principal 2x2 minors, i.e. ``s1 s2 + s2 s3 + s3 s1``) and ``I3 = det(s)``.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, tension positive, components in COMPONENTS order.
    deviatoric : bool
        If True, the invariants of the deviator ``s - I1 / 3 * identity``: then
        I1 is 0, ``I2 = -J2 <= 0`` and ``I3 = J3``.

    Returns
    -------
    invariants : ndarray of shape (n, 3)
        Columns I1 (Pa), I2 (Pa^2), I3 (Pa^3).
    """

    def kernel(block, out):
        xx, yy, zz, xy, xz, yz = block.T
        if deviatoric:
            dxx, dyy, dzz, j2 = _deviator(block)
            out[:, 0] = 0.0
            np.negative(j2, out=out[:, 1])
            out[:, 2] = _det(dxx, dyy, dzz, xy, xz, yz)
        else:
            out[:, 0] = xx + yy + zz
            out[:, 1] = xx * yy + yy * zz + zz * xx - xy * xy - xz * xz - yz * yz
            out[:, 2] = _det(xx, yy, zz, xy, xz, yz)

    return _blocked(kernel, S, 3)


def sum_abs_stress(S: ArrayLike) -> np.ndarray:
    """Sum of the absolute values of the six independent components.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, components in COMPONENTS order.

    Returns
    -------
    total : ndarray of shape (n,)
        ``|sxx| + |syy| + |szz| + |sxy| + |sxz| + |syz|`` in Pa (each shear
        component counted once).
    """

    def kernel(block, out):
        total = np.abs(block[:, 0])
        for j in range(1, 6):
            total += np.abs(block[:, j])
        out[:, 0] = total

    return _blocked(kernel, S, 1).reshape(-1)


def devries_features(S: ArrayLike, scale: float = 1e6) -> np.ndarray:
    """The 12 network inputs of DeVries et al. (2018): ``[|s|, -|s|] / scale``.

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress tensors in Pa, components in COMPONENTS order.
    scale : float
        Divisor; the default 1e6 gives MPa.

    Returns
    -------
    features : ndarray of shape (n, 12)
        The absolute values of the six components in COMPONENTS order, then
        their negatives, divided by ``scale``.
    """

    def kernel(block, out):
        magnitude = np.abs(block)
        magnitude /= scale
        out[:, :6] = magnitude
        np.negative(magnitude, out=out[:, 6:])

    return _blocked(kernel, S, 12)


# -- Coulomb stress ------------------------------------------------------------------------------


def _angle(name: str, value: float) -> float:
    """``value`` as a finite float (degrees), or a ValueError naming ``name``."""
    try:
        angle = float(value)
    except (TypeError, ValueError):
        angle = np.nan
    if not np.isfinite(angle) or isinstance(value, bool | str):
        raise ValueError(f"{name} must be a finite angle in degrees, got {value!r}.")
    return angle


def fault_unit_vectors(strike: float, dip: float, rake: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normal, slip and in-plane perpendicular unit vectors of a receiver fault (East, North, Up).

    Parameters
    ----------
    strike : float
        Degrees clockwise from North; the fault dips to the right of strike.
    dip : float
        Degrees below the horizontal, in [0, 90].
    rake : float
        Degrees, Aki-Richards: 0 left-lateral, 90 reverse, 180 (or -180)
        right-lateral, -90 normal.

    Returns
    -------
    n, d, p : ndarray of shape (3,)
        With phi = strike, delta = dip, lambda = rake:

        - ``n = (sin(delta) cos(phi), -sin(delta) sin(phi), cos(delta))``, the
          normal pointing from the footwall into the hanging wall (upward
          unless the fault is vertical; ``(0, 0, 1)`` for a horizontal fault);
        - ``d = (cos(lambda) sin(phi) - cos(delta) sin(lambda) cos(phi),
          cos(lambda) cos(phi) + cos(delta) sin(lambda) sin(phi),
          sin(lambda) sin(delta))``, the slip direction of the hanging wall
          relative to the footwall (the strike direction
          ``(sin(phi), cos(phi), 0)`` for rake 0);
        - ``p = n x d``, in the fault plane, perpendicular to the slip.

    Raises
    ------
    ValueError
        If an angle is not a finite number or ``dip`` is outside [0, 90].
    """
    strike, dip, rake = (_angle(name, value) for name, value in
                         (("strike", strike), ("dip", dip), ("rake", rake)))
    if not 0 <= dip <= 90:
        raise ValueError(f"dip must lie in [0, 90] degrees, got {dip!r}.")
    n = fault_axes(strike, dip)[2]
    d = slip_direction(strike, dip, rake)
    return n, d, np.cross(n, d)


def _bilinear(S: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a . (S b)`` for each tensor of a block."""
    w = (a[0] * b[0], a[1] * b[1], a[2] * b[2],
         a[0] * b[1] + a[1] * b[0], a[0] * b[2] + a[2] * b[0], a[1] * b[2] + a[2] * b[1])
    out = S[:, 0] * w[0]
    for j in range(1, 6):
        if w[j] != 0:
            out += S[:, j] * w[j]
    return out


def check_friction(mu: float | Sequence[float]) -> np.ndarray:
    """``mu`` as a non-empty 1-D float array of finite non-negative values, or a ValueError."""
    mus = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    if mus.ndim != 1 or mus.size == 0 or not np.all(np.isfinite(mus)) or np.any(mus < 0):
        raise ValueError(
            f"mu must be a finite non-negative number or a non-empty 1-D sequence of them, "
            f"got {mu!r}."
        )
    return mus


def coulomb_stress(S: ArrayLike, strike: float, dip: float, rake: float,
                   mu: float | Sequence[float] = 0.4, kind: str = "standard") -> np.ndarray:
    """Coulomb failure stress change on a receiver fault of given orientation.

    The traction on the receiver plane is ``t = S n``; its normal component is
    ``sigma_n = t . n`` (tension, i.e. unclamping, positive), its shear
    component along the hanging-wall slip is ``tau = t . d`` (positive when it
    drives slip in the rake direction), and ``tau_p = t . p`` is the in-plane
    shear perpendicular to the slip (``n``, ``d``, ``p`` from
    :func:`fault_unit_vectors`).

    Parameters
    ----------
    S : array-like of shape (n, 6) or (n, 3, 3)
        Stress change tensors in Pa, tension positive, x East, y North, z Up,
        components in COMPONENTS order.
    strike, dip, rake : float
        Receiver orientation in degrees (strike clockwise from North, dip to
        the right of strike, Aki-Richards rake), the same for every row.
    mu : float or sequence of float
        Effective friction coefficient(s), >= 0.
    kind : {"standard", "normal", "total_shear", "total"}
        - ``"standard"``: ``tau + mu * sigma_n``;
        - ``"normal"``: ``mu * sigma_n``;
        - ``"total_shear"``: ``|tau| + |tau_p|`` (the sum of the absolute shear
          along and across the slip direction, as in DeVries et al.'s table; mu
          is unused and its columns repeat). Unlike the magnitude of the shear
          traction, ``hypot(tau, tau_p)``, it depends on the rake: the sum of
          the absolute components in the (slip, in-plane perpendicular) frame;
        - ``"total"``: ``|tau| + |tau_p| + mu * sigma_n``.

    Returns
    -------
    dcfs : ndarray of shape (n,) or (n, len(mu))
        In Pa; shape (n,) when ``mu`` is a scalar.
    """
    if kind not in COULOMB_KINDS:
        raise ValueError(f"kind must be one of {COULOMB_KINDS}, got {kind!r}.")
    mus = check_friction(mu)
    n, d, p = fault_unit_vectors(strike, dip, rake)

    def kernel(block, out):
        normal = _bilinear(block, n, n)
        if kind == "standard":
            shear = _bilinear(block, n, d)
        elif kind == "normal":
            shear = np.zeros_like(normal)
        else:
            shear = np.abs(_bilinear(block, n, d))
            shear += np.abs(_bilinear(block, n, p))
        for j, m in enumerate(mus):
            if kind == "total_shear" or m == 0:
                out[:, j] = shear
            else:
                np.multiply(normal, m, out=out[:, j])
                out[:, j] += shear

    out = _blocked(kernel, S, mus.size)
    return out if np.ndim(mu) else out.reshape(-1)
