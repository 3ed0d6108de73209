"""The transformer contract shared by every autoencoder."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

FAST = {"max_epochs": 3, "random_state": 0}
MAKERS = {
    "dense": lambda **kw: DenseAutoencoder(hidden_layer_sizes=(32,), n_components=6, **kw),
    "denoising": lambda **kw: DenseAutoencoder(
        hidden_layer_sizes=(32,), n_components=6, noise_std=0.5, **kw
    ),
    "conv": lambda **kw: ConvAutoencoder(filters=(8, 8), **kw),
    "vae": lambda **kw: VariationalAutoencoder(n_components=2, hidden_layer_sizes=(32,), **kw),
}


@pytest.fixture(params=list(MAKERS))
def make(request):
    return MAKERS[request.param]


def test_shapes_dtypes_and_names(make, small_X):
    est = make(**FAST).fit(small_X)
    Z = est.transform(small_X)
    assert Z.shape == (len(small_X), est.n_components_) and Z.dtype == np.float32
    X_rec = est.inverse_transform(Z)
    assert X_rec.shape == small_X.shape and X_rec.dtype == np.float32
    assert np.all((X_rec >= 0) & (X_rec <= 1)), "pixel data get a sigmoid output"
    names = est.get_feature_names_out()
    assert len(names) == est.n_components_
    assert names[0] == type(est).__name__.lower() + "0"
    assert np.isfinite(est.score(small_X))


def test_same_random_state_is_bit_identical(make, small_X):
    a = make(**FAST).fit(small_X).transform(small_X)
    b = make(**FAST).fit(small_X).transform(small_X)
    np.testing.assert_array_equal(a, b)
    c = make(max_epochs=3, random_state=1).fit(small_X).transform(small_X)
    assert not np.array_equal(a, c)


def test_random_state_none_differs_between_fits(make, small_X):
    a = make(max_epochs=1).fit(small_X).transform(small_X[:5])
    b = make(max_epochs=1).fit(small_X).transform(small_X[:5])
    assert not np.array_equal(a, b)


def test_fit_leaves_global_torch_rng_untouched(make, small_X):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make(**FAST).fit(small_X)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_pickle_round_trip_gives_identical_outputs(make, small_X):
    est = make(**FAST).fit(small_X)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.transform(small_X), again.transform(small_X))
    Z = est.transform(small_X[:7])
    np.testing.assert_array_equal(est.inverse_transform(Z), again.inverse_transform(Z))


def test_training_lowers_reconstruction_error(make, small_X):
    short = make(max_epochs=1, random_state=0).fit(small_X).score(small_X)
    long = make(max_epochs=40, random_state=0).fit(small_X).score(small_X)
    assert long > short


def test_pandas_output_and_feature_names_in(make, small_X):
    df = pd.DataFrame(small_X, columns=[f"p{i}" for i in range(small_X.shape[1])])
    est = make(**FAST).set_output(transform="pandas").fit(df)
    np.testing.assert_array_equal(est.feature_names_in_, df.columns)
    out = est.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())


def test_validation_fraction_records_valid_loss(make, small_X):
    est = make(max_epochs=2, random_state=0, validation_fraction=0.2).fit(small_X)
    assert np.all(np.isfinite(est.net_.history[:, "valid_loss"]))


def test_callbacks_param_is_not_modified(make, small_X):
    from skorch.callbacks import EpochScoring

    cb = EpochScoring(lambda net, X, y: 0.0, name="zero", on_train=True)
    est = make(max_epochs=2, random_state=0, callbacks=[cb]).fit(small_X)
    assert est.net_.history[-1, "zero"] == 0.0
    assert est.callbacks[0] is cb
    assert not hasattr(cb, "best_score_"), "the user's callback was initialised in place"


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.full((5, 64), np.nan, dtype=np.float32), "NaN"),
        (np.full((5, 64), np.inf, dtype=np.float32), "infinity"),
        (np.zeros((0, 64), dtype=np.float32), "0 sample"),
        (np.zeros(64, dtype=np.float32), "Expected 2D array"),
        (np.zeros((5, 63), dtype=np.float32), "63 features"),
    ],
    ids=["nan", "inf", "empty", "1d", "wrong-width"],
)
def test_bad_input_to_transform(bad, match, small_X):
    est = DenseAutoencoder(hidden_layer_sizes=(8,), n_components=2, **FAST).fit(small_X)
    with pytest.raises(ValueError, match=match):
        est.transform(bad)


def test_inverse_transform_with_wrong_code_width(make, small_X):
    est = make(**FAST).fit(small_X)
    with pytest.raises(ValueError, match="n_components_"):
        est.inverse_transform(np.zeros((3, est.n_components_ + 1)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_epochs": 0}, "max_epochs"),
        ({"batch_size": -1}, "batch_size"),
        ({"lr": 0.0}, "'lr'"),
        ({"optimizer": "nosuchopt"}, "Unknown optimizer"),
        ({"hidden_layer_sizes": (8, -2)}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation"),
        ({"loss": "l1"}, "loss"),
        ({"noise_std": -0.1}, "noise_std"),
    ],
)
def test_bad_hyperparameters(params, match, small_X):
    with pytest.raises(ValueError, match=match):
        DenseAutoencoder(**params).fit(small_X)


def test_bce_needs_unit_interval_data(small_X):
    with pytest.raises(ValueError, match=r"loss='bce' needs training data in \[0, 1\]"):
        DenseAutoencoder(loss="bce", **FAST).fit(small_X * 3 - 1)


def test_auto_output_follows_data_range(small_X):
    unit = DenseAutoencoder(max_epochs=1).fit(small_X)
    assert (unit.output_activation_, unit.loss_) == ("sigmoid", "bce")
    real = DenseAutoencoder(max_epochs=1).fit(small_X * 4 - 2)
    assert (real.output_activation_, real.loss_) == ("identity", "mse")
    mse = DenseAutoencoder(max_epochs=1, loss="mse").fit(small_X)
    assert (mse.output_activation_, mse.loss_) == ("sigmoid", "mse")


def test_named_and_class_optimizers_are_equivalent(small_X):
    a = DenseAutoencoder(optimizer="SGD", **FAST).fit(small_X).transform(small_X)
    b = DenseAutoencoder(optimizer=torch.optim.SGD, **FAST).fit(small_X).transform(small_X)
    np.testing.assert_array_equal(a, b)
    c = DenseAutoencoder(optimizer="sgd", optimizer_params={"momentum": 0.9}, **FAST)
    assert not np.array_equal(c.fit(small_X).transform(small_X), a)


def test_pipeline_gridsearch_and_cross_val_score(digits):
    X, y = digits[0][:400], digits[1][:400]
    pipe = make_pipeline(
        DenseAutoencoder(hidden_layer_sizes=(32,), max_epochs=5, random_state=0),
        LogisticRegression(max_iter=500),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.5
    search = GridSearchCV(pipe, {"denseautoencoder__n_components": [2, 16]}, cv=2).fit(X, y)
    assert search.best_params_["denseautoencoder__n_components"] in (2, 16)
    assert clone(search.best_estimator_).get_params()["denseautoencoder__max_epochs"] == 5


def test_skorch_checkpoint_callback_saves_and_restores(tmp_path, small_X):
    from skorch.callbacks import Checkpoint

    checkpoint = Checkpoint(monitor="train_loss_best", dirname=str(tmp_path))
    est = DenseAutoencoder(max_epochs=3, random_state=0, callbacks=[checkpoint]).fit(small_X)
    assert (tmp_path / "params.pt").exists()
    fresh = DenseAutoencoder(max_epochs=1, random_state=1).fit(small_X)
    fresh.net_.load_params(checkpoint=Checkpoint(dirname=str(tmp_path)))
    np.testing.assert_array_equal(fresh.transform(small_X), est.transform(small_X))


@pytest.mark.parametrize(("loss", "activation", "reference"), [
    ("mse", "sigmoid", lambda out, t: ((torch.sigmoid(out) - t) ** 2).mean()),
    ("mse", "identity", lambda out, t: ((out - t) ** 2).mean()),
    ("bce", "sigmoid", lambda out, t: -(t * torch.log(torch.sigmoid(out))
                                        + (1 - t) * torch.log(1 - torch.sigmoid(out))).mean()),
])
def test_reconstruction_loss_by_hand(loss, activation, reference):
    """The loss reads pre-activation outputs; "mse" compares the activated output."""
    from skdlies.autoencoders._modules import ReconstructionLoss

    torch.manual_seed(0)
    output, target = torch.randn(4, 5, dtype=torch.float64), torch.rand(4, 5, dtype=torch.float64)
    got = ReconstructionLoss(loss, activation)(output, target)
    torch.testing.assert_close(got, reference(output, target), rtol=1e-12, atol=1e-12)
