"""skdlies.save / skdlies.load (safetensors + JSON, no pickle) and pickle/joblib round trips."""

from __future__ import annotations

import io
import json
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch
from safetensors import safe_open
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from skorch.callbacks import Callback, EpochScoring

import skdlies
from skdlies._base import resolve_optimizer
from skdlies._persistence import FORMAT_VERSION, METADATA_KEY
from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

SMALL = {"max_epochs": 2, "batch_size": 50, "random_state": 0}


@pytest.fixture(scope="module")
def data(digits):
    X = np.ascontiguousarray(digits[0][:200])
    rng = np.random.default_rng(0)
    Xc = rng.normal(size=(200, 6)).astype(np.float32)
    yc = np.where(Xc[:, 0] + 0.5 * rng.normal(size=200) > 0.5, "aftershocks", "none")
    return X, Xc, yc


def _fitted(name, data):
    X, Xc, yc = data
    if name == "dense":
        return DenseAutoencoder((16,), 4, noise_std=0.3, **SMALL).fit(X), X
    if name == "conv":
        return ConvAutoencoder(filters=(4,), **SMALL).fit(X.reshape(-1, 8, 8)), X
    if name == "vae":
        return VariationalAutoencoder(2, (16,), **SMALL).fit(X), X
    frame = pd.DataFrame(Xc, columns=[f"f{i}" for i in range(6)])
    est = AftershockNet((8, 8), balanced_batches=True, optimizer=torch.optim.Adadelta, **SMALL)
    return est.fit(frame, yc), frame


def _outputs(est, X) -> dict[str, np.ndarray]:
    """Every output of a fitted estimator on X."""
    if isinstance(est, AftershockNet):
        return {"proba": est.predict_proba(X), "predict": est.predict(X),
                "decision": est.decision_function(X),
                "score": np.array(est.score(X, est.predict(X)))}
    out = {"codes": est.transform(X), "score": np.array(est.score(X))}
    out["rec"] = est.inverse_transform(out["codes"])
    if isinstance(est, VariationalAutoencoder):
        out["elbo"] = est.score_samples(X)
        out["sample"] = est.sample(5, random_state=0)
    return out


def _assert_same_outputs(a, b, X):
    out_a, out_b = _outputs(a, X), _outputs(b, X)
    assert out_a.keys() == out_b.keys()
    for key in out_a:
        assert np.array_equal(out_a[key], out_b[key]), key


def _rewrite(path, edit_metadata=None, edit_tensors=None):
    """Rewrite a saved file with edited metadata or tensors (simulates other writers)."""
    with safe_open(str(path), "pt") as f:
        metadata = json.loads(f.metadata()[METADATA_KEY])
        tensors = {key: f.get_tensor(key) for key in f.keys()}
    if edit_metadata:
        edit_metadata(metadata)
    if edit_tensors:
        edit_tensors(tensors)
    safetensors.torch.save_file(tensors, str(path), {METADATA_KEY: json.dumps(metadata)})


NAMES = ["dense", "conv", "vae", "aftershocknet"]


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip_is_bit_identical(name, data, tmp_path):
    est, X = _fitted(name, data)
    path = tmp_path / "model.safetensors"
    skdlies.save(est, path)
    loaded = skdlies.load(path)
    assert type(loaded) is type(est)
    _assert_same_outputs(est, loaded, X)
    params, saved = loaded.get_params(), est.get_params()
    assert resolve_optimizer(params.pop("optimizer")) is resolve_optimizer(saved.pop("optimizer"))
    assert params == saved
    fitted = {k for k in vars(est) if k.endswith("_")}
    assert fitted == {k for k in vars(loaded) if k.endswith("_")}
    for key in fitted - {"net_", "_torch_rng_state_"}:
        np.testing.assert_equal(getattr(loaded, key), getattr(est, key), err_msg=key)
        assert type(getattr(loaded, key)) is type(getattr(est, key)), key
    assert list(loaded.net_.history[:, "train_loss"]) == list(est.net_.history[:, "train_loss"])
    # the file is plain data: safetensors tensors and a JSON header
    with safe_open(str(path), "pt") as f:
        metadata = json.loads(f.metadata()[METADATA_KEY])
    assert metadata["format"] == FORMAT_VERSION and metadata["class"] == type(est).__name__
    assert metadata["skdlies_version"] == skdlies.__version__
    assert metadata["torch_version"] == torch.__version__


