"""scikit-learn's estimator checks over every public skdlies estimator."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdlies.aftershocks import AftershockNet
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder

# Small networks and few epochs: the checks test the API contract, not quality.
ESTIMATORS = [
    DenseAutoencoder(hidden_layer_sizes=(8,), n_components=2, max_epochs=2, batch_size=16),
    DenseAutoencoder(hidden_layer_sizes=(8,), n_components=2, max_epochs=2, noise_std=0.5),
    ConvAutoencoder(filters=(4,), max_epochs=2, batch_size=16),
    VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_epochs=2, batch_size=16),
    # enough epochs for check_classifiers_train's accuracy bar
    AftershockNet(hidden_layer_sizes=(8,), max_epochs=30, batch_size=16),
    AftershockNet(hidden_layer_sizes=(8,), max_epochs=30, batch_size=16, balanced_batches=True),
]

#: Checks that fail by design, with the reason. Keyed by estimator class name (none now).
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_expected_failures_are_real(estimator):
    """Every listed expected failure names a check that exists for this estimator."""
    from sklearn.utils.estimator_checks import _yield_all_checks

    names = {getattr(c, "func", c).__name__ for c in _yield_all_checks(estimator, legacy=True)}
    assert set(_expected_failed_checks(estimator)) <= names
