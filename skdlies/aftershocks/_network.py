"""The aftershock-location network of DeVries et al. (2018, Nature 560:632)."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._base import SHARED_TRAINING_DOC, BaseNeuralEstimator, check_layer_sizes
from .._docstrings import with_sections
from .._nn import ACTIVATIONS, mlp
from .._skorch import BalancedBatchIterator, BinaryFastNet

__all__ = ["AftershockNet"]

#: Adadelta settings of Keras 2, which DeVries et al. used (PyTorch defaults: rho 0.9, eps 1e-6).
KERAS2_ADADELTA = {"rho": 0.95, "eps": 1e-7}


def lecun_uniform_(module: nn.Module) -> None:
    """Keras' ``lecun_uniform`` weights (U(+-sqrt(3 / fan_in))) and zero biases, in place."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = math.sqrt(3.0 / layer.in_features)
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.zeros_(layer.bias)


class _LogitNet(nn.Module):
    """Fully connected network with dropout that returns one logit per row."""

    def __init__(self, n_features: int, hidden_layer_sizes, activation: str, dropout: float):
        super().__init__()
        self.layers = mlp([n_features, *hidden_layer_sizes, 1], activation, dropout=dropout)
        lecun_uniform_(self.layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).squeeze(1)


@with_sections(shared_training=SHARED_TRAINING_DOC)
class AftershockNet(ClassifierMixin, BaseNeuralEstimator):
    """Binary classifier of DeVries et al. (2018): does a grid cell hold aftershocks?

    The network maps the 12 features of
    :class:`skdlies.stress.DeVriesFeatures` (or any inputs) through
    ``hidden_layer_sizes`` fully connected layers with ``activation`` and
    dropout after each, to one logit, trained with binary cross-entropy. The
    defaults are the paper's: 6 x 50 tanh units, dropout 0.5, LeCun-uniform
    initialisation, Adadelta with lr 1.0, rho 0.95, eps 1e-7 (Keras 2's
    defaults; TensorFlow 2's ``"adadelta"`` uses lr 0.001 and undertrains),
    batches of 3,500.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(50, 50, 50, 50, 50, 50)
        Units of each hidden layer, input side first; the output layer has one
        unit (the logit).
    activation : {"relu", "tanh", "sigmoid", "elu", "gelu", "selu", "identity"}, default="tanh"
        Hidden activation (the PyTorch module of that name).
    dropout : float, default=0.5
        Dropout probability after every hidden layer (0 disables it).
    balanced_batches : bool, default=False
        Draw every training batch half from each class, as the paper did
        (1,750 + 1,750); the minority class is cycled, and each epoch has as
        many batches as the shuffled batches of the same data would. The
        network then learns as if both classes were equally common: its
        ``predict_proba`` ranks cells (ROC AUC is unaffected) but is far above
        the base rate (means of 0.46 and 0.28 measured on data 7.5% and 16%
        positive). For
        probabilities of aftershocks, multiply the odds ``p / (1 - p)`` by
        ``pi / (1 - pi)`` for the base rate ``pi``, or calibrate with
        :class:`sklearn.calibration.CalibratedClassifierCV`.
    max_epochs : int, default=10
        Number of passes over the training data.
    batch_size : int, default=3500
        Samples per gradient step (with ``balanced_batches``, ``batch_size // 2``
        of each class).
    lr : float, default=1.0
        Learning rate (1.0: Keras 2's Adadelta default).
    optimizer : str or torch.optim.Optimizer subclass, default="adadelta"
        The optimizer, a :mod:`torch.optim` class or its name (case-insensitive),
        e.g. ``"adam"``.
    optimizer_params : dict, default=None
        Optimizer arguments. For Adadelta, ``rho=0.95`` and ``eps=1e-7`` are
        used unless given here.
    {shared_training}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the positive class ("holds aftershocks").
    net_ : skorch.NeuralNet
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdlies.aftershocks import AftershockNet
    >>> from skdlies.stress import DeVriesFeatures
    >>> model = make_pipeline(DeVriesFeatures(), AftershockNet(random_state=0))  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "balanced_batches": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (50, 50, 50, 50, 50, 50),
        activation: str = "tanh",
        dropout: float = 0.5,
        balanced_batches: bool = False,
        *,
        max_epochs: int = 10,
        batch_size: int = 3500,
        lr: float = 1.0,
        optimizer="adadelta",
        optimizer_params: dict | None = None,
        validation_fraction: float | None = None,
        callbacks: list | None = None,
        device: str = "cpu",
        cuda_graph: bool = False,
        random_state=None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            optimizer_params=optimizer_params, validation_fraction=validation_fraction,
            callbacks=callbacks, device=device, cuda_graph=cuda_graph,
            random_state=random_state, verbose=verbose,
        )
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.balanced_batches = balanced_batches

    _net_class = BinaryFastNet

    def _build_module(self, X):
        return _LogitNet(X.shape[1], check_layer_sizes(self.hidden_layer_sizes),
                         self.activation, self.dropout)

    def _build_criterion(self):
        return nn.BCEWithLogitsLoss()

    def _default_optimizer_params(self, optimizer: type) -> dict:
        return dict(KERAS2_ADADELTA) if optimizer is torch.optim.Adadelta else {}

    def _net_params(self) -> dict:
        return {"iterator_train": BalancedBatchIterator} if self.balanced_batches else {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            E.g. the 12 DeVries features of each grid cell.
        y : array-like of shape (n_samples,)
            Two classes (0/1, bool or strings); ``classes_[1]`` (the larger
            in sorted order, e.g. 1) is the positive class.

        Returns
        -------
        self : AftershockNet
            The fitted estimator.
        """
        with self._from_scratch():  # a refit that fails leaves no half-updated model behind
            X, y = validate_data(self, X, y, dtype=np.float32)
            check_classification_targets(y)
            y_type = type_of_target(y, input_name="y")
            if y_type != "binary":
                raise ValueError(
                    "Only binary classification is supported (cells with or without aftershocks). "
                    f"The type of the target is {y_type}."
                )
            self.classes_, y_index = np.unique(y, return_inverse=True)
            if len(self.classes_) != 2:
                raise ValueError(
                    f"y has 1 class ({self.classes_.tolist()}); AftershockNet needs cells with and "
                    "without aftershocks."
                )
        self._fit_net(X, y_index.astype(np.float32))  # keeps the last finished epoch on errors
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train one more epoch on ``(X, y)`` (online or resumed training).

        As scikit-learn's ``SGDClassifier``: the first call needs ``classes``
        (the two labels; a batch need not hold both, except with
        ``balanced_batches=True``, which draws both classes in every batch)
        and builds the network as
        :meth:`fit` does; later calls check the width of ``X`` and that ``y``
        holds only known labels. ``k`` calls on the same data under an int
        ``random_state`` give exactly the weights of ``fit`` with
        ``max_epochs=k``; after :meth:`fit`, a call trains one more epoch.
        Hyperparameters are read on the first call: a later
        ``set_params`` takes effect at the next ``fit`` (with a warning),
        except ``callbacks``, which are attached to the continuing network
        (e.g. given again after :func:`skdlies.load`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Labels of the rows of ``X``, each one of ``classes``.
        classes : array-like of shape (2,), default=None
            Both labels. Required on the first call; if given later, it must
            equal ``classes_``.

        Returns
        -------
        self : AftershockNet
            The estimator, trained one more epoch.
        """
        first = self._is_first_partial_fit()
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit (the two labels, "
                "e.g. classes=[0, 1])."
            )
        if classes is not None:
            classes = np.unique(classes)
            if first:
                if len(classes) != 2:
                    raise ValueError(
                        f"AftershockNet is a binary classifier: classes must hold 2 labels, got "
                        f"{classes.tolist()}."
                    )
            elif not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()} is not the same as on the first call to "
                    f"partial_fit, was {self.classes_.tolist()}."
                )
        with self._from_scratch(active=first):
            X, y = validate_data(self, X, y, dtype=np.float32, reset=first)
            check_classification_targets(y)
            known = classes if first else self.classes_
            unknown = np.setdiff1d(y, known)
            if len(unknown):
                raise ValueError(
                    f"y holds labels {unknown.tolist()} that are not in classes {known.tolist()}."
                )
            if first:
                self.classes_ = classes
            y_index = np.searchsorted(self.classes_, y).astype(np.float32)
        self._partial_fit_net(X, y_index, first=first)
        return self

    def decision_function(self, X) -> np.ndarray:
        """Logit of the positive class for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            float32 logits; positive means the positive class is more probable.
        """
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=np.float32)
        return self._apply(self.net_.module_, X)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (after ``balanced_batches=True``, of a balanced prior: see there).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Probabilities (float64), columns in ``classes_`` order.
        """
        logits = self.decision_function(X)  # validates X first
        proba = np.empty((len(logits), 2))
        p = proba[:, 1]
        np.negative(logits, out=p)  # float32 logits into float64, in place
        np.exp(p, out=p)
        p += 1.0
        np.reciprocal(p, out=p)
        np.subtract(1.0, p, out=proba[:, 0])
        return proba

    def predict(self, X) -> np.ndarray:
        """The more probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
