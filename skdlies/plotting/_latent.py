"""The latent space of a 2-D variational autoencoder."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy.stats import norm
from sklearn.utils.validation import check_is_fitted

from .._warnings import user_stacklevel
from ._axes import figure_and_axes
from ._images import _image_shape

__all__ = ["plot_latent_manifold", "plot_latent_scatter"]


def plot_latent_manifold(
    vae,
    *,
    n_per_side: int = 15,
    quantiles: tuple[float, float] = (0.05, 0.95),
    image_shape: tuple[int, int] | None = None,
    cmap: str = "gray",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Decode a grid of the 2-D latent space into one mosaic of images.

    The grid points are the standard-normal quantiles of ``n_per_side`` evenly
    spaced probabilities between ``quantiles``, so it covers the prior's mass;
    they are evenly spaced in probability, not in z. The tiles are therefore
    drawn side by side, and each axis is ticked at tile centres with the z
    value that tile decodes.

    Parameters
    ----------
    vae : fitted VariationalAutoencoder with ``n_components_ == 2``
        The model whose decoder (``vae.inverse_transform``) draws the images.
    n_per_side : int, default=15
        Grid points along each latent axis (``n_per_side ** 2`` images).
    quantiles : (low, high), default=(0.05, 0.95)
        Probabilities of the first and last grid points on each axis, with
        ``0 < low < high < 1``.
    image_shape : (height, width), optional
        For non-square images.
    cmap : str, default="gray"
        Matplotlib colormap of the images; thin white lines separate them.
    title : str, optional
        Title of the axes; ``"Decoded from a grid of the latent space"`` if
        not given.
    ax : matplotlib Axes, optional
        Draw into it (e.g. one panel of a grid); default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: one mosaic, ``z[0]`` growing to the right and ``z[1]``
        upwards, ticked with the z values of the tiles.
    """
    check_is_fitted(vae, "net_")
    if vae.n_components_ != 2:
        raise ValueError(
            f"The manifold plot needs a 2-D latent space; n_components_={vae.n_components_}."
        )
    if not 0 < quantiles[0] < quantiles[1] < 1:
        raise ValueError(f"quantiles must satisfy 0 < low < high < 1, got {quantiles}.")
    axis = norm.ppf(np.linspace(*quantiles, n_per_side))
    z1, z2 = np.meshgrid(axis, axis[::-1])
    images = vae.inverse_transform(np.column_stack([z1.ravel(), z2.ravel()]))
    h, w = _image_shape(images.shape[1], image_shape)
    tiles = images.reshape(n_per_side, n_per_side, h, w).astype(np.float64)
    mosaic = tiles.transpose(0, 2, 1, 3).reshape(n_per_side * h, n_per_side * w)
    colormap = plt.get_cmap(cmap)  # an unknown cmap fails here
    fig, ax = figure_and_axes(ax, figsize=(7, 7))
    # one unit per tile: tile i spans i .. i + 1 and is centred on i + 1/2 on both axes
    ax.imshow(mosaic, cmap=colormap, extent=(0, n_per_side, 0, n_per_side),
              interpolation="nearest")
    for edge in range(1, n_per_side):  # thin white borders, the same width at any resolution
        ax.axvline(edge, color="white", lw=0.8)
        ax.axhline(edge, color="white", lw=0.8)
    step = max(1, n_per_side // 7)
    ticks = np.arange(0, n_per_side, step)
    ax.set_xticks(ticks + 0.5, [f"{axis[i]:.2f}" for i in ticks])
    ax.set_yticks(ticks + 0.5, [f"{axis[i]:.2f}" for i in ticks])
    spread = f"tiles at N(0, 1) quantiles {quantiles[0]:.0%}-{quantiles[1]:.0%}"
    ax.set_xlabel(f"z[0] ({spread})")
    ax.set_ylabel("z[1]")
    ax.set_title(title or "Decoded from a grid of the latent space")
    return fig


def plot_latent_scatter(Z: ArrayLike, labels: ArrayLike | None = None, *, cmap: str = "tab10",
                        title: str | None = None, colorbar_label: str = "label",
                        ax: Axes | None = None) -> Figure:
    """Scatter plot of 2-D latent codes, coloured by label.

    Parameters
    ----------
    Z : array-like of shape (n_samples, 2)
        Latent codes, e.g. ``vae.transform(X)``.
    labels : array-like of shape (n_samples,), optional
        Class of each point, numbers or strings: one colour per class, named
        on a discrete colour bar.
    cmap : str, default="tab10"
        Matplotlib colormap of the labels (unused without ``labels``). A
        qualitative map with fewer colours than classes gives way to
        ``"tab20"`` (up to 20 classes) or ``"turbo"``, with a warning unless it
        is the default.
    title : str, optional
        Title of the axes; ``"Latent means of the data"`` if not given.
    colorbar_label : str, default="label"
        What the classes are, e.g. ``"digit"``.
    ax : matplotlib Axes, optional
        Draw into it (e.g. one panel of a grid); default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: ``z[0]`` against ``z[1]`` on equal scales, one
        semi-transparent point per sample (dense regions stay readable).
    """
    Z = np.asarray(Z)
    if Z.ndim != 2 or Z.shape[1] != 2:
        raise ValueError(f"Z must have shape (n_samples, 2), got {Z.shape}.")
    if labels is not None and len(labels) != len(Z):
        raise ValueError(f"{len(labels)} labels for {len(Z)} points.")
    colormap = plt.get_cmap(cmap)  # an unknown cmap fails before a figure exists
    fig, ax = figure_and_axes(ax, figsize=(7, 6))
    # many points: small and see-through, so dense regions stay readable; few: plain dots
    many = len(Z) > 2000
    style = {"s": 3 if many else 8, "alpha": 0.4 if many else 0.9, "linewidths": 0,
             "rasterized": True}
    if labels is None:
        ax.scatter(Z[:, 0], Z[:, 1], **style)
    else:
        classes, codes = np.unique(np.asarray(labels), return_inverse=True)
        k = len(classes)
        if isinstance(colormap, ListedColormap) and colormap.N < k:
            # a qualitative map would repeat its colours: more colours, one per class
            wider = "tab20" if k <= 20 else "turbo"
            if cmap != "tab10":
                warnings.warn(f"{k} classes but the colormap {cmap!r} has {colormap.N} colours; "
                              f"using {wider!r}.", UserWarning, stacklevel=user_stacklevel())
            colormap = plt.get_cmap(wider)
        colours = colormap.resampled(k) if colormap.N != k else colormap
        points = ax.scatter(Z[:, 0], Z[:, 1], c=codes, cmap=colours, vmin=-0.5,
                            vmax=k - 0.5, **style)
        bar = fig.colorbar(points, ax=ax, label=colorbar_label, ticks=np.arange(k))
        bar.solids.set_alpha(1)
        bar.ax.set_yticklabels([str(c) for c in classes])
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_aspect("equal", adjustable="box")  # the prior is isotropic; box: shared axes work
    ax.set_title(title or "Latent means of the data")
    return fig
