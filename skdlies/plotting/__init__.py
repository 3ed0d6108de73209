"""Figures for the autoencoders: image grids, the VAE latent manifold and latent scatter plots.

All functions create a new pyplot figure (so notebooks and sphinx-gallery show it),
return the :class:`matplotlib.figure.Figure` and never call ``plt.show``; close it
with ``plt.close(fig)`` when saving many.
"""

from ._images import plot_image_rows
from ._latent import plot_latent_manifold, plot_latent_scatter

__all__ = ["plot_image_rows", "plot_latent_manifold", "plot_latent_scatter"]
