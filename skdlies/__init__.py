"""skdlies: scikit-learn-compatible deep learning for Earth science.

Subpackages
-----------
autoencoders
    Dense, denoising, convolutional and variational autoencoders as transformers.
aftershocks
    Aftershock-location forecasting after DeVries et al. (2018): the network, its
    evaluation (ROC AUC per earthquake) and the forward model (stress grids and labels).
stress
    Static stress-change metrics and transformers (Pa, tension positive, x East, y North,
    z Up) and the elastic half-space stress of rectangular dislocations.
datasets
    MNIST (hash-checked download and cache), the built-in 8x8 digits, the DeVries et al.
    files, SRCMOD slip models and earthquake catalogs.
plotting
    Figures: image grids, the VAE latent manifold and latent scatter plots.

Functions
---------
save, load
    Write a fitted network to a safetensors file and read it back, without pickle.

Warnings
--------
TrainingInterruptedWarning
    Training stopped by Ctrl-C in the middle of an epoch (the last finished epoch is kept).
TrainingDivergedWarning
    The training loss became NaN or infinite.
"""

__version__ = "0.1.0"

# light: _persistence imports torch and safetensors on first call only, _warnings never
from ._persistence import load, save
from ._warnings import TrainingDivergedWarning, TrainingInterruptedWarning

__all__ = ["TrainingDivergedWarning", "TrainingInterruptedWarning", "__version__", "load", "save"]
