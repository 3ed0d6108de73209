"""partial_fit: one epoch per call, exactly like fit, and resumable from a saved file."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import LRScheduler

import skdlies
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

SMALL = {"batch_size": 50, "random_state": 0}

ESTIMATORS = {
    "dense-denoising": DenseAutoencoder((16,), 4, noise_std=0.3, **SMALL),
    "dense-validation": DenseAutoencoder((16,), 4, validation_fraction=0.2, **SMALL),
    "conv": ConvAutoencoder(filters=(4,), **SMALL),
    "vae": VariationalAutoencoder(2, (16,), **SMALL),
    "aftershocknet": AftershockNet((8, 8), dropout=0.3, lr=0.5, **SMALL),
    "aftershocknet-balanced": AftershockNet((8,), balanced_batches=True, **SMALL),
}


@pytest.fixture(scope="module")
def data(digits):
    X = np.ascontiguousarray(digits[0][:200])
    rng = np.random.default_rng(1)
    Xc = rng.normal(size=(200, 6)).astype(np.float32)
    yc = (Xc[:, 0] + 0.5 * rng.normal(size=200) > 0.8).astype(int)
    return X, Xc, yc


def _args(est, data):
    X, Xc, yc = data
    return (Xc, yc) if isinstance(est, AftershockNet) else (X,)


def _first_kwargs(est):
    return {"classes": [0, 1]} if isinstance(est, AftershockNet) else {}


def _weights(est) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in est.net_.module_.parameters()]


def _same_weights(a, b) -> bool:
    """Whether two fitted estimators have bit-identical weights."""
    return all(np.array_equal(x, y) for x, y in zip(_weights(a), _weights(b), strict=True))


def _assert_same_weights(a, b):
    assert _same_weights(a, b)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_partial_fit_twice_equals_fit_two_epochs(name, data):
    proto = ESTIMATORS[name]
    args = _args(proto, data)
    fitted = clone(proto).set_params(max_epochs=2).fit(*args)
    online = clone(proto)
    online.partial_fit(*args, **_first_kwargs(online))
    assert len(online.net_.history) == 1
    online.partial_fit(*args)
    assert len(online.net_.history) == 2
    _assert_same_weights(fitted, online)
    # and the weights did change on the second call: the test can fail
    first_only = clone(proto).partial_fit(*args, **_first_kwargs(proto))
    assert not _same_weights(first_only, online)


@pytest.mark.parametrize("name", ["dense-denoising", "vae", "aftershocknet"])
def test_partial_fit_after_fit_trains_one_more_epoch(name, data):
    proto = ESTIMATORS[name]
    args = _args(proto, data)
    two = clone(proto).set_params(max_epochs=2).fit(*args)
    one_plus_one = clone(proto).set_params(max_epochs=1).fit(*args).partial_fit(*args)
    _assert_same_weights(two, one_plus_one)


@pytest.mark.parametrize("policy", [{"policy": "StepLR", "step_size": 1, "gamma": 0.5},
                                    {"policy": "CosineAnnealingLR", "T_max": 3}],
                         ids=["step", "cosine"])
def test_partial_fit_keeps_the_learning_rate_schedule(policy, data):
    # skorch's LRScheduler rebuilds its scheduler at every partial_fit, which took one
    # extra step each time (lr 0.5, 0.125, 0.03125 instead of 0.5, 0.25, 0.125)
    proto = DenseAutoencoder((8,), 2, max_epochs=3, lr=1.0, optimizer="sgd",
                             callbacks=[LRScheduler(**policy)], **SMALL)
    X = data[0]
    fitted = clone(proto).fit(X)
    stepped = clone(proto)
    for _ in range(3):
        stepped.partial_fit(X)
    assert (stepped.net_.optimizer_.param_groups[0]["lr"]
            == fitted.net_.optimizer_.param_groups[0]["lr"])
    _assert_same_weights(stepped, fitted)


@pytest.mark.parametrize("policy", [
    {"policy": "StepLR", "step_size": 2, "gamma": 0.5},
    {"policy": "CosineAnnealingLR", "T_max": 5},
    {"policy": "StepLR", "step_size": 5, "gamma": 0.5, "step_every": "batch"},
    {"policy": "CyclicLR", "base_lr": 0.1, "max_lr": 1.0, "step_size_up": 3,
     "step_every": "batch"},  # cycles the momentum too
], ids=["step", "cosine", "step-per-batch", "cyclic-with-momentum"])
def test_a_schedule_given_again_after_load_goes_on(policy, data, tmp_path):
    """skdlies.save keeps no callbacks: the schedule given again to the loaded model continues
    as in one fit (it crashed: the fresh callback's empty scheduler replaced skorch's; a batch
    schedule restarted at the epoch count; a cycled momentum ran one step ahead)."""
    X = data[0]
    proto = DenseAutoencoder((8,), 2, max_epochs=2, lr=1.0, optimizer="sgd",
                             optimizer_params={"momentum": 0.5},
                             callbacks=[LRScheduler(**policy)], **SMALL)
    whole = clone(proto).set_params(max_epochs=4).fit(X)
    est = clone(proto).fit(X)
    skdlies.save(est, tmp_path / "model.st")
    loaded = skdlies.load(tmp_path / "model.st").set_params(callbacks=[LRScheduler(**policy)])
    for _ in range(2):
        loaded.partial_fit(X)
    assert (loaded.net_.optimizer_.param_groups[0]["lr"]
            == whole.net_.optimizer_.param_groups[0]["lr"])
    _assert_same_weights(loaded, whole)


def test_a_schedule_attached_to_a_fitted_model_counts_its_epochs(data):
    """Fitted without a schedule, then given one: it starts from the current rate, at the
    epoch count already trained (it raised KeyError 'initial_lr')."""
    X = data[0]
    est = DenseAutoencoder((8,), 2, max_epochs=2, lr=1.0, optimizer="sgd", **SMALL).fit(X)
    est.set_params(callbacks=[LRScheduler(policy="StepLR", step_size=1, gamma=0.5)])
    rates = []
    for _ in range(2):
        est.partial_fit(X)
        rates.append(est.net_.optimizer_.param_groups[0]["lr"])
    assert rates == [0.5, 0.25]


def test_partial_fit_after_set_params(data):
    X = data[0]
    est = DenseAutoencoder((8,), 2, **SMALL)
    est.partial_fit(X)
    est.set_params(max_epochs=7)  # unused by partial_fit: silent
    est.partial_fit(X)
    for same in ({"hidden_layer_sizes": [8], "optimizer": "ADAM"}, {"hidden_layer_sizes": 8}):
        est.set_params(**same)  # the same network and optimizer
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est.partial_fit(X)
    est.set_params(optimizer=int)  # not an optimizer: refused at the next fit, warned here
    with pytest.warns(UserWarning, match="optimizer changed since"):
        est.partial_fit(X)
    est.set_params(optimizer="adam")
    est.set_params(lr=0.5)
    with pytest.warns(UserWarning, match="lr changed since and take.s. effect at the next fit"):
        est.partial_fit(X)
    assert est.net_.optimizer_.param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize("make, bad", [
    (lambda: DenseAutoencoder((8,), 2, **SMALL), {"hidden_layer_sizes": (0,)}),
    (lambda: DenseAutoencoder((8,), 2, **SMALL), {"optimizer": "nope"}),
    (lambda: AftershockNet((4,), **SMALL), {"optimizer": "nope"}),
    (lambda: ConvAutoencoder(filters=(4,), **SMALL), {"kernel_size": 4}),
], ids=["layer-sizes", "optimizer", "aftershocknet-optimizer", "even-kernel"])
def test_a_failed_refit_leaves_the_estimator_unfitted(make, bad, data):
    # not the old network with the new data's width, classes or scaling
    est = make()
    est.fit(*_args(est, data))
    est.set_params(**bad)
    with pytest.raises(ValueError):
        est.fit(*_args(est, data))
    with pytest.raises(NotFittedError):
        (est.predict if isinstance(est, AftershockNet) else est.transform)(_args(est, data)[0])
    assert not [name for name in vars(est) if name.endswith("_") and not name.endswith("__")]
    est.set_params(**{name: make().get_params()[name] for name in bad})
    est.fit(*_args(est, data))  # and it fits again once the parameter is fixed
    check_is_fitted(est)


def test_fitted_means_a_network(data):
    est = DenseAutoencoder((8,), 2, **SMALL)
    with pytest.raises(ValueError, match="NaN"):
        est.fit(np.full((10, 4), np.nan))  # validation fails after feature checks began
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_partial_fit_does_not_touch_the_global_generator(data):
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    est = clone(ESTIMATORS["dense-denoising"]).partial_fit(data[0])
    est.partial_fit(data[0])
    assert torch.equal(torch.rand(3), expected)


def test_first_call_sets_the_fitted_attributes(data):
    X = data[0]
    frame = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])
    est = clone(ESTIMATORS["conv"]).partial_fit(frame)
    assert est.n_features_in_ == 64 and est.image_shape_ == (8, 8)
    assert est.feature_names_in_.tolist() == list(frame.columns)
    assert est.n_components_ == 4 * 4 * 4 and est.loss_ == "bce"
    assert est.transform(frame).shape == (200, 64)


@pytest.mark.parametrize("name", ["dense-denoising", "aftershocknet"])
def test_later_calls_check_the_width(name, data):
    proto = ESTIMATORS[name]
    X, *rest = _args(proto, data)
    est = clone(proto).partial_fit(X, *rest, **_first_kwargs(proto))
    with pytest.raises(ValueError, match=f"X has {X.shape[1] - 1} features"):
        est.partial_fit(X[:, :-1], *rest)


def test_later_calls_keep_the_data_range_of_the_loss(data):
    est = clone(ESTIMATORS["vae"]).partial_fit(data[0])
    with pytest.raises(ValueError, match=r"loss for data in \[0, 1\]"):
        est.partial_fit(data[0] * 2)


def test_aftershocknet_partial_fit_follows_sgdclassifier(data):
    _, Xc, yc = data
    est = clone(ESTIMATORS["aftershocknet"])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(Xc, yc)
    with pytest.raises(ValueError, match="classes must hold 2 labels"):
        est.partial_fit(Xc, yc, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes \[0, 1\]"):
        est.partial_fit(Xc, np.where(yc == 1, 7, 0), classes=[0, 1])
    assert not hasattr(est, "net_")
    # a first batch may hold one class only when classes names both
    est.partial_fit(Xc[yc == 0], yc[yc == 0], classes=[1, 0])
    assert est.classes_.tolist() == [0, 1]
    est.partial_fit(Xc, yc, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes=\[0, 2\] is not the same as on the first call"):
        est.partial_fit(Xc, yc, classes=[0, 2])
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        est.partial_fit(Xc, yc * 2)
    assert est.predict(Xc).dtype == yc.dtype


# -- checkpoint and resume ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dense-denoising", "dense-validation", "conv", "vae",
                                  "aftershocknet-balanced"])
def test_resume_from_a_saved_checkpoint_equals_an_uninterrupted_run(name, data, tmp_path):
    """Save after epoch 1, load (a new process, say), continue: the same weights as 3 epochs.

    The file holds the optimizer state and PyTorch's generator state, so the
    resumed epochs see the same moments, shuffles, noise and dropout masks.
    """
    proto = ESTIMATORS[name]
    args = _args(proto, data)
    uninterrupted = clone(proto).set_params(max_epochs=3).fit(*args)
    run = clone(proto).partial_fit(*args, **_first_kwargs(proto))
    skdlies.save(run, tmp_path / "epoch1.safetensors")
    del run
    resumed = skdlies.load(tmp_path / "epoch1.safetensors")
    resumed.partial_fit(*args)
    resumed.partial_fit(*args)
    _assert_same_weights(uninterrupted, resumed)
    assert len(resumed.net_.history) == 3


def test_resume_without_optimizer_state_differs(data, tmp_path):
    """The control: restarting Adam from zero moments changes the result (the test has teeth)."""
    X = data[0]
    proto = ESTIMATORS["dense-denoising"]
    uninterrupted = clone(proto).set_params(max_epochs=2).fit(X)
    run = clone(proto).partial_fit(X)
    run.net_.initialize_optimizer()  # forget the Adam moments
    run.partial_fit(X)
    assert not _same_weights(run, uninterrupted)
