"""FastNet's epoch loop: skorch's history and weights, with the batch losses read once per epoch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch import NeuralNet
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, EpochScoring, LRScheduler

from skdlies._skorch import BatchIterator, FastNet, _deferred_scalar, _to_python_numbers
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import DenseAutoencoder


@pytest.fixture(scope="module")
def X(digits):
    return np.ascontiguousarray(digits[0][:200])


@pytest.fixture(scope="module")
def y(X):
    return (X[:, 10] > 0.7).astype(int)  # ~20% positives


def _skorch_loop(monkeypatch):
    """Make FastNet use skorch's own ``run_single_epoch`` (``.item()`` per batch)."""
    monkeypatch.setattr(FastNet, "run_single_epoch", NeuralNet.run_single_epoch)


def _history(net) -> list:
    """The history with its key order, less the epoch durations (wall-clock times)."""
    return [
        [(k, [list(b.items()) for b in v] if k == "batches" else v)
         for k, v in epoch.items() if k != "dur"]
        for epoch in net.history
    ]


def _weights(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.module_.parameters()]


def _fit_both(make, monkeypatch):
    """Fit ``make()`` with FastNet's loop, then with skorch's; return both estimators."""
    ours = make()
    with monkeypatch.context() as m:
        _skorch_loop(m)
        theirs = make()
    return ours, theirs


def _assert_same_training(ours, theirs) -> None:
    assert _history(ours.net_) == _history(theirs.net_)
    assert all(torch.equal(a, b)
               for a, b in zip(_weights(ours.net_), _weights(theirs.net_), strict=True))


def _losses(net, prefix="train") -> list[float]:
    return [b[prefix + "_loss"] for epoch in net.history for b in epoch["batches"]
            if prefix + "_loss" in b]


def test_dense_autoencoder_history_and_weights_equal_skorch(X, monkeypatch):
    proto = DenseAutoencoder((16,), 4, batch_size=30, max_epochs=3, random_state=0)
    ours, theirs = _fit_both(lambda: clone(proto).fit(X), monkeypatch)
    _assert_same_training(ours, theirs)
    history = ours.net_.history
    assert len(history) == 3 and history[-1, "train_batch_count"] == 7  # ceil(200 / 30)
    batch_losses = history[-1, "batches", :, "train_loss"]
    assert len(batch_losses) == 7 and all(type(v) is float for v in batch_losses)
    assert history[-1, "batches", :, "train_batch_size"] == [30] * 6 + [20]
    # skorch's PassthroughScoring: the epoch loss is the batch-size weighted mean
    assert history[-1, "train_loss"] == pytest.approx(np.average(batch_losses, weights=[30] * 6
                                                                 + [20]))


def test_validation_early_stopping_checkpoint_and_scoring_equal_skorch(X, tmp_path, monkeypatch):
    def make(dirname):
        callbacks = [
            EpochScoring("neg_mean_squared_error", name="valid_mse", lower_is_better=False),
            Checkpoint(monitor="valid_loss_best", dirname=str(tmp_path / dirname)),
            EarlyStopping(monitor="valid_loss", patience=2, threshold=0.05),
        ]
        return DenseAutoencoder((16,), 4, batch_size=30, max_epochs=12, validation_fraction=0.25,
                                callbacks=callbacks, random_state=0).fit(X)

    ours = make("ours")
    with monkeypatch.context() as m:
        _skorch_loop(m)
        theirs = make("theirs")
    _assert_same_training(ours, theirs)
    history = ours.net_.history
    assert len(history) < 12  # EarlyStopping ended it
    assert len(history[-1, "batches", :, "valid_loss"]) == 2  # 50 validation rows
    assert history[:, "event_cp"] == theirs.net_.history[:, "event_cp"]
    assert any(history[:, "event_cp"])
    assert all(np.isfinite(history[:, "valid_mse"]))


def test_aftershock_net_with_balanced_batches_equals_skorch(X, y, monkeypatch):
    proto = AftershockNet((8, 8), balanced_batches=True, batch_size=40, max_epochs=3,
                          random_state=0)
    ours, theirs = _fit_both(lambda: clone(proto).fit(X, y), monkeypatch)
    _assert_same_training(ours, theirs)
    assert ours.net_.history[-1, "batches", :, "train_batch_size"] == [40] * 5
    assert np.array_equal(ours.predict_proba(X), theirs.predict_proba(X))