def test_feature_names_and_string_classes_survive(data, tmp_path):
    est, frame = _fitted("aftershocknet", data)
    skdlies.save(est, tmp_path / "m.st")
    loaded = skdlies.load(tmp_path / "m.st")
    assert loaded.classes_.tolist() == ["aftershocks", "none"]
    assert loaded.feature_names_in_.tolist() == [f"f{i}" for i in range(6)]
    assert loaded.optimizer == "Adadelta"
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"f0": "other"}))


def test_conv_image_shape_and_data_range_survive(data, tmp_path):
    est, X = _fitted("conv", data)
    skdlies.save(est, tmp_path / "c.st")
    loaded = skdlies.load(tmp_path / "c.st")
    assert loaded.image_shape_ == (8, 8) and isinstance(loaded.image_shape_, tuple)
    assert loaded.data_range_ == est.data_range_
    assert np.array_equal(loaded.transform(X.reshape(-1, 8, 8)), est.transform(X))


def test_callbacks_are_not_stored(data, tmp_path):
    X = data[0]
    est = DenseAutoencoder((8,), 2, callbacks=[EpochScoring("neg_mean_squared_error")], **SMALL)
    est.fit(X)
    skdlies.save(est, tmp_path / "m.st")
    loaded = skdlies.load(tmp_path / "m.st")
    assert loaded.callbacks is None
    assert np.array_equal(loaded.transform(X), est.transform(X))
    with safe_open(str(tmp_path / "m.st"), "pt") as f:
        assert json.loads(f.metadata()[METADATA_KEY])["params_not_saved"] == ["callbacks"]


class _CountEpochs(Callback):
    def initialize(self):
        self.n = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.n += 1
        net.history.record("counted", self.n)


def test_callbacks_given_again_after_load_are_attached(data, tmp_path):
    X = data[0]
    skdlies.save(DenseAutoencoder((8,), 2, **SMALL).fit(X), tmp_path / "m.st")
    loaded = skdlies.load(tmp_path / "m.st")
    loaded.set_params(callbacks=[_CountEpochs()])
    loaded.partial_fit(X)
    assert loaded.net_.history[-1, "counted"] == 1
    assert "_CountEpochs" in dict(loaded.net_.callbacks_)


