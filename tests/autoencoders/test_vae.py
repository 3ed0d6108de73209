"""VariationalAutoencoder specifics: the ELBO, sampling and likelihoods."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from skdlies.autoencoders import VariationalAutoencoder
from skdlies.autoencoders._modules import negative_elbo

FAST = {"n_components": 2, "hidden_layer_sizes": (16,), "max_epochs": 3, "random_state": 0}


def test_negative_elbo_matches_hand_computation():
    rng = np.random.default_rng(0)
    x = rng.random((4, 5))
    logits, mean, logvar = rng.normal(size=(4, 5)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    p = 1 / (1 + np.exp(-logits))
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(1)
    kl = 0.5 * (mean**2 + np.exp(logvar) - 1 - logvar).sum(1)
    t = [torch.from_numpy(a) for a in (logits, mean, logvar)]
    got = negative_elbo(tuple(t), torch.from_numpy(x), "bernoulli", beta=2.0).numpy()
    np.testing.assert_allclose(got, bce + 2.0 * kl, rtol=1e-10)
    gauss = 0.5 * ((x - logits) ** 2).sum(1) + 2.5 * math.log(2 * math.pi) + kl
    got = negative_elbo(tuple(t), torch.from_numpy(x), "gaussian").numpy()
    np.testing.assert_allclose(got, gauss, rtol=1e-10)


def test_score_is_mean_elbo_and_deterministic(small_X):
    vae = VariationalAutoencoder(**FAST).fit(small_X)
    elbo = vae.score_samples(small_X)
    assert elbo.shape == (len(small_X),) and np.all(elbo < 0)
    assert vae.score(small_X) == pytest.approx(elbo.mean())
    np.testing.assert_array_equal(vae.score_samples(small_X), elbo)


def test_training_raises_the_elbo(small_X):
    a = VariationalAutoencoder(**{**FAST, "max_epochs": 1}).fit(small_X).score(small_X)
    b = VariationalAutoencoder(**{**FAST, "max_epochs": 30}).fit(small_X).score(small_X)
    assert b > a + 1


def test_sample_shape_range_and_seed(small_X):
    vae = VariationalAutoencoder(**FAST).fit(small_X)
    a = vae.sample(5, random_state=0)
    assert a.shape == (5, 64) and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, vae.sample(5, random_state=0))
    assert not np.array_equal(a, vae.sample(5, random_state=1))
    assert not np.array_equal(vae.sample(5), vae.sample(5))
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample(0)


def test_transform_is_posterior_mean(small_X):
    vae = VariationalAutoencoder(**FAST).fit(small_X)
    mean, _ = vae.net_.module_.encode_distribution(torch.from_numpy(small_X[:4]))
    np.testing.assert_allclose(vae.transform(small_X[:4]), mean.detach().numpy(), rtol=1e-6)


def test_beta_weights_the_kl_term(small_X):
    low = VariationalAutoencoder(**{**FAST, "beta": 0.0, "max_epochs": 20}).fit(small_X)
    high = VariationalAutoencoder(**{**FAST, "beta": 4.0, "max_epochs": 20}).fit(small_X)
    assert np.abs(low.transform(small_X)).mean() > np.abs(high.transform(small_X)).mean()


def test_likelihoods(small_X):
    real = small_X * 4 - 2
    assert VariationalAutoencoder(**FAST).fit(real).likelihood_ == "gaussian"
    with pytest.raises(ValueError, match=r"likelihood='bernoulli' needs training data in \[0, 1\]"):
        VariationalAutoencoder(likelihood="bernoulli", **FAST).fit(real)
    vae = VariationalAutoencoder(**FAST).fit(small_X)
    assert vae.likelihood_ == "bernoulli"
    with pytest.raises(ValueError, match="Bernoulli likelihood"):
        vae.score(real)


def test_decoder_reads_the_reparameterised_sample():
    """z = mean + exp(logvar / 2) * eps, with eps drawn from PyTorch's generator."""
    from skdlies.autoencoders._modules import VAE

    torch.manual_seed(0)
    module = VAE(n_features=5, hidden_layer_sizes=(8,), n_components=3, activation="relu",
                 output_activation="sigmoid").double()
    x = torch.rand(4, 5, dtype=torch.float64)
    seen = []
    module.decoder.register_forward_pre_hook(lambda _, args: seen.append(args[0].detach()))
    torch.manual_seed(123)
    _, mean, logvar = module(x)
    torch.manual_seed(123)
    eps = torch.randn_like(mean)
    torch.testing.assert_close(seen[0], mean + torch.exp(0.5 * logvar) * eps, rtol=1e-12,
                               atol=1e-12)


def test_score_is_the_elbo_whatever_the_training_beta(digits):
    X = digits[0][:200]
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_epochs=2, beta=4.0,
                                 random_state=0).fit(X)
    score = vae.score(X)
    assert vae.set_params(beta=1.0).score(X) == score


def test_a_rows_elbo_does_not_depend_on_the_other_rows(digits):
    """One noise draw shared by every row: alone, in a batch or reordered, the same value
    (to float32 rounding of the network; it differed by nats)."""
    X = digits[0][:300]
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_epochs=2,
                                 random_state=0).fit(X)
    every = vae.score_samples(X)
    np.testing.assert_allclose(vae.score_samples(X[:1]), every[:1], rtol=1e-6)
    np.testing.assert_allclose(vae.score_samples(X[::-1]), every[::-1], rtol=1e-6)
    np.testing.assert_allclose(vae.score_samples(X[100:130]), every[100:130], rtol=1e-6)
    assert np.array_equal(vae.score_samples(X), every)  # repeatable


def test_raw_pixel_counts_get_a_warning(digits):
    X = np.round(digits[0][:100] * 255)  # 0..255, as mnist.npz ships them
    with pytest.warns(UserWarning, match="from 0 to 255: raw 8- or 16-bit pixel values"):
        vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_epochs=1,
                                     random_state=0).fit(X)
    assert vae.likelihood_ == "gaussian"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_epochs=1,
                               likelihood="gaussian", random_state=0).fit(X)  # chosen: silent
        VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_epochs=1,
                               random_state=0).fit(X / 255)


def test_score_samples_draws_each_rows_noise_from_the_row(digits):
    """Each row's noise is a fixed function of the row: rows get independent draws (the mean
    over the rows averages them out) yet a row's value never depends on the other rows."""
    from skdlies.autoencoders._modules import negative_elbo
    from skdlies.autoencoders._vae import row_noise

    X = digits[0][:1000]
    vae = VariationalAutoencoder(n_components=4, hidden_layer_sizes=(16,), max_epochs=2,
                                 random_state=0).fit(X)
    noise = row_noise(X, 4)
    assert noise.shape == (1000, 4) and noise.dtype == np.float32
    assert len(np.unique(noise, axis=0)) == len(np.unique(X, axis=0))  # not one shared draw
    assert abs(noise.mean()) < 0.1 and abs(noise.std() - 1) < 0.05
    assert abs(np.corrcoef(noise[:-1].ravel(), noise[1:].ravel())[0, 1]) < 0.1
    T = torch.tensor(X)
    with torch.no_grad():
        outputs = tuple(t.double() for t in vae.net_.module_(T, torch.tensor(noise)))
        by_hand = -negative_elbo(outputs, T.double(), "bernoulli").numpy()
    np.testing.assert_allclose(vae.score_samples(X), by_hand, rtol=1e-6)


def test_count_data_get_no_pixel_warning():
    import warnings

    X = np.random.default_rng(0).poisson(3, size=(100, 6)).astype(float)  # counts 0..~10
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_epochs=1,
                               random_state=0).fit(X)
