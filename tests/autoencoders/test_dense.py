"""DenseAutoencoder specifics: the denoising objective."""

from __future__ import annotations

import numpy as np
import torch

from skdlies.autoencoders import DenseAutoencoder
from skdlies.autoencoders._modules import GaussianCorruption


def test_corruption_only_in_training_mode_and_clipped():
    layer = GaussianCorruption(0.5, 0.0, 1.0)
    x = torch.full((200, 10), 0.5)
    noisy = layer.train()(x)
    assert not torch.equal(noisy, x)
    assert noisy.min() >= 0 and noisy.max() <= 1 and (noisy == 0).any() and (noisy == 1).any()
    assert torch.equal(layer.eval()(x), x)


def test_denoising_trains_noisy_inputs_against_clean_targets(small_X):
    """The network sees corrupted inputs while the loss compares with the clean rows."""
    seen_inputs, seen_targets = [], []
    est = DenseAutoencoder(hidden_layer_sizes=(8,), n_components=2, noise_std=0.5,
                           max_epochs=1, batch_size=50, random_state=0)
    est._resolve_output(est._validate_X(small_X, reset=True))
    net = est._make_net(small_X)
    net.initialize()
    net.module_.encoder.register_forward_pre_hook(lambda m, args: seen_inputs.append(args[0]))
    net.criterion_.register_forward_pre_hook(lambda m, args: seen_targets.append(args[1]))
    net.partial_fit(small_X)
    clean_rows = {row.tobytes() for row in small_X}
    inputs, targets = torch.cat(seen_inputs).numpy(), torch.cat(seen_targets).numpy()
    assert all(row.tobytes() in clean_rows for row in targets)
    assert not any(row.tobytes() in clean_rows for row in inputs)
    assert inputs.min() >= 0 and inputs.max() <= 1


def test_noise_is_clipped_to_the_training_range(small_X):
    X = small_X * 2 - 1
    est = DenseAutoencoder(noise_std=0.3, max_epochs=1, random_state=0).fit(X)
    assert est.data_range_ == (float(X.min()), float(X.max()))
    layer = est.net_.module_.corrupt
    assert (layer.low, layer.high) == est.data_range_


def test_denoising_beats_plain_autoencoder_on_noisy_inputs(digits):
    X, X_test = digits[0], digits[2]
    rng = np.random.default_rng(0)
    noisy = np.clip(X_test + 0.5 * rng.standard_normal(X_test.shape), 0, 1).astype(np.float32)
    kw = {"hidden_layer_sizes": (64,), "n_components": 16, "max_epochs": 60, "random_state": 0}
    errors = {}
    for noise in (0.0, 0.5):
        est = DenseAutoencoder(noise_std=noise, **kw).fit(X)
        errors[noise] = np.mean((est.inverse_transform(est.transform(noisy)) - X_test) ** 2)
    assert errors[0.5] < 0.95 * errors[0.0], errors
