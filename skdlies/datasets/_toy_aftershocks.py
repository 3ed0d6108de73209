"""A toy aftershock data set in the DeVries et al. (2018) layout, for examples and tests.

It exercises the API (transformers, AftershockNet, evaluation) without any
download. It is **not** a physical model: the stress field is a smooth,
lobed, 1/r^3-decaying pattern around a point source, and the labels are drawn
from a logistic function of the maximum shear stress. Real grids come from
SRCMOD slip models and earthquake catalogs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from ..stress import COMPONENTS, DEVRIES_COLUMNS, DEVRIES_LABEL, max_shear
from ..stress._geometry import TENSOR_INDICES

__all__ = ["make_toy_aftershocks"]



def _event(rng: np.random.RandomState, half_width_km: float, cell_km: float):
    """Cell centres (km) and (n, 6) stress changes (Pa) around one random point source."""
    axis = np.arange(-half_width_km + cell_km / 2, half_width_km, cell_km)
    depths = -np.arange(cell_km / 2, 50.0, cell_km * 2)  # a few layers down to 50 km
    x, y, z = (a.ravel() for a in np.meshgrid(axis, axis, depths, indexing="ij"))
    source = np.array([0.0, 0.0, -rng.uniform(8, 20)])
    d = np.column_stack([x, y, z]) - source
    r = np.linalg.norm(d, axis=1, keepdims=True).clip(min=cell_km)
    g = d / r
    strike = rng.uniform(0, 2 * np.pi)
    n = np.array([np.cos(strike), -np.sin(strike), 0.0])  # fault normal (horizontal)
    m = np.array([np.sin(strike), np.cos(strike), 0.0])  # slip direction (along strike)
    lobes = 2 * (g @ n) * (g @ m)  # double-couple radiation pattern
    scale = rng.uniform(0.5, 2.0) * 1e9 / r[:, 0] ** 3  # Pa, 1e6 Pa at 10 km
    tensors = np.empty((len(x), 6))
    for k, (i, j) in enumerate(TENSOR_INDICES):
        pattern = lobes * (g[:, i] * g[:, j] - (i == j) / 3) + (n[i] * m[j] + m[i] * n[j]) / 2
        tensors[:, k] = scale * pattern
    return x, y, z, tensors


def make_toy_aftershocks(
    n_events: int = 6,
    *,
    half_width_km: float = 60.0,
    cell_km: float = 5.0,
    background_rate: float = 0.02,
    random_state=None,
) -> Bunch:
    """Random toy "mainshocks" with stress changes and aftershock labels on a grid.

    Parameters
    ----------
    n_events : int, default=6
        Number of events (groups).
    half_width_km : float, default=60.0
        The grid spans +-half_width_km around each source in x (East) and y (North).
    cell_km : float, default=5.0
        Cell size (km); depth layers every ``2 * cell_km`` from ``cell_km / 2`` to 50 km.
    background_rate : float, default=0.02
        Probability that a cell is labelled 1 regardless of the stress.
    random_state : int, RandomState instance or None, default=None
        Seeds each event's source depth, strike and amplitude and the label
        draws; an int gives the same data set every call.

    Returns
    -------
    Bunch
        ``frame``: DataFrame with the DeVries columns ``stresses_full_xx`` ...
        ``stresses_full_yz`` (Pa, tension positive), ``aftershocksyn`` (0/1) and
        cell centres ``x``, ``y``, ``z`` (metres, as in the DeVries files; z < 0
        below the surface);
        ``groups``: event index of each row; ``data``: (n, 6) stresses in
        :data:`skdlies.stress.COMPONENTS` order; ``target``: the labels.
    """
    rng = check_random_state(random_state)
    frames, groups = [], []
    for event in range(n_events):
        x, y, z, tensors = _event(rng, half_width_km, cell_km)
        shear = max_shear(tensors)
        p = background_rate + (1 - background_rate) / (1 + np.exp(-3 * (np.log10(shear) - 5.3)))
        label = (rng.uniform(size=len(p)) < p).astype(np.int8)
        frame = pd.DataFrame(tensors, columns=list(DEVRIES_COLUMNS))
        frame[DEVRIES_LABEL] = label
        frame["x"], frame["y"], frame["z"] = x * 1e3, y * 1e3, z * 1e3  # metres, as DeVries
        frames.append(frame)
        groups.append(np.full(len(frame), event))
    frame = pd.concat(frames, ignore_index=True)
    return Bunch(
        frame=frame,
        groups=np.concatenate(groups),
        data=frame[list(DEVRIES_COLUMNS)].to_numpy(),
        target=frame[DEVRIES_LABEL].to_numpy(),
        feature_names=list(COMPONENTS),
        DESCR=__doc__,
    )

