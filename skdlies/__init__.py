"""skdlies: scikit-learn-compatible deep learning for Earth science.

Subpackages
-----------
autoencoders
    Dense, denoising, convolutional and variational autoencoders as transformers.
datasets
    MNIST (hash-checked download and cache) and the built-in 8x8 digits.
plotting
    Figures: image grids, the VAE latent manifold and latent scatter plots.
"""

__version__ = "0.1.0"