class _Counter:
    """Count calls of Tensor methods that copy a value to the host."""

    NAMES = ("item", "tolist", "__float__")

    def __init__(self, monkeypatch) -> None:
        self.calls = dict.fromkeys(self.NAMES, 0)
        for name in self.NAMES:
            original = getattr(torch.Tensor, name)

            def counted(tensor, *args, _name=name, _original=original, **kwargs):
                self.calls[_name] += 1
                return _original(tensor, *args, **kwargs)

            monkeypatch.setattr(torch.Tensor, name, counted)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _count_host_reads(make, X, y, batch_size, monkeypatch, *, skorch_loop=False) -> int:
    est = make(batch_size)
    with monkeypatch.context() as m:
        if skorch_loop:
            _skorch_loop(m)
        counter = _Counter(m)
        est.fit(X) if y is None else est.fit(X, y)
    assert len(_losses(est.net_)) == -(-len(X) // batch_size)
    return counter.total


@pytest.mark.parametrize("estimator", ["dense", "aftershock"])
def test_losses_are_read_a_bounded_number_of_times_per_epoch(estimator, X, y, monkeypatch):
    if estimator == "dense":
        y = None
        # not Adam: on the CPU, its step counters (host tensors, not a device sync) use .item()
        def make(batch_size):
            return DenseAutoencoder((8,), 2, batch_size=batch_size, max_epochs=1,
                                    optimizer="sgd", random_state=0)
    else:  # Adadelta, balanced batches
        def make(batch_size):
            return AftershockNet((8,), balanced_batches=True, batch_size=batch_size,
                                 max_epochs=1, random_state=0)
    few = _count_host_reads(make, X, y, 100, monkeypatch)  # 2 batches
    many = _count_host_reads(make, X, y, 4, monkeypatch)  # 50 batches
    assert few == many <= 3
    # the counter does see skorch's per-batch .item()
    assert _count_host_reads(make, X, y, 4, monkeypatch, skorch_loop=True) >= 50


class _ReadsBatchLoss(Callback):
    def initialize(self):
        self.seen = []
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        self.seen.append(net.history[-1, "batches", -1, "train_loss" if training else "valid_loss"])


def test_a_callback_reading_batch_losses_gets_them_at_batch_end(X, monkeypatch):
    est = DenseAutoencoder((8,), 2, batch_size=50, max_epochs=2, random_state=0,
                           callbacks=[("reader", _ReadsBatchLoss())]).fit(X)
    reader = dict(est.net_.callbacks_)["reader"]
    assert reader.seen == _losses(est.net_)
    assert len(reader.seen) == 8


def test_which_callbacks_read_batch_entries():
    def net(*callbacks):
        return FastNet(torch.nn.Linear(2, 1), criterion=torch.nn.MSELoss,
                       callbacks=list(callbacks)).initialize()

    assert net()._batch_history_reader() is None
    assert net(EpochScoring("r2"), EarlyStopping())._batch_history_reader() is None
    assert net(LRScheduler(step_every="epoch"))._batch_history_reader() is None
    assert net(LRScheduler(step_every="batch"))._batch_history_reader() is not None
    assert net(_ReadsBatchLoss())._batch_history_reader() is not None


class _StopAt(Callback):
    """Raise ``error`` in ``hook`` of training batch number ``at`` (counted from 1 over epochs)."""

    def __init__(self, at, hook="on_batch_begin", error=KeyboardInterrupt):
        self.at, self.hook, self.error = at, hook, error

    def initialize(self):
        self.seen = 0
        return self

    def on_batch_begin(self, net, training=False, **kwargs):
        if training and self.hook == "on_batch_begin":
            self._count()

    def on_grad_computed(self, net, named_parameters, training=False, **kwargs):
        if training and self.hook == "on_grad_computed":
            self._count()

    def _count(self):
        self.seen += 1
        if self.seen == self.at:
            raise self.error("stop")


class _StopBetweenBatches(BatchIterator):
    """Raise KeyboardInterrupt when asked for training batch number ``stop_at`` (over epochs)."""

    served = 0

    def __init__(self, dataset, batch_size=128, shuffle=False, stop_at=0):
        super().__init__(dataset, batch_size, shuffle)
        self.stop_at = stop_at

    def __iter__(self):
        for batch in super().__iter__():
            _StopBetweenBatches.served += 1
            if _StopBetweenBatches.served == self.stop_at:
                raise KeyboardInterrupt
            yield batch


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((40, 5)).astype(np.float32),
            rng.standard_normal((40, 1)).astype(np.float32))


def _raw_net(**kwargs) -> FastNet:
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    return FastNet(module, criterion=torch.nn.MSELoss, optimizer=torch.optim.SGD, lr=0.1,
                   batch_size=10, max_epochs=3, **kwargs)


