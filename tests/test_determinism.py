"""An int random_state gives bit-identical training on the CPU; None differs between runs.

Each case exercises one source of randomness besides weight initialisation and
shuffling: denoising noise, dropout, balanced batch sampling, the VAE's
reparameterised samples.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import DenseAutoencoder, VariationalAutoencoder

TRAINING = {"max_epochs": 2, "batch_size": 50}


@pytest.fixture(scope="module")
def data(digits):
    X = np.ascontiguousarray(digits[0][:200])
    rng = np.random.default_rng(2)
    Xc = rng.normal(size=(200, 6)).astype(np.float32)
    yc = (Xc[:, 0] + 0.5 * rng.normal(size=200) > 1.0).astype(int)  # ~20 % positives
    return X, Xc, yc


CASES = {
    "denoising-noise": DenseAutoencoder((16,), 4, noise_std=0.5, **TRAINING),
    "dropout": AftershockNet((16, 16), dropout=0.5, **TRAINING),
    "balanced-batches": AftershockNet((8,), dropout=0.0, balanced_batches=True, **TRAINING),
    "vae": VariationalAutoencoder(2, (16,), **TRAINING),
}


def _fit(name, data, random_state):
    X, Xc, yc = data
    est = clone(CASES[name]).set_params(random_state=random_state)
    return est.fit(Xc, yc) if isinstance(est, AftershockNet) else est.fit(X)


def _outputs(est, data) -> list[np.ndarray]:
    X, Xc, _ = data
    weights = [p.detach().numpy().copy() for p in est.net_.module_.parameters()]
    losses = [np.array(est.net_.history[:, "train_loss"])]
    if isinstance(est, AftershockNet):
        return [*weights, *losses, est.predict_proba(Xc)]
    return [*weights, *losses, est.transform(X), est.inverse_transform(est.transform(X))]


def _identical(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", CASES)
def test_same_random_state_is_bit_identical(name, data):
    first = _outputs(_fit(name, data, 0), data)
    torch.manual_seed(12345)  # the caller's global generator plays no part
    torch.rand(10)
    assert _identical(first, _outputs(_fit(name, data, 0), data))
    assert not _identical(first, _outputs(_fit(name, data, 1), data))


@pytest.mark.parametrize("name", CASES)
def test_random_state_none_differs_between_runs(name, data):
    torch.manual_seed(0)
    first = _outputs(_fit(name, data, None), data)
    torch.manual_seed(0)  # not even a reseeded global generator makes None repeat
    assert not _identical(first, _outputs(_fit(name, data, None), data))


def test_randomstate_instance_draws_a_new_seed_per_fit(data):
    rng = np.random.RandomState(0)
    a = _outputs(_fit("denoising-noise", data, rng), data)
    b = _outputs(_fit("denoising-noise", data, rng), data)
    assert not _identical(a, b)
    again = np.random.RandomState(0)
    assert _identical(a, _outputs(_fit("denoising-noise", data, again), data))


def test_the_randomness_under_test_is_active(data):
    """Noise and dropout change training: without them the same seed gives other weights."""
    for name, off in [("denoising-noise", {"noise_std": 0.0}), ("dropout", {"dropout": 0.0})]:
        est = clone(CASES[name]).set_params(random_state=0, **off)
        X, Xc, yc = data
        est = est.fit(Xc, yc) if isinstance(est, AftershockNet) else est.fit(X)
        assert not _identical(_outputs(est, data), _outputs(_fit(name, data, 0), data)), name


def test_vae_sampling_and_elbo_are_reproducible(data):
    X = data[0]
    vae, same = _fit("vae", data, 0), _fit("vae", data, 0)
    assert np.array_equal(vae.sample(20, random_state=3), same.sample(20, random_state=3))
    assert not np.array_equal(vae.sample(20, random_state=3), vae.sample(20, random_state=4))
    assert not np.array_equal(vae.sample(20), vae.sample(20))
    assert np.array_equal(vae.score_samples(X), same.score_samples(X))
    assert np.array_equal(vae.score_samples(X), vae.score_samples(X))
    assert np.array_equal(vae.transform(X), same.transform(X))
    other = _fit("vae", data, None)
    assert not np.array_equal(vae.score_samples(X), other.score_samples(X))
