"""The network estimators on a CUDA device (skipped on machines without one).

``benchmarks/gpu_check.sh`` runs this file on a GPU machine. It checks what the
CPU test suite can only simulate: training on the device with and without
recorded CUDA graphs, bit-identical refits from one seed, and a model saved on
the GPU that loads, predicts and trains on the CPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import skdlies
import skdlies._skorch
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

COMMON = {"max_epochs": 4, "batch_size": 50, "random_state": 0, "device": "cuda"}


def _case(name, X):
    """An estimator, its data and its outputs for ``name``."""
    y = (X[:, 20] > 0.3).astype(int)
    if name == "dense":
        return DenseAutoencoder((32,), 8, **COMMON), X, None
    if name == "denoising":
        return DenseAutoencoder((32,), 8, noise_std=0.3, **COMMON), X, None
    if name == "conv":
        return ConvAutoencoder(filters=(4,), **COMMON), X.reshape(-1, 8, 8), None
    if name == "vae":
        return VariationalAutoencoder(2, (32,), **COMMON), X, None
    return AftershockNet((16, 16), balanced_batches=name == "balanced", **COMMON), X, y


def _outputs(est, X):
    if isinstance(est, AftershockNet):
        return est.predict_proba(X)
    return est.transform(X)


def _losses(est):
    return np.array([b["train_loss"] for e in est.net_.history for b in e["batches"]])


NAMES = ["dense", "denoising", "conv", "vae", "aftershocknet", "balanced"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cuda_graph", [False, True])
def test_trains_on_cuda_and_returns_host_arrays(name, cuda_graph, small_X, graph_steps):
    est, X, y = _case(name, small_X)
    if isinstance(est, AftershockNet):  # with dropout 0.5, 4 epochs may learn too little to show
        est.set_params(max_epochs=12)
    est.set_params(cuda_graph=cuda_graph).fit(X, y)
    assert all(p.device.type == "cuda" for p in est.net_.module_.parameters())
    out = _outputs(est, X)
    assert isinstance(out, np.ndarray) and np.isfinite(out).all()
    losses = _losses(est)
    assert np.isfinite(losses).all()
    assert losses[-6:].mean() < losses[:6].mean()  # it learns
    if cuda_graph:
        (step,) = graph_steps
        assert step.n_recordings == 1 and step.n_replays > 0
    else:
        assert graph_steps == []


@pytest.mark.parametrize("name", ["dense", "vae", "aftershocknet"])
def test_graph_replay_trains_like_eager(name, small_X):
    """Without dropout or noise the replayed kernels are the eager ones: same losses, to rounding.

    (The capturable optimizer does its arithmetic on the device, hence not bit for bit.)
    """
    est, X, y = _case(name, small_X)
    if isinstance(est, AftershockNet):
        est.set_params(dropout=0.0)
    eager = _losses(est.fit(X, y))
    graphed = _losses(est.set_params(cuda_graph=True).fit(X, y))
    if name == "vae":  # the sampled codes differ: compare the epochs' means loosely
        assert abs(graphed[-10:].mean() / eager[-10:].mean() - 1) < 0.05
    else:
        np.testing.assert_allclose(graphed, eager, rtol=1e-3)


@pytest.mark.parametrize("name", ["denoising", "vae", "balanced", "conv"])
@pytest.mark.parametrize("cuda_graph", [False, True])
def test_same_seed_same_fit_on_cuda(name, cuda_graph, small_X, monkeypatch):
    """Dropout, noise, sampling and shuffling on the device are reproducible from random_state.

    cuDNN's convolutions are reproducible once it is told to be deterministic.
    """
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    est, X, y = _case(name, small_X)
    est.set_params(cuda_graph=cuda_graph)
    first = _outputs(est.fit(X, y), X)
    assert np.array_equal(_outputs(est.fit(X, y), X), first)
    assert not np.array_equal(_outputs(est.set_params(random_state=1).fit(X, y), X), first)


@pytest.mark.parametrize("name", ["dense", "conv", "vae", "aftershocknet"])
def test_saved_on_cuda_loads_on_cpu_and_on_cuda(name, small_X, tmp_path, monkeypatch):
    # cuDNN may run float32 convolutions in TF32 (10-bit mantissa): 2e-4 off the CPU's numbers
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    est, X, y = _case(name, small_X)
    est.set_params(cuda_graph=True).fit(X, y)
    path = tmp_path / "model.st"
    skdlies.save(est, path)
    on_gpu = skdlies.load(path, device="cuda")
    assert np.array_equal(_outputs(on_gpu, X), _outputs(est, X))
    assert on_gpu.cuda_graph is True
    on_cpu = skdlies.load(path, device="cpu")
    assert on_cpu.cuda_graph is False
    assert all(p.device.type == "cpu" for p in on_cpu.net_.module_.parameters())
    np.testing.assert_allclose(_outputs(on_cpu, X), _outputs(est, X), rtol=1e-4, atol=1e-5)
    on_cpu.partial_fit(X, y)  # the optimizer state came back without the device-only options
    on_gpu.partial_fit(X, y)


def test_partial_fit_trains_on_with_graphs(small_X, graph_steps):
    """Each partial_fit call records its graph again and trains one more epoch from the last."""
    est, X, _ = _case("denoising", small_X)
    est.set_params(cuda_graph=True)
    for _ in range(3):
        est.partial_fit(X)
    assert len(est.net_.history) == 3
    assert [step.n_recordings for step in graph_steps] == [1, 1, 1]
    assert all(step.n_replays > 0 for step in graph_steps)
    losses = _losses(est)
    assert np.isfinite(losses).all() and losses[-6:].mean() < losses[:6].mean()


@pytest.mark.parametrize("cuda_graph", [False, True])
def test_no_host_sync_per_batch(cuda_graph, small_X):
    """The data go to the device once and the losses come back once per epoch, not per batch."""
    X = np.tile(small_X, (4, 1))  # 1,200 rows: 24 batches of 50 per epoch, 48 in all
    est = DenseAutoencoder((32,), 8, max_epochs=2, batch_size=50, random_state=0,
                           device="cuda", cuda_graph=cuda_graph)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            est.fit(X)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) < 24, [f"{w.filename}:{w.lineno}" for w in syncs]


class _SyncsInForward(torch.nn.Module):
    """A module PyTorch cannot record: ``.item()`` reads a value back during the capture."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(64, 1)

    def forward(self, x):
        scale = 1.0 if x.abs().sum().item() >= 0 else 2.0
        return self.linear(x).squeeze(1) * scale


def test_a_step_that_cannot_be_recorded_trains_eagerly(small_X):
    from skdlies._skorch import FastNet

    X, y = small_X, (small_X[:, 20] > 0.3).astype(np.float32)

    def fit(cuda_graph):
        torch.manual_seed(0)
        net = FastNet(_SyncsInForward, criterion=torch.nn.BCEWithLogitsLoss, batch_size=50,
                      max_epochs=3, lr=0.01, optimizer=torch.optim.Adam, device="cuda",
                      cuda_graph=cuda_graph, train_split=None, verbose=0)
        return net.fit(X, y)

    with pytest.warns(UserWarning, match="could not be recorded .*training goes on eagerly"):
        graphed = fit(True)
    eager = fit(False)
    np.testing.assert_allclose(_losses_of(graphed), _losses_of(eager), rtol=1e-3)


def _losses_of(net):
    return np.array([b["train_loss"] for e in net.history for b in e["batches"]])
