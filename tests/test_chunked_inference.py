"""Inference in batches of ``INFERENCE_BATCH_SIZE`` equals one forward pass over all rows.

``transform`` / ``inverse_transform`` / ``decision_function`` / ``predict_proba`` cut
their input into batches to bound memory; on ~50k rows (a dozen batches, the last
one ragged) the result must be that of a single pass of the module over the whole
array, whatever the batch size, also for read-only memory-mapped input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import skdlies._base as base
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

N_ROWS = 50_001  # not a multiple of any batch size used below
RTOL, ATOL = 1e-5, 1e-6  # float32: a different batch may change the BLAS blocking


def single_pass(fn, X: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return fn(torch.from_numpy(np.ascontiguousarray(X))).numpy()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X12 = rng.standard_normal((N_ROWS, 12)).astype(np.float32)
    y = (X12[:, 0] + 0.5 * rng.standard_normal(N_ROWS) > 0).astype(int)
    X64 = rng.random((N_ROWS, 64), dtype=np.float32)  # 8x8 "images" in [0, 1]
    return X12, y, X64


@pytest.fixture(scope="module")
def net(data):
    X12, y, _ = data
    small = slice(0, 2000)
    return AftershockNet(hidden_layer_sizes=(16, 16), max_epochs=1, random_state=0).fit(
        X12[small], y[small])


@pytest.fixture(scope="module", params=["dense", "conv", "vae"])
def autoencoder(request, data):
    X64 = data[2][:500]
    kw = dict(max_epochs=1, batch_size=100, random_state=0)
    if request.param == "dense":
        return DenseAutoencoder(hidden_layer_sizes=(16,), n_components=4, **kw).fit(X64)
    if request.param == "conv":
        return ConvAutoencoder(filters=(2, 2), **kw).fit(X64)
    return VariationalAutoencoder(hidden_layer_sizes=(16,), n_components=3, **kw).fit(X64)


@pytest.fixture(params=[4096, 997, 10**9], ids=["default", "ragged", "one-batch"])
def batch_size(request, monkeypatch):
    monkeypatch.setattr(base, "INFERENCE_BATCH_SIZE", request.param)
    return request.param


def test_default_batch_size_makes_many_batches():
    assert N_ROWS // base.INFERENCE_BATCH_SIZE >= 10


def test_aftershock_net_batches_equal_one_pass(net, data, batch_size):
    X12 = data[0]
    module = net.net_.module_.eval()
    logit = single_pass(module, X12)
    got = net.decision_function(X12)
    assert got.shape == (N_ROWS,) and got.dtype == np.float32
    np.testing.assert_allclose(got, logit, rtol=RTOL, atol=ATOL)
    p = 1 / (1 + np.exp(-logit.astype(np.float64)))
    proba = net.predict_proba(X12)
    assert proba.shape == (N_ROWS, 2)
    np.testing.assert_allclose(proba, np.column_stack([1 - p, p]), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(net.predict(X12)[np.abs(logit) > 1e-4], (logit > 0)[
        np.abs(logit) > 1e-4].astype(int))


def test_autoencoder_batches_equal_one_pass(autoencoder, data, batch_size):
    X64 = data[2]
    module = autoencoder.net_.module_.eval()
    codes = autoencoder.transform(X64)
    assert len(codes) == N_ROWS
    np.testing.assert_allclose(codes, single_pass(module.encode, X64), rtol=RTOL, atol=ATOL)
    rec = autoencoder.inverse_transform(codes)
    np.testing.assert_allclose(rec, single_pass(module.reconstruct, codes), rtol=RTOL,
                               atol=ATOL)
    assert rec.shape == X64.shape


def test_batch_size_does_not_change_results(net, data, monkeypatch):
    X12 = data[0]
    outputs = []
    for size in (1, 4096, 33_333, 10**9):
        monkeypatch.setattr(base, "INFERENCE_BATCH_SIZE", size)
        outputs.append(net.decision_function(X12[:5000]))
    for other in outputs[1:]:
        np.testing.assert_allclose(other, outputs[0], rtol=RTOL, atol=ATOL)


def test_read_only_memory_mapped_input(net, data, tmp_path):
    X12 = data[0]
    path = tmp_path / "X.npy"
    np.save(path, X12)
    mapped = np.load(path, mmap_mode="r")
    assert not mapped.flags.writeable
    np.testing.assert_array_equal(net.decision_function(mapped), net.decision_function(X12))
    assert not mapped.flags.writeable  # untouched


def test_empty_input_is_refused_not_crashing(net):
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        net.decision_function(np.empty((0, 12), np.float32))
