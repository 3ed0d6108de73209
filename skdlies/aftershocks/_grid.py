"""The observation grid of DeVries et al. (2018) around a finite-fault model.

Conventions: local Cartesian km, x East, y North, z Up (z < 0 below the
surface); patch corners from :func:`skdlies.stress.patch_corners`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

__all__ = ["grid_cells"]


def grid_cells(
    corners_xy: ArrayLike,
    *,
    cell_km: float = 5.0,
    radius_km: float = 100.0,
    n_layers: int = 10,
    layer_km: float = 5.0,
) -> pd.DataFrame:
    """Cell centres of the DeVries et al. (2018) grid around a fault.

    Square cells of ``cell_km`` on a grid aligned with x and y and anchored at
    the origin (the model's reference point) are kept when all four of their
    corners lie within ``radius_km`` of some patch corner (each corner may be
    near a different one). This approximates "cells lying entirely inside the
    union of circles of radius_km around every patch corner" from the inside:
    a kept cell's corners are inside the union; its edges may graze outside it
    by less than ``cell_km**2 / (8 * radius_km)`` (0.03 km for the defaults).
    Each kept column of cells is repeated on ``n_layers`` depth layers of
    ``layer_km``, with centres at z = -layer_km/2, -3 layer_km/2, ...

    Parameters
    ----------
    corners_xy : array-like of shape (m, 2)
        Horizontal positions (km, x East, y North) of the patch corners, e.g.
        ``skdlies.stress.patch_corners(...)[..., :2].reshape(-1, 2)``.
    cell_km : float, default=5.0
        Side of the square cells (km).
    radius_km : float, default=100.0
        Radius of the circles around the patch corners (km).
    n_layers : int, default=10
        Number of depth layers (10 x 5 km covers 0-50 km).
    layer_km : float, default=5.0
        Thickness of each depth layer (km).

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``z``: cell centres in metres (as in the DeVries
        files), z < 0; ordered by layer, then x, then y.
    """
    points = np.asarray(corners_xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"corners_xy must have shape (m, 2) with m >= 1, got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise ValueError("corners_xy holds NaN or infinite values.")
    sizes = {"cell_km": cell_km, "radius_km": radius_km, "layer_km": layer_km, "n_layers": n_layers}
    for name, value in sizes.items():
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be positive, got {value!r}.")
    low = np.floor((points.min(axis=0) - radius_km) / cell_km).astype(int)
    high = np.ceil((points.max(axis=0) + radius_km) / cell_km).astype(int)
    ix, iy = np.meshgrid(np.arange(low[0], high[0]), np.arange(low[1], high[1]), indexing="ij")
    edges = np.column_stack([ix.ravel(), iy.ravel()]) * cell_km  # lower-left corners
    tree = cKDTree(points)
    inside = np.ones(len(edges), dtype=bool)
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        distance, _ = tree.query(edges + np.array([dx, dy]) * cell_km,
                                 distance_upper_bound=radius_km * (1 + 1e-12))
        inside &= np.isfinite(distance)
    centres = edges[inside] + cell_km / 2
    depths = -(np.arange(n_layers) + 0.5) * layer_km
    n = len(centres)
    return pd.DataFrame({
        "x": np.tile(centres[:, 0], n_layers) * 1e3,
        "y": np.tile(centres[:, 1], n_layers) * 1e3,
        "z": np.repeat(depths, n) * 1e3,
    })
