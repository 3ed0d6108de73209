"""Figures of aftershock forecasts: ROC curves (DeVries et al. 2018, Fig. 2) and score maps.

Each function draws into ``ax`` if given, else into a new pyplot figure, and
returns the :class:`matplotlib.figure.Figure`; it never calls ``plt.show``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import CenteredNorm, LogNorm, SymLogNorm
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

from ..plotting._axes import figure_and_axes
from ._evaluation import _check_inputs, _check_labels, _check_score, _split_groups, merged_roc_auc

__all__ = ["plot_roc_curves", "plot_score_map", "plot_strike_averaged_maps"]


def plot_roc_curves(
    y_true, score, groups=None, *, ax: Axes | None = None, label: str | None = None
) -> Figure:
    """ROC curves of each group (thin, grey) and of all cells merged (bold).

    Parameters
    ----------
    y_true : array-like of shape (n_cells,)
        0/1 labels (1: the cell holds aftershocks).
    score : array-like of shape (n_cells,)
        Finite scores, higher meaning more likely to hold aftershocks.
    groups : array-like of shape (n_cells,), optional
        Group (slip distribution) of each cell: one grey curve per group that
        holds both classes.
    ax : matplotlib Axes, optional
        Draw into it (e.g. one panel of a grid); default: a new figure.
    label : str, optional
        Name of the score: the title of the axes (the merged AUC is in the
        legend).

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold one line per two-class group, the merged curve and the
        diagonal (in that order), and a legend.
    """
    y, score, groups = _check_inputs(y_true, score, groups)
    auc = merged_roc_auc(y, score)
    fig, ax = figure_and_axes(ax, figsize=(4.5, 4.5))
    if groups is not None:
        two_class = [idx for idx in _split_groups(groups)[1]
                     if 0 < np.count_nonzero(y[idx]) < len(idx)]
        for k, idx in enumerate(two_class):
            fpr, tpr, _ = roc_curve(y[idx], score[idx])
            ax.plot(fpr, tpr, color="0.6", lw=0.6, alpha=0.7,
                    label=f"each group ({len(two_class)})" if k == 0 else None)
    fpr, tpr, _ = roc_curve(y, score)
    ax.plot(fpr, tpr, color="k", lw=2.5, label=f"all cells merged, AUC = {auc:.3f}")
    ax.plot([0, 1], [0, 1], color="0.3", lw=1, ls="--", label="chance")
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.set_title(label if label else "ROC curve")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_score_map(
    x,
    y,
    score,
    label,
    *,
    depth: float | None = None,
    z=None,
    ax: Axes | None = None,
    cmap: str = "viridis",
    score_name: str = "score",
    fault_xy=None,
) -> Figure:
    """Map of a score on one depth slice of the cell grid, with aftershock cells marked.

    Coordinates are in metres (x East, y North, z Up, as in the DeVries files)
    and drawn in km. The cells of the slice must lie on a grid (each ``(x, y)``
    once); each is drawn as a square of the colour of its score, and cells
    holding aftershocks get a black dot.

    Parameters
    ----------
    x, y : array-like of shape (n_cells,)
        Cell centres (m).
    score : array-like of shape (n_cells,)
        Finite score of each cell.
    label : array-like of shape (n_cells,)
        0/1 labels (1: the cell holds aftershocks).
    depth : float, optional
        Depth of the slice (m, positive down, as every ``depth`` in skdlies);
        the layer of ``z`` nearest to ``z = -depth`` is drawn. Default: the
        layer holding the most aftershock cells (the shallowest of equals).
    z : array-like of shape (n_cells,), optional
        Cell centre heights (m). Without it, all cells form one slice.
    ax : matplotlib Axes, optional
        Draw into it; default: a new figure.
    cmap : str, default="viridis"
        Colour map (e.g. ``"RdBu_r"`` for signed stress changes). A score with
        both signs is drawn on a scale centred on 0.
    score_name : str, default="score"
        Colour-bar label; include the units, e.g. ``"ΔCFS (Pa)"``.
    fault_xy : array-like of shape (m, 2), optional
        Points of the fault (m, x East and y North, e.g. the centres of the
        patches), drawn as small grey crosses over the map.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the score mesh and the scatter of aftershock cells.

    Raises
    ------
    ValueError
        If lengths differ, values are not finite, ``depth`` is given without
        ``z`` or lies outside its layers, or the slice is not a grid.
    """
    positive = _check_labels(label, "label")
    n = len(positive)
    x, y, score = (_check_score(v, n, what) for v, what in ((x, "x"), (y, "y"), (score, "score")))
    title = f"{np.count_nonzero(positive)} cells with aftershocks"
    if z is not None:
        z = _check_score(z, n, "z")
        layer = _pick_layer(z, positive, depth)
        keep = z == layer
        x, y, score, positive = x[keep], y[keep], score[keep], positive[keep]
        title = (f"depth {abs(layer) / 1e3:g} km: {np.count_nonzero(positive)} cells with "
                 "aftershocks")
    elif depth is not None:
        raise ValueError("depth selects a layer of z; pass z as well.")
    xs, ys, grid = _to_grid(x / 1e3, y / 1e3, score)
    # a signed score (a stress change) is centred: 0 Pa gets the middle of the colour map
    norm = CenteredNorm(0.0) if score.min() < 0 < score.max() else None
    fig, ax = figure_and_axes(ax, figsize=(6, 5))
    mesh = ax.pcolormesh(xs, ys, grid, cmap=cmap, norm=norm, shading="nearest")
    ax.scatter(x[positive] / 1e3, y[positive] / 1e3, s=10, c="k", edgecolors="w", linewidths=0.4,
               label="cell with aftershocks")
    if fault_xy is not None:
        fault = np.asarray(fault_xy, dtype=np.float64)
        if fault.ndim != 2 or fault.shape[1] != 2 or not np.isfinite(fault).all():
            raise ValueError(f"fault_xy must be finite points of shape (m, 2), got shape "
                             f"{fault.shape}.")
        ax.scatter(fault[:, 0] / 1e3, fault[:, 1] / 1e3, s=12, marker="x", c="0.5",
                   linewidths=0.8, label="fault")
    ax.legend(loc="upper right", fontsize="small")
    fig.colorbar(mesh, ax=ax, label=score_name)
    ax.set_aspect("equal")
    ax.set_xlabel("x, East (km)")
    ax.set_ylabel("y, North (km)")
    ax.set_title(title)
    return fig


def plot_strike_averaged_maps(
    fields,
    metrics: Sequence[str] = ("dCFS (mu=0.4)", "dtau_max", "sqrt(3J2)"),
    *,
    tensor: str = "full",
) -> Figure:
    """Strike-averaged stress metrics and network forecast side by side (DeVries Fig. 2e-h).

    Parameters
    ----------
    fields : StrikeAveragedFields
        From :func:`skdlies.aftershocks.strike_averaged_fields`.
    metrics : sequence of str
        Metric columns of ``fields.metrics`` to draw before the forecast.
        Signed metrics (any value below zero) get a diverging symmetric-log
        colour scale in MPa, non-negative ones a logarithmic scale in MPa
        (I2 in MPa^2, I3 in MPa^3; ``r`` in km, linear; a metric that is 0
        everywhere, such as I1 of the deviator, a flat panel).
    tensor : {"full", "deviatoric"}, default="full"
        Which tensor's metrics to draw.

    Returns
    -------
    Figure
        One panel per metric and a last one with the forecast; the fault trace
        is the black line along the x axis.
    """
    names = list(metrics)
    # every map first: an unknown metric or tensor fails before a figure exists
    maps = [fields.metric_map(name, tensor) for name in names]
    spacing = fields.along_km[0, 1] - fields.along_km[0, 0] if fields.along_km.shape[1] > 1 else 0
    pad = spacing / 2  # the maps' cells are centred on along_km, across_km
    extent = [fields.along_km.min() - pad, fields.along_km.max() + pad,
              fields.across_km.min() - pad, fields.across_km.max() + pad]
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(4.2 * (len(names) + 1), 4.0),
                             layout="constrained", squeeze=False)
    half = fields.fault["length_km"] / 2
    for ax, name, values in zip(axes[0], [*names, None], [*maps, fields.forecast], strict=True):
        ticks = None
        if name is None:
            title, unit, kwargs = "network forecast", "network output", {"cmap": "viridis"}
        else:
            title = _PRETTY.get(name, name) + ("" if tensor == "full" else " (deviatoric)")
            if name == "r":
                unit, kwargs = "km", {"cmap": "viridis_r"}
            else:
                power = _STRESS_POWER.get(name, 1)  # I2 is in Pa^2, I3 in Pa^3
                values = values / 1e6**power
                unit = "MPa" + {1: "", 2: "$^2$", 3: "$^3$"}[power]
                signed = np.nanmin(values) < 0
                top = np.nanpercentile(np.abs(values), 99)
                if not np.isfinite(top) or top == 0:  # e.g. I1 of the deviator: 0 everywhere
                    kwargs = {"cmap": "RdBu_r" if signed else "magma"}
                elif signed:
                    kwargs = {"cmap": "RdBu_r",
                              "norm": SymLogNorm(top / 1e3, vmin=-top, vmax=top)}
                    decades = 10.0 ** np.arange(np.ceil(np.log10(top / 1e3)) + 1,
                                                np.floor(np.log10(top)) + 1)
                    ticks = [*(-decades[::-1]), 0.0, *decades]
                else:
                    kwargs = {"cmap": "magma", "norm": LogNorm(top / 1e3, top)}
        image = ax.imshow(values, origin="lower", extent=extent, interpolation="nearest",
                          **kwargs)
        ax.plot([-half, half], [0, 0], color="black", lw=2)
        ax.set_title(title)
        ax.set_xlabel("along strike (km)")
        ax.set_aspect("equal")
        clipped = "norm" in kwargs  # the 99th percentile tops the scale: arrows say so
        fig.colorbar(image, ax=ax, shrink=0.8, label=unit, ticks=ticks,
                     extend="both" if clipped else "neither")
    axes[0, 0].set_ylabel("across strike (km)")
    n, fault = len(fields.strikes), fields.fault
    fig.suptitle(f"Vertical right-lateral fault, {2 * half:g} km x {fault['width_km']:g} km, "
                 f"{fault['slip_m']:g} m slip; maps at {fault['depth_km']:g} km depth; "
                 f"averaged over {n} strike{'s' if n > 1 else ''}")
    return fig


#: Panel titles of the metric columns (mathtext).
_PRETTY = {"dCFS (mu=0.4)": r"$\Delta$CFS ($\mu$ = 0.4)", "dtau_max": r"$\Delta\tau_{\max}$",
           "sqrt(3J2)": r"$\sqrt{3 J_2}$"}
#: Stress metrics that are not in Pa: the invariants I2 (Pa^2) and I3 (Pa^3).
_STRESS_POWER = {"I2": 2, "I3": 3}


def _pick_layer(z: np.ndarray, positive: np.ndarray, depth: float | None) -> float:
    layers, inverse = np.unique(z, return_inverse=True)
    if depth is None:
        counts = np.bincount(inverse, weights=positive, minlength=len(layers))
        return layers[::-1][np.argmax(counts[::-1])]  # ties: the highest z (shallowest)
    spacing = np.diff(layers).min() if len(layers) > 1 else 0.0
    if not layers[0] - spacing <= -depth <= layers[-1] + spacing:
        raise ValueError(
            f"depth={depth:g} m is outside the layers of z (depths {-layers[-1]:g} to "
            f"{-layers[0]:g} m; depth is positive down, z = -depth)."
        )
    return layers[np.argmin(np.abs(layers + depth))]


def _to_grid(x: np.ndarray, y: np.ndarray, score: np.ndarray):
    """Unique sorted x and y (rounded to 1 m) and the (ny, nx) score grid, NaN where empty."""
    xs, ix = np.unique(np.round(x, 3), return_inverse=True)
    ys, iy = np.unique(np.round(y, 3), return_inverse=True)
    flat = iy * len(xs) + ix
    if len(np.unique(flat)) != len(flat):
        raise ValueError(
            "Several cells share the same (x, y) in this slice; pass z (and depth) to "
            "draw one layer of a 3-D grid."
        )
    if len(xs) * len(ys) > max(100, 10 * len(flat)):
        raise ValueError("The cells do not lie on a regular x-y grid; cannot draw a map.")
    grid = np.full(len(xs) * len(ys), np.nan)
    grid[flat] = score
    return xs, ys, np.ma.masked_invalid(grid.reshape(len(ys), len(xs)))