def test_history_entries_of_numpy_scalars_survive_and_others_are_dropped(data, tmp_path):
    class Record(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("grad_norm", np.float32(1.5))
            net.history.record("weights", torch.zeros(2))  # JSON cannot hold a tensor

    X = data[0]
    est = DenseAutoencoder((8,), 2, callbacks=[Record()], **SMALL).fit(X)
    with pytest.warns(UserWarning, match=r"history entries \['weights'\] cannot be stored"):
        skdlies.save(est, tmp_path / "m.st")
    history = skdlies.load(tmp_path / "m.st").net_.history
    assert len(history) == 2  # the epoch count survives: schedules and early stopping read it
    assert history[:, "grad_norm"] == [1.5, 1.5]
    assert history[:, "train_loss"] == pytest.approx(est.net_.history[:, "train_loss"])
    assert "weights" not in history[-1]


def test_model_saved_on_cuda_loads_on_cpu(data, tmp_path):
    """A file written on a GPU machine (device "cuda" in the metadata) loads onto the CPU."""
    est, X = _fitted("dense", data)
    path = tmp_path / "gpu.st"
    skdlies.save(est, path)

    def as_if_cuda(metadata):
        metadata["device"] = "cuda"
        metadata["params"]["device"] = "cuda"

    def with_cuda_rng(tensors):
        tensors["rng/cuda"] = torch.zeros(16, dtype=torch.uint8)

    _rewrite(path, as_if_cuda, with_cuda_rng)
    loaded = skdlies.load(path, device="cpu")
    assert loaded.device == "cpu" and loaded.net_.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    assert set(loaded._torch_rng_state_) == {"cpu"}
    assert np.array_equal(loaded.transform(X), est.transform(X))
    loaded.partial_fit(X)  # and it trains on


def test_model_trained_with_cuda_graphs_loads_and_trains_on_cpu(data, tmp_path):
    """A GPU file with ``cuda_graph=True``: its optimizer groups say ``capturable`` (GPU only)."""
    est, X = _fitted("dense", data)
    path = tmp_path / "graphed.st"
    skdlies.save(est, path)

    def as_if_graphed_on_cuda(metadata):
        metadata["device"] = metadata["params"]["device"] = "cuda"
        metadata["params"]["cuda_graph"] = True
        for group in metadata["optimizers"]["optimizer"]["param_groups"]:
            group["__dict__"]["capturable"] = True

    _rewrite(path, as_if_graphed_on_cuda)
    loaded = skdlies.load(path, device="cpu")
    assert loaded.cuda_graph is False
    assert not any(g["capturable"] for g in loaded.net_.optimizer_.param_groups)
    assert np.array_equal(loaded.transform(X), est.transform(X))
    loaded.partial_fit(X)  # a capturable Adam would refuse to step on the CPU


def test_save_is_atomic(data, tmp_path, monkeypatch):
    est, _ = _fitted("dense", data)
    path = tmp_path / "m.st"
    skdlies.save(est, path)
    before = path.read_bytes()

    def broken(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", broken)
    with pytest.raises(OSError, match="disk full"):
        skdlies.save(est, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.st"]


def test_load_rejects_files_that_are_not_skdlies_models(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just some notes, long enough to look like a header length\n")
    with pytest.raises(ValueError, match="not a skdlies model file"):
        skdlies.load(text)
    other = tmp_path / "other.safetensors"
    safetensors.torch.save_file({"w": torch.zeros(3)}, str(other))
    with pytest.raises(ValueError, match="not a skdlies model"):
        skdlies.load(other)
    with pytest.raises(FileNotFoundError, match="missing"):
        skdlies.load(tmp_path / "missing.st")


def test_load_never_imports_names_from_the_file(data, tmp_path):
    est, _ = _fitted("dense", data)
    path = tmp_path / "m.st"
    skdlies.save(est, path)
    _rewrite(path, lambda m: m.update({"class": "os.system"}))
    with pytest.raises(ValueError, match=r"unknown estimator class 'os\.system'"):
        skdlies.load(path)
    _rewrite(path, lambda m: m.update({"class": "DenseAutoencoder"}))
    _rewrite(path, lambda m: m["fitted"].update({"transform": 1}))
    with pytest.raises(ValueError, match="'transform' is not a fitted attribute name"):
        skdlies.load(path)


def test_load_rejects_a_newer_format(data, tmp_path):
    est, _ = _fitted("dense", data)
    path = tmp_path / "m.st"
    skdlies.save(est, path)
    _rewrite(path, lambda m: m.update({"format": FORMAT_VERSION + 1, "skdlies_version": "9.0"}))
    with pytest.raises(ValueError, match=(
        rf"saved with skdlies 9\.0, format {FORMAT_VERSION + 1}; this skdlies "
        rf"\(.*\) reads format <= {FORMAT_VERSION}"
    )):
        skdlies.load(path)


def test_load_rejects_weights_of_the_wrong_shape(data, tmp_path):
    est, _ = _fitted("dense", data)
    path = tmp_path / "m.st"
    skdlies.save(est, path)

    def shrink(tensors):
        key = next(k for k in tensors if k.startswith("module/") and k.endswith("weight"))
        tensors[key] = tensors[key][:-1].contiguous()

    _rewrite(path, edit_tensors=shrink)
    with pytest.raises(ValueError, match=r"do not fit the DenseAutoencoder.*size mismatch"):
        skdlies.load(path)


def test_save_rejects_what_it_cannot_store(data, tmp_path):
    X = data[0]
    with pytest.raises(NotFittedError):
        skdlies.save(DenseAutoencoder(), tmp_path / "m.st")
    with pytest.raises(TypeError, match=r"skdlies\.save takes a fitted DenseAutoencoder"):
        skdlies.save(MinMaxScaler().fit(X), tmp_path / "m.st")

    class MyAdam(torch.optim.Adam):
        pass

    est = DenseAutoencoder((4,), 2, optimizer=MyAdam, **SMALL).fit(X)
    with pytest.raises(ValueError, match=r"only torch\.optim classes are stored"):
        skdlies.save(est, tmp_path / "m.st")
    assert not (tmp_path / "m.st").exists()
    est = DenseAutoencoder((4,), 2, optimizer="lbfgs", **SMALL).fit(X)
    with pytest.raises(ValueError, match=r"cannot save DenseAutoencoder: optimizer .*'lbfgs'"):
        skdlies.save(est, tmp_path / "m.st")
    assert not (tmp_path / "m.st").exists()


# -- pickle and joblib --------------------------------------------------------------------------


def _joblib_round_trip(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dump", [lambda o: pickle.loads(pickle.dumps(o)), _joblib_round_trip],
                         ids=["pickle", "joblib"])
def test_pickle_and_joblib_round_trips(name, dump, data):
    est, X = _fitted(name, data)
    _assert_same_outputs(est, dump(est), X)


def test_pipeline_round_trips(data):
    X = data[0]
    pipe = make_pipeline(StandardScaler(), MinMaxScaler(), DenseAutoencoder((8,), 2, **SMALL))
    pipe.fit(X)
    for copy in (pickle.loads(pickle.dumps(pipe)), _joblib_round_trip(pipe)):
        assert np.array_equal(copy.transform(X), pipe.transform(X))
        assert copy.score(X) == pipe.score(X)


def test_fitted_grid_search_round_trips(data, tmp_path):
    _, Xc, yc = data
    search = GridSearchCV(
        AftershockNet((4,), **SMALL), {"dropout": [0.0, 0.5]}, cv=2, scoring="roc_auc"
    ).fit(Xc, yc)
    for copy in (pickle.loads(pickle.dumps(search)), _joblib_round_trip(search)):
        assert copy.best_params_ == search.best_params_
        assert np.array_equal(copy.predict_proba(Xc), search.predict_proba(Xc))
    skdlies.save(search.best_estimator_, tmp_path / "best.st")  # the best network, without pickle
    loaded = skdlies.load(tmp_path / "best.st")
    assert np.array_equal(loaded.predict_proba(Xc), search.predict_proba(Xc))


def test_set_output_survives(data, tmp_path):
    X = data[0]
    ae = DenseAutoencoder((8,), 2, max_epochs=1, random_state=0).fit(X)
    ae.set_output(transform="pandas")
    skdlies.save(ae, tmp_path / "ae.st")
    loaded = skdlies.load(tmp_path / "ae.st")
    pd.testing.assert_frame_equal(loaded.transform(X), ae.transform(X))


def _drop(key):
    return lambda metadata: metadata.pop(key)


def _drop_fitted(key):
    return lambda metadata: metadata["fitted"].pop(key)


@pytest.mark.parametrize("edit", [
    _drop("class"), _drop("fitted"), _drop("params"), _drop_fitted("n_features_in_"),
    lambda metadata: metadata.update(history=0), lambda metadata: metadata.update(fitted=[]),
    lambda metadata: metadata["params"].update(max_epochs="abc"),
], ids=["no-class", "no-fitted", "no-params", "no-n_features_in_", "history-0", "fitted-list",
        "bad-param"])
def test_an_edited_header_is_a_clear_error(edit, data, tmp_path):
    ae = DenseAutoencoder((8,), 2, max_epochs=1, random_state=0).fit(data[0])
    path = tmp_path / "ae.st"
    skdlies.save(ae, path)
    _rewrite(path, edit_metadata=edit)
    with pytest.raises(ValueError, match=r"ae\.st: .*(edited|not a skdlies|unknown|max_epochs)"):
        skdlies.load(path)
