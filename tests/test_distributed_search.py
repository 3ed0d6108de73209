"""Hyperparameter searches over skdlies estimators on a dask cluster (joblib's dask backend).

The workers are processes (``processes=True``): PyTorch's global random generator,
which a fit seeds from ``random_state``, is per process, so process workers give
the serial search's results exactly; thread workers sharing one process would not.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, RandomizedSearchCV
from sklearn.pipeline import make_pipeline

distributed = pytest.importorskip("dask.distributed")

from skdlies.aftershocks import AftershockNet  # noqa: E402
from skdlies.datasets import make_toy_aftershocks  # noqa: E402
from skdlies.stress import DEVRIES_LABEL, DeVriesFeatures  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def data():
    toy = make_toy_aftershocks(n_events=3, half_width_km=20, random_state=0)
    return toy.frame.drop(columns=DEVRIES_LABEL), toy.target, toy.groups


def _pipeline():
    net = AftershockNet(hidden_layer_sizes=(16, 16), max_epochs=3, batch_size=128,
                        random_state=0)
    return make_pipeline(DeVriesFeatures(), net)


def _searches():
    common = {"cv": GroupKFold(3), "scoring": "roc_auc"}
    yield GridSearchCV(_pipeline(), {"aftershocknet__lr": [0.1, 1.0],
                                     "aftershocknet__dropout": [0.0, 0.5]}, **common)
    yield RandomizedSearchCV(_pipeline(), {"aftershocknet__lr": uniform(0.05, 1.0),
                                           "aftershocknet__dropout": [0.0, 0.25, 0.5]},
                             n_iter=3, random_state=0, **common)


@pytest.mark.parametrize("search", list(_searches()), ids=lambda s: type(s).__name__)
def test_dask_search_equals_serial_search(search, client, data):
    X, y, groups = data
    serial = clone(search).set_params(n_jobs=1).fit(X, y, groups=groups)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        dist = clone(search).set_params(n_jobs=None).fit(X, y, groups=groups)
    assert tasks.data, "the fits ran on the dask workers"

    serial_scores = serial.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(serial_scores)) and np.ptp(serial_scores) > 0
    np.testing.assert_allclose(dist.cv_results_["mean_test_score"], serial_scores,
                               rtol=1e-6, atol=0)
    assert dist.cv_results_["params"] == serial.cv_results_["params"]
    assert dist.best_params_ == serial.best_params_
    np.testing.assert_allclose(dist.predict_proba(X), serial.predict_proba(X), rtol=1e-6)