@pytest.mark.parametrize("where", ["on_batch_begin", "on_grad_computed", "between_batches"])
def test_an_interrupt_mid_epoch_leaves_the_history_skorch_leaves(where, monkeypatch):
    """Ctrl-C in batch 2 of epoch 2 (skorch's fit ends silently): the same history as skorch's."""
    data, target = _data()

    def fit():
        torch.manual_seed(1)
        if where == "between_batches":
            _StopBetweenBatches.served = 0
            net = _raw_net(iterator_train=_StopBetweenBatches, iterator_train__stop_at=6)
        else:
            net = _raw_net(callbacks=[_StopAt(6, where)])
        assert net.initialize()._batch_history_reader() is None
        return net.fit(data, target)

    ours = fit()
    with monkeypatch.context() as m:
        _skorch_loop(m)
        theirs = fit()
    assert _history(ours) == _history(theirs)
    assert all(torch.equal(a, b) for a, b in zip(_weights(ours), _weights(theirs), strict=True))
    batches = ours.history[-1, "batches"]
    assert len(ours.history) == 2 and "train_loss" not in ours.history[-1]
    finished = [["train_batch_size", "train_loss"]]
    if where == "between_batches":  # the 2nd batch never began
        assert [sorted(b) for b in batches] == finished
    else:  # the 2nd batch began: skorch's empty entry
        assert [sorted(b) for b in batches] == [*finished, []]
    assert type(batches[0]["train_loss"]) is float


def test_an_error_mid_epoch_records_the_finished_batches_then_raises():
    data, target = _data()
    net = _raw_net(callbacks=[_StopAt(3, error=RuntimeError)])
    with pytest.raises(RuntimeError, match="stop"):
        net.fit(data, target)
    batches = net.history[-1, "batches"]
    assert [sorted(b) for b in batches] == [["train_batch_size", "train_loss"]] * 2 + [[]]
    assert all(type(b["train_loss"]) is float for b in batches[:2])


def test_python_numbers_equal_item_for_each_dtype():
    values = [torch.tensor(0.1, dtype=torch.float32), torch.tensor(0.1, dtype=torch.float64),
              torch.tensor(0.3, dtype=torch.float32), 2.5, torch.tensor(3)]
    expected = [v.item() if isinstance(v, torch.Tensor) else v for v in values]
    numbers = _to_python_numbers(values)
    assert numbers == expected
    assert [type(n) for n in numbers] == [float, float, float, float, int]
    assert _to_python_numbers([]) == []


def test_deferred_scalar_detaches_and_rejects_what_item_rejects():
    weight = torch.ones(3, requires_grad=True)
    loss = (weight * 2).sum()
    kept = _deferred_scalar(loss.reshape(1))
    assert kept.shape == () and not kept.requires_grad and kept.item() == 6.0
    assert _deferred_scalar(np.float32(1.5)) == 1.5
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        _deferred_scalar(torch.ones(2))


def test_batch_callbacks_get_skorch_kwargs_once_per_batch(X, monkeypatch):
    """on_batch_begin/on_batch_end: called per batch, with skorch's keyword arguments."""

    def record(monkeypatch_ctx):
        calls = []

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            net.history.new_batch()  # what NeuralNet.on_batch_begin does
            calls.append(("begin", training, sorted(kwargs), tuple(batch[0].shape)))

        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            calls.append(("end", training, sorted(kwargs), tuple(batch[0].shape),
                          type(kwargs["loss"]).__name__, float(kwargs["loss"].detach())))

        # patched on NeuralNet itself, so FastNet still counts as not overriding them
        monkeypatch_ctx.setattr(NeuralNet, "on_batch_begin", on_batch_begin)
        monkeypatch_ctx.setattr(NeuralNet, "on_batch_end", on_batch_end)
        return calls

    def fit():
        return DenseAutoencoder((8,), 2, batch_size=60, max_epochs=2, validation_fraction=0.25,
                                random_state=0).fit(X)

    with monkeypatch.context() as m:
        ours = record(m)
        fitted = fit()
        assert fitted.net_._batch_history_reader() is None
    with monkeypatch.context() as m:
        theirs = record(m)
        _skorch_loop(m)
        fit()
    assert ours == theirs
    # per epoch: 3 training batches (150 rows) and 1 validation batch (50 rows), begin and end
    assert len(ours) == 2 * (3 + 1) * 2
    assert ours[1][:3] == ("end", True, ["loss", "y_pred"])
