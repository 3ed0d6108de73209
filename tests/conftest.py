import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def digits():
    """Built-in 8x8 digits in [0, 1]: (X_train, y_train, X_test, y_test), float32."""
    from skdlies.datasets import load_small_digits

    train, test = load_small_digits("train"), load_small_digits("test")
    return train.data, train.target, test.data, test.target


@pytest.fixture(scope="session")
def small_X(digits):
    """The first 300 training digits: enough to train a few epochs in well under a second."""
    return np.ascontiguousarray(digits[0][:300])


@pytest.fixture()
def graph_steps(monkeypatch):
    """The ``GraphedTrainStep`` objects that training creates, for their counters."""
    import skdlies._skorch
    from skdlies._graph import GraphedTrainStep

    created = []

    class Recorded(GraphedTrainStep):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(skdlies._skorch, "GraphedTrainStep", Recorded)
    return created
