"""Ctrl-C (KeyboardInterrupt) during training keeps the weights of the last finished epoch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback, EarlyStopping

from skdlies import TrainingInterruptedWarning
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import DenseAutoencoder, VariationalAutoencoder

#: 200 rows in batches of 50: 4 training batches per epoch.
BATCHES_PER_EPOCH = 4
SMALL = {"batch_size": 50, "random_state": 0}


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) before training batch number ``at`` (from 1)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def initialize(self):
        self.seen = 0
        return self

    def on_batch_begin(self, net, training=True, **kwargs):
        if training:
            self.seen += 1
            if self.seen == self.at:
                raise KeyboardInterrupt


@pytest.fixture(scope="module")
def X(digits):
    return np.ascontiguousarray(digits[0][:200])


def _weights(est) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in est.net_.module_.parameters()]


def _same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(_weights(a), _weights(b), strict=True))


@pytest.mark.parametrize("proto", [
    DenseAutoencoder((16,), 4, noise_std=0.3, **SMALL),
    VariationalAutoencoder(2, (16,), **SMALL),
], ids=["dense", "vae"])
def test_interrupt_mid_epoch_keeps_the_last_finished_epoch(proto, X):
    one_epoch = clone(proto).set_params(max_epochs=1).fit(X)
    two_epochs = clone(proto).set_params(max_epochs=2).fit(X)
    # interrupted in the middle of epoch 2 (3 of its 4 batches would run)
    est = clone(proto).set_params(max_epochs=5, callbacks=[InterruptAt(BATCHES_PER_EPOCH + 3)])
    with pytest.warns(TrainingInterruptedWarning, match=r"during epoch 2.*finished epoch \(1\)"):
        est.fit(X)
    assert _same_weights(est, one_epoch)
    assert not _same_weights(est, two_epochs)
    assert len(est.net_.history) == 1
    assert np.array_equal(est.transform(X), one_epoch.transform(X))
    # the generator state was rolled back too: one more epoch is epoch 2 of an uninterrupted run
    est.set_params(callbacks=None)
    est.partial_fit(X)
    assert _same_weights(est, two_epochs)


def test_interrupt_keeps_the_best_weights_of_early_stopping_load_best(X):
    # "higher train loss is better": the best epoch is the first, not the last finished one
    def best_first():
        return EarlyStopping("train_loss", patience=10, lower_is_better=False, load_best=True)

    one_epoch = DenseAutoencoder((8,), 2, max_epochs=1, **SMALL).fit(X)
    est = DenseAutoencoder((8,), 2, max_epochs=5, **SMALL,
                           callbacks=[best_first(), InterruptAt(2 * BATCHES_PER_EPOCH + 2)])
    with pytest.warns(TrainingInterruptedWarning, match="during epoch 3"):
        est.fit(X)
    assert len(est.net_.history) == 2
    assert _same_weights(est, one_epoch)


def test_interrupt_before_the_first_epoch_leaves_the_estimator_unfitted(X):
    est = DenseAutoencoder((8,), 2, max_epochs=3, callbacks=[InterruptAt(2)], **SMALL)
    with pytest.warns(TrainingInterruptedWarning, match="before its first epoch finished"):
        est.fit(X)
    assert not [name for name in vars(est) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        est.transform(X)


def test_interrupted_partial_fit_keeps_the_weights_before_the_call(X):
    est = DenseAutoencoder((16,), 4, max_epochs=2, **SMALL).fit(X)
    before = _weights(est)
    est.net_.callbacks_.append(("interrupt", InterruptAt(2).initialize()))
    with pytest.warns(TrainingInterruptedWarning, match=r"during epoch 3.*finished epoch \(2\)"):
        est.partial_fit(X)
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(est), strict=True))
    assert len(est.net_.history) == 2


def test_interrupt_on_the_first_partial_fit_leaves_it_unfitted(X):
    est = AftershockNet((4,), callbacks=[InterruptAt(1)], **SMALL)
    y = (X[:, 10] > 0.5).astype(int)
    with pytest.warns(TrainingInterruptedWarning, match="before its first epoch finished"):
        est.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(est, "classes_") and not hasattr(est, "net_")


def test_early_stopping_is_not_an_interrupt(X):
    """skorch's EarlyStopping ends training with KeyboardInterrupt after an epoch: no rollback."""
    proto = DenseAutoencoder((8,), 2, max_epochs=10, **SMALL)
    # no improvement can beat the threshold: stops at the end of epoch 2 (patience 1)
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=1e9, threshold_mode="abs")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingInterruptedWarning)
        stopped = clone(proto).set_params(callbacks=[stop]).fit(X)
    assert len(stopped.net_.history) == 2
    assert _same_weights(stopped, clone(proto).set_params(max_epochs=2).fit(X))


class FailAt(InterruptAt):
    """Raise an error (not an interrupt) before training batch number ``at``."""

    def on_batch_begin(self, net, training=True, **kwargs):
        if training:
            self.seen += 1
            if self.seen == self.at:
                raise RuntimeError("out of memory, say")


def test_an_error_mid_epoch_also_rolls_back_then_raises(X):
    est = DenseAutoencoder((8,), 2, max_epochs=1, **SMALL).fit(X)
    before = _weights(est)
    est.net_.callbacks_.append(("fail", FailAt(3).initialize()))
    with pytest.raises(RuntimeError, match="out of memory"):
        est.partial_fit(X)
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(est), strict=True))
    fresh = DenseAutoencoder((8,), 2, max_epochs=2, callbacks=[FailAt(2)], **SMALL)
    with pytest.raises(RuntimeError, match="out of memory"):
        fresh.fit(X)
    assert not hasattr(fresh, "net_") and not hasattr(fresh, "n_features_in_")
