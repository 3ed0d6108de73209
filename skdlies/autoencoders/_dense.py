"""Fully connected (and denoising) autoencoder."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from .._base import SHARED_TRAINING_DOC, BaseNeuralEstimator, check_layer_sizes
from .._docstrings import with_sections
from .._nn import ACTIVATIONS
from ._base import OPTIMIZER_DOC, BaseAutoencoder
from ._modules import DenseAE

__all__ = ["DenseAutoencoder"]

#: Hyperparameters shared by the reconstruction autoencoders (dense and convolutional).
RECONSTRUCTION_CONSTRAINTS: dict = {
    "activation": [StrOptions(set(ACTIVATIONS))],
    "noise_std": [Interval(Real, 0, None, closed="left")],
    "loss": [StrOptions({"auto", "bce", "mse"})],
    "output_activation": [StrOptions({"auto", "sigmoid", "identity"})],
}


@with_sections(autoencoder_optimizer=OPTIMIZER_DOC, shared_training=SHARED_TRAINING_DOC)
class DenseAutoencoder(BaseAutoencoder):
    """Fully connected autoencoder; a denoising autoencoder when ``noise_std > 0``.

    The encoder maps ``n_features -> hidden_layer_sizes -> n_components`` (linear
    code layer); the decoder mirrors it. ``transform`` gives the codes,
    ``inverse_transform`` the reconstructions, ``score`` the negative mean squared
    reconstruction error.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers (the decoder uses them reversed).
    n_components : int, default=32
        Width of the latent code.
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "selu", "identity"}, default="relu"
        Hidden-layer activation (the PyTorch module of that name).
    noise_std : float, default=0.0
        Standard deviation of the Gaussian noise added to the inputs during
        training (fresh noise each batch, clipped to the range of the training
        data, i.e. [0, 1] for pixel intensities). The target stays the clean
        input, so ``noise_std=0.5`` gives the classic denoising autoencoder.
    loss : {"auto", "bce", "mse"}, default="auto"
        Reconstruction loss. ``"auto"``: binary cross-entropy when the
        output activation is the sigmoid, else squared error.
    output_activation : {"auto", "sigmoid", "identity"}, default="auto"
        ``"auto"``: sigmoid when the training data lie in [0, 1], else identity.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=256
        Samples per gradient step.
    {autoencoder_optimizer}
    {shared_training}

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net (``net_.module_``, ``net_.history``).
    n_components_ : int
        Width of the code.
    loss_, output_activation_ : str
        The loss and output activation used (``"auto"`` resolved).
    data_range_ : tuple of float
        Minimum and maximum of the training data (the clipping range of the noise).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.

    Examples
    --------
    >>> from skdlies.autoencoders import DenseAutoencoder
    >>> from skdlies.datasets import load_small_digits
    >>> X = load_small_digits().data
    >>> ae = DenseAutoencoder(n_components=8, max_epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1437, 8)
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        **RECONSTRUCTION_CONSTRAINTS,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (128, 64),
        n_components: int = 32,
        *,
        activation: str = "relu",
        noise_std: float = 0.0,
        loss: str = "auto",
        output_activation: str = "auto",
        max_epochs: int = 100,
        batch_size: int = 256,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_components = n_components
        self.activation = activation
        self.noise_std = noise_std
        self.loss = loss
        self.output_activation = output_activation

    def _build_module(self, X):
        return DenseAE(
            n_features=X.shape[1],
            hidden_layer_sizes=check_layer_sizes(self.hidden_layer_sizes),
            n_components=self.n_components,
            activation=self.activation,
            output_activation=self.output_activation_,
            corruption=self._corruption(),
        )

