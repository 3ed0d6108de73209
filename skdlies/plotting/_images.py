"""Rows of images: originals vs reconstructions, noisy vs denoised."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_image_rows"]


def _image_shape(n_pixels: int, image_shape: tuple[int, int] | None) -> tuple[int, int]:
    if image_shape is not None:
        if len(image_shape) != 2 or math.prod(image_shape) != n_pixels:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not hold images of {n_pixels} pixels; "
                "give (height, width) with height * width == n_pixels."
            )
        return tuple(image_shape)
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"Cannot infer a square image from {n_pixels} pixels; pass image_shape.")
    return side, side


def plot_image_rows(
    rows: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    *,
    n_images: int = 10,
    image_shape: tuple[int, int] | None = None,
    cmap: str = "gray",
    title: str | None = None,
) -> Figure:
    """Show the first ``n_images`` images of each array as one row of a grid.

    The classic autoencoder figure: ``plot_image_rows([X, ae.inverse_transform(ae.transform(X))],
    ["original", "reconstruction"])``.

    Parameters
    ----------
    rows : sequence of array-like of shape (n_samples, n_pixels) or (n_samples, height, width)
        One array per row; the i-th column shows the i-th image of every array.
    labels : sequence of str, optional
        A label for each row, written on the left.
    n_images : int, default=10
        Images per row (fewer if an array is shorter).
    image_shape : (height, width), optional
        Needed for flat non-square images; square ones are inferred.
    cmap : str, default="gray"
        Matplotlib colormap of the images, drawn on the fixed range 0 to 1
        (pixel intensities).
    title : str, optional
        Title above the whole grid; none if not given.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: one row of axes per array, one image per axes.
    """
    if len(rows) == 0:
        raise ValueError("rows is empty: give at least one array of images.")
    if labels is not None and len(labels) != len(rows):
        raise ValueError(f"{len(labels)} labels for {len(rows)} rows.")
    if isinstance(rows, np.ndarray):  # one array would be read as a row per image
        raise ValueError(
            f"rows must be a list of image arrays, got one array of shape {rows.shape}; "
            "pass [X] for a single row."
        )
    arrays = [np.asarray(r) for r in rows]
    for r, array in enumerate(arrays):
        if array.ndim not in (2, 3):
            raise ValueError(
                f"row {r} has shape {array.shape}; give (n_samples, n_pixels) or "
                "(n_samples, height, width) images."
            )
    n_cols = min(n_images, *(len(a) for a in arrays))
    if n_cols < 1:
        raise ValueError("every row needs at least one image.")
    # shapes checked before the figure exists, so that an error leaves none open
    images = [array[:n_cols].reshape(
        n_cols, *(array.shape[1:] if array.ndim == 3 else _image_shape(array.shape[1], image_shape))
    ) for array in arrays]
    fig = plt.figure(figsize=(1.2 * n_cols + 1, 1.3 * len(arrays) + (0.4 if title else 0)))
    axes = fig.subplots(len(arrays), n_cols, squeeze=False)
    for r, row in enumerate(images):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.imshow(row[c], cmap=cmap, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        if labels is not None:
            axes[r, 0].set_ylabel(labels[r], rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
