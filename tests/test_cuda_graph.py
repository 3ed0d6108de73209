"""Training steps replayed from a CUDA graph (``cuda_graph=True``), checked on the CPU.

A CPU cannot record a CUDA graph, so these tests run the graph bookkeeping in
its emulated form (``FastNet(cuda_graph="emulate")``: every "replay" runs the
recorded step on the static inputs and writes static outputs). Emulated
training must equal eager training bit for bit: any mistake in feeding the
static inputs, in keeping the losses of earlier replays, in the eager steps
(warm-up, the shorter last batch) or in re-recording a stale graph shows up as
a different loss or weight. The recording itself is checked on a GPU by
``tests/test_cuda.py``.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import (
    Callback,
    EpochScoring,
    Freezer,
    GradientNormClipping,
    LRScheduler,
    Unfreezer,
)

from skdlies._graph import GRAPH_WARMUP_STEPS, GraphedTrainStep, make_capturable
from skdlies._skorch import FastNet, ValidationSplit
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

N_ROWS, BATCH = 1050, 100  # 10 full batches and a shorter one per epoch


@pytest.fixture()
def emulated_on_cpu(monkeypatch):
    """Estimators with ``cuda_graph=True`` train on the CPU with the emulated graph."""

    def mode(net):
        return "emulate" if net.cuda_graph else None

    monkeypatch.setattr(FastNet, "_graph_mode", mode)


class _Logit(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(12, 16), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 1)
        )

    def forward(self, x):
        return self.layers(x).squeeze(1)


@pytest.fixture(scope="module")
def Xy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_ROWS, 12)).astype(np.float32)
    return X, (X[:, 0] + rng.standard_normal(N_ROWS) > 1).astype(np.float32)


def _fit_net(Xy, cuda_graph, *, epochs=3, **params):
    params = {"optimizer": torch.optim.Adadelta, "lr": 1.0, **params}
    torch.manual_seed(0)
    net = FastNet(_Logit, criterion=torch.nn.BCEWithLogitsLoss, batch_size=BATCH,
                  max_epochs=epochs, cuda_graph=cuda_graph, **params)
    return net.fit(*Xy)


def _batch_losses(net):
    """The loss of every batch, training and validation, in order."""
    return [
        batch["train_loss" if "train_loss" in batch else "valid_loss"]
        for epoch in net.history
        for batch in epoch["batches"]
    ]


def _assert_same_training(a, b):
    assert _batch_losses(a) == _batch_losses(b)
    assert a.history[:, "train_loss"] == b.history[:, "train_loss"]
    for p, q in zip(a.module_.parameters(), b.module_.parameters(), strict=True):
        assert torch.equal(p, q)


def test_emulated_graph_trains_exactly_like_eager(Xy, graph_steps):
    eager, graphed = _fit_net(Xy, False), _fit_net(Xy, "emulate")
    _assert_same_training(eager, graphed)
    assert len(set(_batch_losses(graphed))) == len(_batch_losses(graphed))  # one per batch
    (step,) = graph_steps
    # 10 full batches per epoch: the first 3 warm up, the rest replay; the 11th is eager
    assert step.n_recordings == 1
    assert step.n_replays == 3 * 10 - GRAPH_WARMUP_STEPS
    assert graphed._graph_step_ is None  # dropped when the fit loop ends
    assert not any("graph_step" in name for name in graphed.get_params())


def test_emulated_graph_with_validation_epochs_between(Xy, graph_steps):
    """Evaluation batches (eval mode, no dropout) run between the replays of training batches."""
    split = {"train_split": ValidationSplit(0.2, seed=0)}
    eager, graphed = _fit_net(Xy, False, **split), _fit_net(Xy, "emulate", **split)
    _assert_same_training(eager, graphed)
    assert graphed.history[:, "valid_loss"] == eager.history[:, "valid_loss"]
    assert graph_steps[0].n_replays > 0


@pytest.mark.parametrize("optimizer", [torch.optim.Adam, torch.optim.SGD, torch.optim.RMSprop])
def test_emulated_graph_with_other_optimizers(Xy, optimizer, graph_steps):
    params = {"optimizer": optimizer, "lr": 0.01}
    if optimizer is torch.optim.SGD:
        params["optimizer__momentum"] = 0.9
    _assert_same_training(_fit_net(Xy, False, **params), _fit_net(Xy, "emulate", **params))
    assert graph_steps[0].n_replays > 0


def test_graph_is_recorded_again_when_the_learning_rate_changes(Xy, graph_steps):
    def scheduler():
        return LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5)

    eager = _fit_net(Xy, False, epochs=4, callbacks=[scheduler()])
    graphed = _fit_net(Xy, "emulate", epochs=4, callbacks=[scheduler()])
    _assert_same_training(eager, graphed)
    assert graph_steps[0].n_recordings == 4  # lr is baked into a recording: one per epoch


def test_graph_is_stale_once_the_optimizer_state_is_replaced(Xy):
    net = _fit_net(Xy, False, epochs=1)
    step = GraphedTrainStep(net, emulate=True)
    baked = step._bakes()
    assert step._same(baked, step._bakes())
    net.optimizer_.load_state_dict(copy.deepcopy(net.optimizer_.state_dict()))  # new tensors
    assert not step._same(baked, step._bakes())
    baked = step._bakes()
    net.optimizer_.param_groups[0]["lr"] = 0.5
    assert not step._same(baked, step._bakes())


class _AtEpoch(Callback):
    """Runs ``action(net)`` at the beginning of epoch ``epoch`` (1-based)."""

    def __init__(self, epoch, action):
        self.epoch, self.action = epoch, action

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            self.action(net)


def _freeze_first_layer(net):
    for p in net.module_.layers[0].parameters():
        p.requires_grad_(False)


def test_graph_is_recorded_again_when_a_parameter_is_frozen(Xy, graph_steps):
    """A frozen parameter gets no gradient, so a recording made before must not update it."""
    eager = _fit_net(Xy, False, callbacks=[_AtEpoch(2, _freeze_first_layer)])
    graphed = _fit_net(Xy, "emulate", callbacks=[_AtEpoch(2, _freeze_first_layer)])
    _assert_same_training(eager, graphed)
    assert graph_steps[0].n_recordings == 2


def _new_optimizer():
    return [_AtEpoch(2, lambda net: net.initialize_optimizer())]


def _frozen_then_unfrozen():
    return [Freezer("layers.0.*"), Unfreezer("layers.0.*", at=3)]


@pytest.mark.parametrize("callbacks", [_new_optimizer, _frozen_then_unfrozen])
def test_new_optimizer_state_comes_from_an_eager_step(Xy, callbacks, graph_steps, monkeypatch):
    """State created inside a recording would be reset at every replay: never record without
    it. A new optimizer has none; a parameter frozen from the start has none when unfrozen."""
    states = []
    record = GraphedTrainStep._record

    def spy(self, Xb, yb):
        optimizer = self.net.optimizer_
        states.append(all(optimizer.state[p] for p in self.net.module_.parameters()
                          if p.requires_grad))
        return record(self, Xb, yb)

    monkeypatch.setattr(GraphedTrainStep, "_record", spy)
    params = {"optimizer": torch.optim.Adam, "lr": 0.01}
    eager = _fit_net(Xy, False, callbacks=callbacks(), **params)
    graphed = _fit_net(Xy, "emulate", callbacks=callbacks(), **params)
    _assert_same_training(eager, graphed)
    assert states == [True, True]
    # the change starts an epoch with one eager step that creates the state, then records
    assert graph_steps[0].n_replays == 3 * 10 - GRAPH_WARMUP_STEPS - 1


def test_training_goes_on_eagerly_when_recording_fails(Xy, graph_steps, monkeypatch):
    import skdlies._graph

    def unrecordable(self, step):
        raise RuntimeError("operation not permitted when stream is capturing\n(details)")

    monkeypatch.setattr(skdlies._graph._EmulatedGraph, "__init__", unrecordable)
    with pytest.warns(UserWarning, match=r"could not be recorded .*\(RuntimeError: operation "
                      r"not permitted when stream is capturing\); training goes on eagerly"):
        graphed = _fit_net(Xy, "emulate")
    _assert_same_training(_fit_net(Xy, False), graphed)
    (step,) = graph_steps
    assert step.failure.startswith("RuntimeError: operation not permitted")
    assert (step.n_recordings, step.n_replays) == (0, 0)


def test_batches_of_another_shape_run_eagerly(Xy, graph_steps):
    X, y = Xy
    eager, graphed = _fit_net((X[:95], y[:95]), False), _fit_net((X[:95], y[:95]), "emulate")
    _assert_same_training(eager, graphed)  # one batch of 95 per epoch: 3 warm-ups, no room left
    assert graph_steps[0].n_replays == 0
    # a dataset of 4 full batches replays from the 4th batch of the first epoch on
    small = (X[:400], y[:400])
    _assert_same_training(_fit_net(small, False), _fit_net(small, "emulate"))
    assert graph_steps[-1].n_replays == 3 * 4 - GRAPH_WARMUP_STEPS


def _mean_probability(net, X, y):
    return float(np.mean(net.predict_proba(X)))


@pytest.mark.parametrize(
    ("callback", "named"),
    [
        (GradientNormClipping(1.0), "acts on each batch's gradients"),
        (EpochScoring(_mean_probability, on_train=True), "keeps each training batch's predictions"),
        (LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=1, step_every="batch"),
         "reads each batch's results"),
    ],
)
def test_callbacks_a_replay_cannot_serve_make_training_eager(Xy, callback, named, graph_steps):
    with pytest.warns(UserWarning, match=f"training runs eagerly: callback .*{named}"):
        graphed = _fit_net(Xy, "emulate", callbacks=[callback])
    _assert_same_training(_fit_net(Xy, False, callbacks=[callback]), graphed)
    assert graph_steps == []


@pytest.mark.parametrize("optimizer", [torch.optim.Adagrad, torch.optim.LBFGS])
def test_optimizers_that_cannot_be_recorded_make_training_eager(Xy, optimizer):
    with pytest.warns(UserWarning, match=f"{optimizer.__name__} cannot be recorded"):
        _fit_net(Xy, "emulate", epochs=1, optimizer=optimizer, lr=0.01)


def test_warns_once_per_fit(Xy):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit_net(Xy, "emulate", epochs=3, optimizer=torch.optim.Adagrad, lr=0.01)
    assert sum("runs eagerly" in str(w.message) for w in caught) == 1


class _PickleAtEpochEnd(Callback):
    def initialize(self):
        self.pickled = []
        return self

    def on_epoch_end(self, net, **kwargs):
        assert isinstance(net._graph_step_, GraphedTrainStep)
        self.pickled.append(pickle.dumps(net))


def test_net_pickles_in_the_middle_of_a_graphed_fit(Xy):
    """A checkpoint that pickles the net mid-fit (the recorded step cannot be pickled)."""
    net = _fit_net(Xy, "emulate", epochs=1, callbacks=[("pickle", _PickleAtEpochEnd())])
    unpickled = pickle.loads(dict(net.callbacks_)["pickle"].pickled[0])
    assert "_graph_step_" not in vars(unpickled)


def test_bad_settings_are_refused(Xy):
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device, but device='cpu'"):
        _fit_net(Xy, True, epochs=1)
    with pytest.raises(ValueError, match="cuda_graph must be True, False or 'emulate', got 'yes'"):
        _fit_net(Xy, "yes", epochs=1)
    net = _fit_net(Xy, False, epochs=1)
    with pytest.raises(ValueError, match="warmup_steps must be at least 1, got 0"):
        GraphedTrainStep(net, emulate=True, warmup_steps=0)
    with pytest.raises(ValueError, match="CUDA graphs need a CUDA device; the net is on cpu"):
        GraphedTrainStep(net)


@pytest.mark.parametrize(
    "make", [DenseAutoencoder, ConvAutoencoder, VariationalAutoencoder, AftershockNet]
)
def test_estimator_refuses_cuda_graph_off_cuda_and_stays_unfitted(make, small_X):
    est = make(cuda_graph=True, max_epochs=1)
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device"):
        if make is AftershockNet:
            est.fit(small_X[:, :12], np.arange(len(small_X)) % 2)
        else:
            est.fit(small_X.reshape(-1, 8, 8) if make is ConvAutoencoder else small_X)
    assert not hasattr(est, "net_")


def _estimator_cases(X):
    y = (X[:, 20] > 0.3).astype(int)
    common = {"max_epochs": 3, "batch_size": 50, "random_state": 0}
    return {
        "denoising": (DenseAutoencoder((16,), 4, noise_std=0.3, **common), X, None),
        "conv": (ConvAutoencoder(filters=(4,), **common), X.reshape(-1, 8, 8), None),
        "vae": (VariationalAutoencoder(2, (16,), **common), X, None),
        "aftershocknet": (AftershockNet((8, 8), **common), X, y),
        "balanced": (AftershockNet((8, 8), balanced_batches=True, **common), X, y),
    }


@pytest.mark.parametrize("name", ["denoising", "conv", "vae", "aftershocknet", "balanced"])
def test_estimators_train_exactly_alike_with_the_emulated_graph(
    name, small_X, emulated_on_cpu, graph_steps
):
    est, X, y = _estimator_cases(small_X)[name]
    eager = est.fit(X, y)
    graphed = type(est)(**{**est.get_params(), "cuda_graph": True}).fit(X, y)
    assert graph_steps[-1].n_replays > 0
    assert _batch_losses(graphed.net_) == _batch_losses(eager.net_)
    if name in ("aftershocknet", "balanced"):
        assert np.array_equal(graphed.predict_proba(X), eager.predict_proba(X))
    else:
        assert np.array_equal(graphed.transform(X), eager.transform(X))


def test_make_capturable():
    adam = torch.optim.Adam(torch.nn.Linear(2, 1).parameters())
    make_capturable(adam)
    assert adam.defaults["capturable"] and all(g["capturable"] for g in adam.param_groups)
    sgd = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    make_capturable(sgd)
    assert "capturable" not in sgd.defaults
