"""Autoencoders as scikit-learn transformers.

- :class:`DenseAutoencoder`: fully connected; denoising with ``noise_std > 0``.
- :class:`ConvAutoencoder`: convolutional, for single-channel images.
- :class:`VariationalAutoencoder`: a generative model with :meth:`~VariationalAutoencoder.sample`.
"""

from ._base import BaseAutoencoder
from ._conv import ConvAutoencoder
from ._dense import DenseAutoencoder
from ._vae import VariationalAutoencoder

__all__ = ["BaseAutoencoder", "ConvAutoencoder", "DenseAutoencoder", "VariationalAutoencoder"]
