"""Variational autoencoder (Kingma & Welling 2014)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import ndtri
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import SHARED_TRAINING_DOC, BaseNeuralEstimator, check_layer_sizes
from .._docstrings import with_sections
from .._nn import ACTIVATIONS
from .._warnings import user_stacklevel
from ._base import OPTIMIZER_DOC, BaseAutoencoder, in_unit_interval
from ._modules import VAE, VAELoss, negative_elbo

__all__ = ["VariationalAutoencoder"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that scatters nearby inputs."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def row_noise(X: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` standard normal draws (float32), each row's a fixed function of its values.

    The row's float32 bits are hashed (splitmix64) into a seed; ``k`` uniforms are
    hashed from it and mapped through the normal quantile function.
    """
    bits = np.ascontiguousarray(X, dtype=np.float32).view(np.uint32).astype(np.uint64)
    seed = np.full(len(bits), _GOLDEN, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in bits.T:
            seed = _mix(seed ^ column) + _GOLDEN
        uniforms = [
            ((_mix(seed + np.uint64(j + 1) * _GOLDEN) >> np.uint64(11)) + 0.5) * 2.0**-53
            for j in range(k)
        ]
    return ndtri(np.stack(uniforms, axis=1)).astype(np.float32)


@with_sections(autoencoder_optimizer=OPTIMIZER_DOC, shared_training=SHARED_TRAINING_DOC)
class VariationalAutoencoder(BaseAutoencoder):
    """Variational autoencoder with a diagonal Gaussian posterior and an N(0, I) prior.

    Trained by maximising the evidence lower bound (ELBO) per sample, in nats:
    ``ELBO = E_q[log p(x | z)] - beta * KL(q(z | x) || N(0, I))`` with the
    reconstruction term summed over all features (per image, not per pixel) and
    estimated with one reparameterised sample of z.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the latent space.
    hidden_layer_sizes : int or tuple of int, default=(512,)
        Encoder hidden layers; the decoder uses them reversed.
    beta : float, default=1.0
        Weight of the KL term during training (``beta != 1`` gives a beta-VAE).
        :meth:`score` always reports the true ELBO (``beta = 1``).
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        Decoder likelihood. ``"bernoulli"`` (binary cross-entropy; data in
        [0, 1], e.g. pixel intensities); ``"gaussian"``: unit variance.
        ``"auto"``: Bernoulli when the training data lie in [0, 1].
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "selu", "identity"}, default="relu"
        Activation of the hidden layers of the encoder and decoder (the mean
        and log-variance layers are linear).
    max_epochs : int, default=50
        Passes over the training data.
    batch_size : int, default=128
        Samples per gradient step.
    {autoencoder_optimizer}
    {shared_training}

    Attributes
    ----------
    likelihood_ : str
        The likelihood used (``"auto"`` resolved).
    net_, n_components_, n_features_in_ :
        As in :class:`DenseAutoencoder`.

    Notes
    -----
    ``transform`` returns the posterior means, ``inverse_transform`` the decoded
    means (pixel probabilities for the Bernoulli likelihood) and :meth:`sample`
    decodes draws from the prior.
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "likelihood": [StrOptions({"auto", "bernoulli", "gaussian"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        n_components: int = 2,
        hidden_layer_sizes: tuple[int, ...] = (512,),
        *,
        beta: float = 1.0,
        likelihood: str = "auto",
        activation: str = "relu",
        max_epochs: int = 50,
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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.beta = beta
        self.likelihood = likelihood
        self.activation = activation

    def _resolve_output(self, X: np.ndarray) -> None:
        unit = in_unit_interval(X)
        likelihood = self.likelihood
        if likelihood == "auto":
            likelihood = "bernoulli" if unit else "gaussian"
            if (not unit and X.size and X.min() >= 0 and X.max() in (255, 65535)
                    and np.array_equal(X, np.round(X))):
                warnings.warn(
                    f"X holds whole numbers from {X.min():g} to {X.max():g}: raw 8- or 16-bit "
                    "pixel values? likelihood='auto' chose a unit-variance Gaussian, which fits "
                    "such images poorly (blank samples, codes far from the prior). Scale them "
                    "to [0, 1] (e.g. X / 255) for the Bernoulli likelihood, or pass "
                    "likelihood='gaussian' to keep this one.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
        elif likelihood == "bernoulli" and not unit:
            raise ValueError(
                "likelihood='bernoulli' needs training data in [0, 1]; X has values in "
                f"[{X.min():.4g}, {X.max():.4g}]. Scale X or use likelihood='gaussian'."
            )
        self.likelihood_ = likelihood

    def _needs_unit_interval(self) -> bool:
        return self.likelihood_ == "bernoulli"

    def _build_module(self, X):
        return VAE(
            n_features=X.shape[1],
            hidden_layer_sizes=check_layer_sizes(self.hidden_layer_sizes),
            n_components=self.n_components,
            activation=self.activation,
            output_activation="sigmoid" if self.likelihood_ == "bernoulli" else "identity",
        )

    def _build_criterion(self):
        return VAELoss(self.likelihood_, self.beta)

    def score_samples(self, X) -> np.ndarray:
        """ELBO of each sample in nats (a lower bound of ``log p(x)``).

        The expectation over the posterior is estimated with one sample
        ``z = mean + sd * eps`` per row, whose standard normal ``eps`` is drawn
        from a seed made of the row's own values: a row's value is an unbiased
        estimate that does not depend on the other rows or their order (up to
        the float32 rounding of batched arithmetic, about 1e-7), repeated
        calls give identical values, and the draws of different rows are
        independent, so that :meth:`score` averages their noise out.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data of the training data's width (in [0, 1] for the Bernoulli likelihood).

        Returns
        -------
        elbo : ndarray of shape (n_samples,), float64
            ELBO of each row (nats); higher means the row is better explained.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        if self.likelihood_ == "bernoulli" and not in_unit_interval(X):
            raise ValueError(
                "This VariationalAutoencoder has a Bernoulli likelihood: X must lie in [0, 1], "
                f"got values in [{X.min():.4g}, {X.max():.4g}]."
            )
        module = self.net_.module_
        width = X.shape[1]
        # each row's noise is a fixed function of its values: rows are independent of each
        # other (the mean over rows averages the noise out) and of the batch they come in
        with_noise = np.hstack([X, row_noise(X, module.n_components)])

        def elbo_of(batch: torch.Tensor) -> torch.Tensor:
            x, eps = batch[:, :width], batch[:, width:]
            # summed over the features in float64: the same row gives the same value in any batch
            outputs = tuple(t.double() for t in module(x, eps))
            return -negative_elbo(outputs, x.double(), self.likelihood_)

        return self._apply(elbo_of, with_noise).astype(np.float64)

    def score(self, X, y=None) -> float:
        """Mean ELBO per sample in nats (higher is better); see :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, as for :meth:`score_samples`.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``mean(score_samples(X))``: the mean ELBO per sample (nats).
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples: int = 1, random_state=None) -> np.ndarray:
        """Generate data by decoding draws of z from the N(0, I) prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; an int gives the same samples every call.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), float32
            Decoded means (pixel intensities for the Bernoulli likelihood).
        """
        check_is_fitted(self, "net_")
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = check_random_state(random_state)
        z = rng.standard_normal((n_samples, self.n_components_)).astype(np.float32)
        return self.inverse_transform(z)
