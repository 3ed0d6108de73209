"""What every skdlies autoencoder shares: the transformer contract on top of the network base."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._base import BaseNeuralEstimator
from ._modules import GaussianCorruption, ReconstructionLoss

__all__ = ["BaseAutoencoder"]


def in_unit_interval(X: np.ndarray) -> bool:
    """Whether every value of ``X`` lies in [0, 1] (pixel intensities)."""
    return bool(X.min() >= 0 and X.max() <= 1)


#: The optimizer hyperparameters of every autoencoder, with their defaults (numpydoc entries
#: for the ``{autoencoder_optimizer}`` line of a docstring).
OPTIMIZER_DOC = """\
lr : float, default=1e-3
    Learning rate.
optimizer : str or torch.optim.Optimizer subclass, default="adam"
    A :mod:`torch.optim` class or its name (case-insensitive), e.g. ``"sgd"``.
optimizer_params : dict, default=None
    Further optimizer arguments, e.g. ``{"weight_decay": 1e-5}``.
"""


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralEstimator):
    """Base class: ``fit`` / ``transform`` (codes) / ``inverse_transform`` (reconstructions).

    Subclasses implement ``_build_module``. The default training objective is
    the reconstruction loss chosen by the ``loss`` and ``output_activation``
    hyperparameters (the variational autoencoder overrides it with the ELBO).
    """

    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, dtype=np.float32)

    def _resolve_output(self, X: np.ndarray) -> None:
        """Fix ``output_activation_`` and ``loss_`` from the parameters and the data.

        ``"auto"`` picks a sigmoid output with binary cross-entropy when the
        training data lie in [0, 1] (pixel intensities), otherwise an identity
        output with squared error. Binary cross-entropy always needs the sigmoid
        and data in [0, 1].
        """
        unit = in_unit_interval(X)
        activation = self.output_activation
        if activation == "auto":
            activation = "sigmoid" if unit or self.loss == "bce" else "identity"
        loss = self.loss
        if loss == "auto":
            loss = "bce" if activation == "sigmoid" else "mse"
        if loss == "bce":
            if activation != "sigmoid":
                raise ValueError(
                    f"loss='bce' needs output_activation='sigmoid', got {activation!r}."
                )
            if not unit:
                raise ValueError(
                    "loss='bce' needs training data in [0, 1]; X has values in "
                    f"[{X.min():.4g}, {X.max():.4g}]. Scale X (e.g. MinMaxScaler(clip=True)) "
                    "or use loss='mse'."
                )
        self.output_activation_, self.loss_ = activation, loss
        self.data_range_ = (float(X.min()), float(X.max()))

    def _build_criterion(self):
        return ReconstructionLoss(self.loss_, self.output_activation_)

    def _corruption(self) -> GaussianCorruption:
        """The denoising corruption: noise of ``noise_std``, clipped to the training data range."""
        return GaussianCorruption(self.noise_std, *self.data_range_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with self._from_scratch():  # a refit that fails leaves no half-updated model behind
            X = self._validate_X(X, reset=True)
            self._resolve_output(X)
        self._fit_net(X)  # keeps the last finished epoch if training raises
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one more epoch on ``X`` (online or resumed training).

        The first call validates ``X`` and builds the network as :meth:`fit`
        does (``loss="auto"`` and the noise range are resolved from this first
        ``X``); later calls check that ``X`` has the same width. ``k`` calls on
        the same data under an int ``random_state`` give exactly the weights of
        ``fit`` with ``max_epochs=k``; after :meth:`fit`, a call trains one more
        epoch. Hyperparameters are read on the first call: a later
        ``set_params`` takes effect at the next ``fit`` (with a warning),
        except ``callbacks``, which are attached to the continuing network
        (e.g. given again after :func:`skdlies.load`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        first = self._is_first_partial_fit()
        with self._from_scratch(active=first):
            X = self._validate_X(X, reset=first)
            if first:
                self._resolve_output(X)
            elif self._needs_unit_interval() and not in_unit_interval(X):
                raise ValueError(
                    f"This {type(self).__name__} was trained with a loss for data in [0, 1]; X "
                    f"has values in [{X.min():.4g}, {X.max():.4g}]."
                )
        self._partial_fit_net(X, first=first)
        return self

    def _needs_unit_interval(self) -> bool:
        """Whether the fitted training objective only takes data in [0, 1]."""
        return self.loss_ == "bce"

    def _on_net_built(self) -> None:
        self.n_components_ = self.net_.module_.n_components

    def transform(self, X) -> np.ndarray:
        """Encode ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode, of the training data's width.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_), float32
            Latent codes (for the variational autoencoder, the posterior means).
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return self._apply(self.net_.module_.encode, X)

    def inverse_transform(self, X) -> np.ndarray:
        """Decode latent codes into reconstructions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features_in_), float32
            Mean reconstructions (output activation applied).
        """
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=np.float32, input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects codes of width n_components_={self.n_components_}, "
                f"got {Z.shape[1]} columns."
            )
        return self._apply(self.net_.module_.reconstruct, Z)

    def score(self, X, y=None) -> float:
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode and reconstruct, of the training data's width.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean((X - inverse_transform(transform(X))) ** 2)`` over all entries.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        module = self.net_.module_
        X_rec = self._apply(lambda x: module.reconstruct(module.encode(x)), X)
        return -float(np.mean((X.astype(np.float64) - X_rec) ** 2))

    @property
    def _n_features_out(self) -> int:
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
