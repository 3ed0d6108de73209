"""The shared network machinery: fast batching, seeding, optimizers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from skdlies._base import check_layer_sizes, resolve_optimizer, torch_seed
from skdlies._skorch import BatchIterator, TensorDataset, ValidationSplit


def test_batch_iterator_covers_every_sample_once_per_epoch():
    X = torch.arange(10.0).reshape(10, 1)
    it = BatchIterator(TensorDataset(X), batch_size=4, shuffle=True)
    assert len(it) == 3
    batches = list(it)
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    seen = torch.cat([xb for xb, _ in batches]).ravel()
    assert sorted(seen.tolist()) == list(range(10))
    assert all(yb is xb for xb, yb in batches), "autoencoder targets are the inputs, not copies"


def test_batch_iterator_without_shuffle_slices_in_order():
    X, y = torch.arange(5.0), torch.arange(5) * 10
    batches = list(BatchIterator(TensorDataset(X, y), batch_size=2))
    assert [b[0].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert [b[1].tolist() for b in batches] == [[0, 10], [20, 30], [40]]


def test_shuffle_follows_the_seed():
    ds = TensorDataset(torch.arange(50.0))

    def order(seed):
        with torch_seed(seed):
            return torch.cat([xb for xb, _ in BatchIterator(ds, 7, shuffle=True)]).tolist()

    assert order(0) == order(0) and order(0) != order(1)


def test_dataset_rejects_length_mismatch():
    with pytest.raises(ValueError, match="5 samples but y has 4"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))


def test_batch_iterator_rejects_other_datasets():
    with pytest.raises(TypeError, match="TensorDataset"):
        BatchIterator([1, 2, 3])


def test_validation_split_is_disjoint_and_complete():
    ds = TensorDataset(torch.arange(20.0))
    with torch_seed(0):
        train, valid = ValidationSplit(0.25)(ds)
    assert len(train) == 15 and len(valid) == 5
    assert sorted(torch.cat([train.X, valid.X]).tolist()) == list(range(20))
    with pytest.raises(ValueError, match=r"validation_fraction=0\.01"):
        ValidationSplit(0.01)(ds)


def test_torch_seed_restores_the_callers_generator():
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    with torch_seed(123):
        inside = torch.rand(2)
    np.testing.assert_array_equal(torch.rand(2), expected)
    with torch_seed(123):
        np.testing.assert_array_equal(torch.rand(2), inside)


def test_resolve_optimizer():
    assert resolve_optimizer("Adam") is torch.optim.Adam
    assert resolve_optimizer("adadelta") is torch.optim.Adadelta
    assert resolve_optimizer(torch.optim.SGD) is torch.optim.SGD
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        resolve_optimizer("adamm")
    with pytest.raises(TypeError, match=r"torch\.optim\.Optimizer class"):
        resolve_optimizer(int)


@pytest.mark.parametrize("sizes, expected", [((64, 32), (64, 32)), ([8], (8,)), ((), ())])
def test_check_layer_sizes_accepts(sizes, expected):
    assert check_layer_sizes(sizes) == expected


@pytest.mark.parametrize("sizes", [(0,), (8, -1), (2.5,), (True,)])
def test_check_layer_sizes_rejects(sizes):
    with pytest.raises(ValueError, match="positive integers"):
        check_layer_sizes(sizes)


@pytest.mark.parametrize("name", ["dense", "conv", "vae", "aftershocknet"])
def test_arrays_with_negative_strides_are_read(name, digits):
    """A reversed or flipped float32 view (X[::-1]) trains and predicts like its copy."""
    from skdlies.aftershocks import AftershockNet
    from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

    X = digits[0][:200]
    y = (X[:, 20] > 0.3).astype(int)
    make = {"dense": DenseAutoencoder, "conv": ConvAutoencoder, "vae": VariationalAutoencoder,
            "aftershocknet": AftershockNet}[name]
    view, copy = X[::-1], np.ascontiguousarray(X[::-1])
    assert view.strides[0] < 0 and view.dtype == np.float32
    a = make(max_epochs=1, random_state=0).fit(view, y[::-1])
    b = make(max_epochs=1, random_state=0).fit(copy, y[::-1])
    out = (lambda est, Z: est.predict_proba(Z)) if name == "aftershocknet" else (
        lambda est, Z: est.transform(Z))
    flipped = np.flip(X, 1)
    np.testing.assert_array_equal(out(a, flipped), out(b, np.ascontiguousarray(flipped)))


def test_a_diverged_training_warns(digits):
    import skdlies
    from skdlies.autoencoders import DenseAutoencoder

    X = digits[0][:200] * 1e4  # far from [0, 1]: SGD at lr 1 blows up
    with pytest.warns(skdlies.TrainingDivergedWarning, match="diverged: its weights are not"):
        DenseAutoencoder(max_epochs=2, optimizer="sgd", lr=1.0, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", skdlies.TrainingDivergedWarning)
        DenseAutoencoder(max_epochs=2, random_state=0).fit(digits[0][:200])


def test_callbacks_watching_validation_need_a_validation_set(digits):
    from skorch.callbacks import Checkpoint, EarlyStopping

    from skdlies.autoencoders import DenseAutoencoder

    X = digits[0][:100]
    for callback in (EarlyStopping(), ("best", Checkpoint(dirname="unused"))):
        with pytest.raises(ValueError, match=r"monitors 'valid_loss\w*', but there is no "):
            DenseAutoencoder(max_epochs=2, callbacks=[callback]).fit(X)
    DenseAutoencoder(max_epochs=2, callbacks=[EarlyStopping(monitor="train_loss")]).fit(X)
    DenseAutoencoder(max_epochs=2, validation_fraction=0.2, callbacks=[EarlyStopping()]).fit(X)


def test_validation_monitors_follow_the_net_and_the_recorded_scores(digits):
    from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler

    from skdlies.autoencoders import DenseAutoencoder

    X = digits[0][:100]
    # a scheduler reads its monitor only with ReduceLROnPlateau; a score recorded from the
    # training data under a valid_ name may be watched
    DenseAutoencoder(max_epochs=2, callbacks=[
        LRScheduler(policy="StepLR", step_size=1, monitor="valid_loss"),
        EpochScoring(lambda est, X, y=None: 0.0, name="valid_proxy", on_train=True),
        EarlyStopping(monitor="valid_proxy"),
    ]).fit(X)
    with pytest.raises(ValueError, match="LRScheduler monitors 'valid_loss'"):
        DenseAutoencoder(max_epochs=2, callbacks=[
            LRScheduler(policy="ReduceLROnPlateau", monitor="valid_loss")]).fit(X)
    # a continued run has the split it was built with, whatever validation_fraction says now
    fitted = DenseAutoencoder(max_epochs=1, validation_fraction=0.2).fit(X)
    fitted.set_params(validation_fraction=None, callbacks=[EarlyStopping()])
    with pytest.warns(UserWarning, match="validation_fraction"):
        fitted.partial_fit(X)
    unsplit = DenseAutoencoder(max_epochs=1).fit(X)
    unsplit.set_params(validation_fraction=0.2, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="for a fitted estimator, at the next fit"):
        unsplit.partial_fit(X)


@pytest.mark.parametrize("name", ["dense", "vae", "aftershocknet"])
def test_one_int_is_one_hidden_layer(name, digits):
    from skdlies.aftershocks import AftershockNet
    from skdlies.autoencoders import DenseAutoencoder, VariationalAutoencoder

    make = {"dense": DenseAutoencoder, "vae": VariationalAutoencoder,
            "aftershocknet": AftershockNet}[name]
    X = digits[0][:100]
    y = (X[:, 20] > 0.3).astype(int)
    a = make(hidden_layer_sizes=16, max_epochs=1, random_state=0).fit(X, y)
    b = make(hidden_layer_sizes=(16,), max_epochs=1, random_state=0).fit(X, y)
    for wa, wb in zip(a.net_.module_.parameters(), b.net_.module_.parameters(), strict=True):
        assert torch.equal(wa, wb)


def test_a_failed_fit_leaves_no_fitted_attribute(digits):
    from skdlies.aftershocks import AftershockNet
    from skdlies.autoencoders import ConvAutoencoder

    X = digits[0][:100]
    net = AftershockNet((4,), max_epochs=1, random_state=0).fit(X, X[:, 20] > 0.3)
    with pytest.raises(ValueError, match="y has 1 class"):
        net.fit(X, np.ones(len(X)))
    conv = ConvAutoencoder(filters=(2,), loss="bce", max_epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        conv.fit(X * 3)
    for est in (net, conv):
        assert not [k for k in vars(est) if k.endswith("_") and not k.endswith("__")]
    fresh = AftershockNet((4,))
    with pytest.raises(ValueError, match="not in classes"):
        fresh.partial_fit(X, np.full(len(X), 2), classes=[0, 1])
    assert not hasattr(fresh, "n_features_in_")


def test_torch_threads_restores_and_leaves_other_threads_alone():
    import threading

    from skdlies._nn import torch_threads

    before = torch.get_num_threads()
    ready, done, seen = threading.Event(), threading.Event(), []

    def worker():
        with torch_threads(1):
            ready.set()
            done.wait(10)
            seen.append(torch.get_num_threads())

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    with torch_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before
    done.set()
    thread.join(10)
    assert seen == [1]  # the other thread's block kept its own setting
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError
    assert torch.get_num_threads() == before
