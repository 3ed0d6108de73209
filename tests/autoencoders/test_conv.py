"""ConvAutoencoder specifics: image layouts, padding and reliable training."""

from __future__ import annotations

import numpy as np
import pytest

from skdlies.autoencoders import ConvAutoencoder

FAST = {"filters": (4, 4), "max_epochs": 2, "random_state": 0}


def test_image_layouts_are_equivalent(small_X):
    images = small_X.reshape(-1, 8, 8)
    flat = ConvAutoencoder(**FAST).fit(small_X)
    assert flat.image_shape_ == (8, 8)
    for layout in (images, images[:, None]):
        est = ConvAutoencoder(**FAST).fit(layout)
        assert est.image_shape_ == (8, 8) and est.n_features_in_ == 64
        np.testing.assert_array_equal(est.transform(layout), flat.transform(small_X))
        np.testing.assert_array_equal(est.transform(small_X), flat.transform(small_X))


def test_default_code_is_32_by_7_by_7_on_mnist_sized_images():
    X = np.random.default_rng(0).random((4, 28, 28), dtype=np.float32)
    est = ConvAutoencoder(max_epochs=1, random_state=0).fit(X)
    assert est.n_components_ == 32 * 7 * 7
    assert est.inverse_transform(est.transform(X)).shape == (4, 784)


def test_sides_not_divisible_by_four_are_padded_and_cropped():
    X = np.random.default_rng(0).random((10, 7, 9), dtype=np.float32)
    est = ConvAutoencoder(**FAST).fit(X)
    assert est.image_shape_ == (7, 9)
    assert est.inverse_transform(est.transform(X)).shape == (10, 63)
    assert est.n_components_ == 4 * 2 * 3


def test_non_square_flat_input_is_one_row_of_pixels():
    X = np.random.default_rng(0).random((10, 10), dtype=np.float32)
    assert ConvAutoencoder(**FAST).fit(X).image_shape_ == (1, 10)


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"image_shape": (28, 28)}, np.zeros((3, 64), np.float32), r"\(28, 28\) \(784 pixels\)"),
        ({}, np.zeros((3, 2, 8, 8), np.float32), "2 channels"),
        ({"image_shape": (4, 16)}, np.zeros((3, 8, 8), np.float32), "images of shape"),
        ({"kernel_size": 4}, np.zeros((3, 8, 8), np.float32), "kernel_size must be odd"),
    ],
)
def test_bad_images(params, X, match):
    with pytest.raises(ValueError, match=match):
        ConvAutoencoder(**{**FAST, **params}).fit(X)


def test_transform_rejects_other_image_size(small_X):
    est = ConvAutoencoder(**FAST).fit(small_X.reshape(-1, 8, 8))
    with pytest.raises(ValueError, match="fitted on images of shape"):
        est.transform(np.zeros((2, 4, 16), np.float32))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_architecture_trains_from_any_seed(digits, seed):
    """With MSE + Adam this architecture can collapse to the mean image; the defaults must not."""
    X = digits[0]
    collapse_mse = float(np.mean((X - X.mean(axis=0)) ** 2))
    est = ConvAutoencoder(max_epochs=6, batch_size=16, random_state=seed).fit(X)
    assert est.loss_ == "bce"
    assert -est.score(digits[2]) < 0.4 * collapse_mse
