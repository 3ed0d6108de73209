"""Shared machinery of every skdlies network estimator.

A skdlies estimator is a plain scikit-learn estimator: ``__init__`` stores the
hyperparameters and ``fit`` validates the data, seeds PyTorch from
``random_state``, builds a :class:`skdlies._skorch.FastNet` and trains it. The
fitted skorch net is kept as ``net_`` (history, callbacks, checkpoints).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._skorch import FastNet, ValidationSplit

__all__ = [
    "INFERENCE_BATCH_SIZE",
    "BaseNeuralEstimator",
    "check_layer_sizes",
    "resolve_optimizer",
    "torch_seed",
]

#: Batch size used for inference (transform, predict); it bounds memory, not results.
INFERENCE_BATCH_SIZE = 4096


@contextmanager
def torch_seed(seed: int, device: str | torch.device = "cpu") -> Iterator[None]:
    """Seed PyTorch's generators for the duration of the block only.

    The global generator state of the caller is restored on exit, so fitting a
    skdlies estimator has no side effect on the user's other PyTorch code.
    """
    device = torch.device(device)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def resolve_optimizer(optimizer: str | type) -> type:
    """Return the :mod:`torch.optim` class named by ``optimizer`` (case-insensitive)."""
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        names = {
            name.lower(): cls
            for name, cls in vars(torch.optim).items()
            if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)
        }
        names.pop("optimizer", None)
        if optimizer.lower() in names:
            return names[optimizer.lower()]
        raise ValueError(
            f"Unknown optimizer {optimizer!r}; use a torch.optim class or one of "
            f"{sorted(names)}."
        )
    raise TypeError(
        f"optimizer must be a string or a torch.optim.Optimizer class, got {optimizer!r}."
    )


def check_layer_sizes(sizes, name: str = "hidden_layer_sizes") -> tuple[int, ...]:
    """``sizes`` as a tuple of positive ints, or a ValueError naming the parameter."""
    sizes = tuple(np.ravel(sizes).tolist()) if np.ndim(sizes) else (sizes,)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.")
    return tuple(int(s) for s in sizes)


class BaseNeuralEstimator(BaseEstimator):
    """Base class of the skdlies network estimators.

    Subclasses implement ``_build_module(X)`` and ``_build_criterion()`` and call
    :meth:`_fit_net`. The training hyperparameters below are shared by all.

    Parameters
    ----------
    max_epochs : int
        Number of passes over the training data.
    batch_size : int
        Samples per gradient step.
    lr : float
        Learning rate.
    optimizer : str or torch.optim.Optimizer subclass
        The optimizer, e.g. ``"adam"`` or ``torch.optim.SGD``.
    optimizer_params : dict or None
        Further keyword arguments of the optimizer (e.g. ``{"weight_decay": 1e-5}``).
    validation_fraction : float or None
        Fraction of the training data held out to record ``valid_loss`` in
        ``net_.history`` each epoch (for early stopping, pass a skorch
        ``EarlyStopping`` callback). ``None``: train on everything.
    callbacks : list of skorch callbacks or None
        Extra skorch callbacks (checkpointing, early stopping, LR schedules...).
        They are copied at each ``fit``, so the list given here is never modified.
    device : str
        PyTorch device, e.g. ``"cpu"`` or ``"cuda"``.
    random_state : int, RandomState instance or None
        Seeds weight initialisation, shuffling, noise and dropout. An int gives
        bit-identical results on the same device; ``None`` differs between runs.
    verbose : int
        0 is silent; 1 prints skorch's per-epoch table.
    """

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [str, type],
        "optimizer_params": [dict, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        max_epochs: int,
        batch_size: int,
        lr: float,
        optimizer,
        optimizer_params,
        validation_fraction,
        callbacks,
        device,
        random_state,
        verbose,
    ) -> None:
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- training -----------------------------------------------------------------------------

    def _build_module(self, X: np.ndarray) -> torch.nn.Module:
        raise NotImplementedError

    def _build_criterion(self) -> torch.nn.Module:
        raise NotImplementedError

    def _default_optimizer_params(self, optimizer: type) -> dict:
        """Optimizer arguments used unless ``optimizer_params`` overrides them."""
        return {}

    def _net_params(self) -> dict:
        """Extra keyword arguments of the skorch net (e.g. another batch iterator)."""
        return {}

    def _make_net(self, X: np.ndarray) -> FastNet:
        optimizer = resolve_optimizer(self.optimizer)
        params = {**self._default_optimizer_params(optimizer), **(self.optimizer_params or {})}
        optimizer_params = {f"optimizer__{key}": value for key, value in params.items()}
        return FastNet(
            module=self._build_module(X),
            criterion=self._build_criterion(),
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=(
                None if self.validation_fraction is None
                else ValidationSplit(self.validation_fraction)
            ),
            callbacks=copy.deepcopy(self.callbacks) or None,
            device=self.device,
            verbose=self.verbose,
            **optimizer_params,
            **self._net_params(),
        )

    def _fit_net(self, X: np.ndarray, y=None) -> None:
        """Build ``net_`` under a seed drawn from ``random_state`` and train it."""
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        with torch_seed(seed, self.device):
            self.net_ = self._make_net(X)
            self.net_.fit(X, y)

    # -- inference ----------------------------------------------------------------------------

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], X: np.ndarray) -> np.ndarray:
        """Apply ``fn`` of the fitted module to ``X`` in inference batches; numpy on the host."""
        check_is_fitted(self, "net_")
        module = self.net_.module_
        module.eval()
        device = self.net_.device
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(X), INFERENCE_BATCH_SIZE):
                # a copy of one batch: cheap, and safe for read-only (memory-mapped) input
                batch = torch.tensor(X[start : start + INFERENCE_BATCH_SIZE])
                outputs.append(fn(batch.to(device)).cpu())
        return torch.cat(outputs).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

