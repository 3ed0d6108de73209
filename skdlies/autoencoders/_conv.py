"""Convolutional (and denoising) autoencoder for single-channel images."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from .._base import SHARED_TRAINING_DOC, BaseNeuralEstimator, check_layer_sizes
from .._docstrings import with_sections
from ._base import OPTIMIZER_DOC, BaseAutoencoder
from ._dense import RECONSTRUCTION_CONSTRAINTS
from ._modules import ConvAE

__all__ = ["ConvAutoencoder"]


def infer_image_shape(n_features: int) -> tuple[int, int]:
    """Square images when ``n_features`` is a perfect square, else one row of pixels."""
    side = math.isqrt(n_features)
    return (side, side) if side * side == n_features else (1, n_features)


@with_sections(autoencoder_optimizer=OPTIMIZER_DOC, shared_training=SHARED_TRAINING_DOC)
class ConvAutoencoder(BaseAutoencoder):
    """Convolutional autoencoder for single-channel images (the lecture's architecture).

    Encoder: for each entry of ``filters``, a ``kernel_size`` convolution with
    that many filters, the activation and 2x2 max-pooling. Decoder: the mirror
    image with 2x nearest-neighbour upsampling, then a one-filter convolution and
    the output activation. With the default ``filters=(32, 32)`` a 28x28 image
    has a 32x7x7 = 1568-value code. Sides that are not multiples of
    ``2 ** len(filters)`` are zero-padded internally and cropped back.

    Images may be given as ``(n, height, width)``, ``(n, 1, height, width)`` or
    flat ``(n, height * width)``; outputs are always flat, as for every
    scikit-learn transformer (reshape with ``image_shape_``).

    With the default ``loss="auto"`` pixel data in [0, 1] are trained with binary
    cross-entropy: squared error with Adam at lr 1e-3 lets this architecture
    collapse to a constant image from some seeds.

    Parameters
    ----------
    image_shape : tuple of int (height, width) or None, default=None
        Shape of one image. ``None``: taken from 3-D/4-D input, else square
        images from the number of features (a single row of pixels when that is
        not a perfect square).
    filters : tuple of int, default=(32, 32)
        Filters of each encoder convolution (one 2x pooling each).
    kernel_size : int, default=3
        Odd convolution kernel size ("same" padding).
    activation, noise_std, loss, output_activation :
        As in :class:`DenseAutoencoder`.
    max_epochs : int, default=20
        Passes over the training data.
    batch_size : int, default=128
        Samples per gradient step.
    {autoencoder_optimizer}
    {shared_training}

    Attributes
    ----------
    image_shape_ : tuple of int
        The image shape used.
    net_, n_components_, loss_, output_activation_, data_range_, n_features_in_ :
        As in :class:`DenseAutoencoder`.
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        **RECONSTRUCTION_CONSTRAINTS,
        "image_shape": ["array-like", None],
        "filters": ["array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        image_shape: tuple[int, int] | None = None,
        filters: tuple[int, ...] = (32, 32),
        kernel_size: int = 3,
        *,
        activation: str = "relu",
        noise_std: float = 0.0,
        loss: str = "auto",
        output_activation: str = "auto",
        max_epochs: int = 20,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer="adam",
        optimizer_params: dict | None = None,
        validation_fraction: float | None = None,
        callbacks: list | None = None,
        device: str = "cpu",
        cuda_graph: bool = False,
        random_state=None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            optimizer_params=optimizer_params, validation_fraction=validation_fraction,
            callbacks=callbacks, device=device, cuda_graph=cuda_graph,
            random_state=random_state, verbose=verbose,
        )
        self.image_shape = image_shape
        self.filters = filters
        self.kernel_size = kernel_size
        self.activation = activation
        self.noise_std = noise_std
        self.loss = loss
        self.output_activation = output_activation

    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        image_shape = None
        if isinstance(X, list | tuple):
            X = np.asarray(X)
        ndim = len(X.shape) if hasattr(X, "shape") else 2
        if ndim == 4:
            X = np.asarray(X)
            if X.shape[1] != 1:
                raise ValueError(
                    f"ConvAutoencoder takes single-channel images; got shape {X.shape} "
                    f"with {X.shape[1]} channels on axis 1."
                )
            image_shape = X.shape[2:]
        elif ndim == 3:
            X = np.asarray(X)
            image_shape = X.shape[1:]
        if image_shape is not None:
            X = X.reshape(len(X), -1)
        X = validate_data(self, X, reset=reset, dtype=np.float32)
        if reset:
            self.image_shape_ = self._check_image_shape(image_shape, X.shape[1])
        elif image_shape is not None and tuple(image_shape) != self.image_shape_:
            raise ValueError(
                f"ConvAutoencoder was fitted on images of shape {self.image_shape_}, "
                f"got images of shape {tuple(image_shape)}."
            )
        return X

    def _check_image_shape(self, given, n_features: int) -> tuple[int, int]:
        shape = self.image_shape if self.image_shape is not None else given
        if shape is None:
            return infer_image_shape(n_features)
        shape = check_layer_sizes(shape, "image_shape")
        if len(shape) != 2:
            raise ValueError(
                f"image_shape must be (height, width) of single-channel images, got {shape}."
            )
        if math.prod(shape) != n_features:
            raise ValueError(
                f"ConvAutoencoder expects images of shape {shape} "
                f"({math.prod(shape)} pixels); got {n_features} features per sample."
            )
        if given is not None and tuple(given) != shape:
            raise ValueError(f"image_shape={shape} but X holds images of shape {tuple(given)}.")
        return shape

    def _build_module(self, X):
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd ('same' padding), got {self.kernel_size}.")
        return ConvAE(
            image_shape=self.image_shape_,
            filters=check_layer_sizes(self.filters, "filters", min_length=1),
            kernel_size=self.kernel_size,
            activation=self.activation,
            output_activation=self.output_activation_,
            corruption=self._corruption(),
        )
