"""Tests for ``load_small_digits`` (scikit-learn's bundled 8x8 digits)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skdlies.datasets import load_small_digits


@pytest.mark.parametrize(("subset", "n"), [("train", 1437), ("test", 360), ("all", 1797)])
def test_shapes_dtypes_range(subset, n):
    bunch = load_small_digits(subset)
    assert bunch.images.shape == (n, 8, 8)
    assert bunch.data.shape == (n, 64)
    assert bunch.target.shape == (n,)
    assert bunch.images.dtype == bunch.data.dtype == np.float32
    assert bunch.target.dtype == np.int64
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert np.shares_memory(bunch.data, bunch.images)
    np.testing.assert_array_equal(bunch.data, bunch.images.reshape(n, 64))
    assert bunch.feature_names == [f"pixel_{i}" for i in range(64)]
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "random_state=0" in bunch.DESCR


def test_default_is_train():
    np.testing.assert_array_equal(load_small_digits().target, load_small_digits("train").target)


def test_split_is_the_documented_one():
    raw = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        raw.images, raw.target, test_size=0.2, stratify=raw.target, random_state=0
    )
    train, test = load_small_digits("train"), load_small_digits("test")
    np.testing.assert_array_equal(train.target, y_tr)
    np.testing.assert_array_equal(test.target, y_te)
    np.testing.assert_allclose(train.images, x_tr / 16.0, rtol=1e-6)
    np.testing.assert_allclose(test.images, x_te / 16.0, rtol=1e-6)


def test_split_is_reproducible_disjoint_and_stratified():
    a, b = load_small_digits("test"), load_small_digits("test")
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    train = load_small_digits("train")
    full = load_small_digits("all")
    np.testing.assert_array_equal(full.data, np.r_[train.data, a.data])
    np.testing.assert_array_equal(full.target, np.r_[train.target, a.target])
    # stratified: each class's test count is within one image of 20 % of its total
    totals = np.bincount(full.target, minlength=10)
    test_counts = np.bincount(a.target, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * totals) <= 1)
    # disjoint: every image appears exactly as often as in the raw data
    raw_rows = sorted(row.tobytes() for row in (load_digits().data / 16.0).astype(np.float32))
    assert sorted(row.tobytes() for row in full.data) == raw_rows


def test_return_X_y():
    X, y = load_small_digits("test", return_X_y=True)
    bunch = load_small_digits("test")
    assert X.shape == (360, 64) and y.shape == (360,)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


def test_invalid_subset():
    with pytest.raises(
        ValueError, match=r"subset must be one of \['train', 'test', 'all'\], got 'val'"
    ):
        load_small_digits("val")


def test_load_train_test_defaults_to_the_builtin_digits():
    from skdlies.datasets import load_train_test

    train, test = load_train_test()
    assert train.images.shape[1:] == (8, 8) and len(train.data) == 1437 and len(test.data) == 360
