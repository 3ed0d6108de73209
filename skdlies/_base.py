"""Shared machinery of every skdlies network estimator.

A skdlies estimator is a plain scikit-learn estimator: ``__init__`` stores the
hyperparameters and ``fit`` validates the data, seeds PyTorch from
``random_state``, builds a :class:`skdlies._skorch.FastNet` and trains it. The
fitted skorch net is kept as ``net_`` (history, callbacks, checkpoints).

``partial_fit`` trains one epoch per call. The seed is drawn from
``random_state`` once, on the first call, and PyTorch's generator state is
carried from one call to the next (``_torch_rng_state_``), so ``k`` calls train
exactly like ``fit`` with ``max_epochs=k``. Each finished epoch is snapshotted
(:class:`skdlies._skorch.EpochSnapshot`): a ``KeyboardInterrupt`` in the middle
of an epoch rolls the net back to the last finished one.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EpochScoring, LRScheduler
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ._skorch import (
    EpochSnapshot,
    FastNet,
    ValidationSplit,
    capture_training_state,
    get_rng_state,
    restore_training_state,
    rng_devices,
    rng_state,
)
from ._warnings import TrainingDivergedWarning, TrainingInterruptedWarning, user_stacklevel

__all__ = [
    "INFERENCE_BATCH_SIZE",
    "SHARED_TRAINING_DOC",
    "BaseNeuralEstimator",
    "check_layer_sizes",
    "resolve_optimizer",
    "torch_seed",
]

#: Batch size used for inference (transform, predict); it bounds memory, not results.
INFERENCE_BATCH_SIZE = 4096

#: The numpydoc entries of the training hyperparameters that every network estimator shares,
#: with the same defaults, for the ``{shared_training}`` line of each estimator's docstring.
SHARED_TRAINING_DOC = """\
validation_fraction : float, default=None
    Fraction of the training data held out to record ``valid_loss`` in
    ``net_.history`` each epoch (combine with skorch's ``EarlyStopping``).
callbacks : list of skorch callbacks, default=None
    Checkpointing, early stopping, learning-rate schedules... Copied at each
    ``fit``: the list given here is never modified.
device : str, default="cpu"
    PyTorch device, e.g. ``"cuda"``. Outputs are always numpy arrays on the host.
cuda_graph : bool, default=False
    On a CUDA ``device``, record one training step in a CUDA graph and
    replay it for every full batch: far fewer kernel launches, which bound
    the speed of small networks on a GPU. Needs an optimizer with a
    ``capturable`` option (Adam, Adadelta, ...) or SGD, and no callback
    that acts on each batch; otherwise training runs eagerly with a
    warning. Results are reproducible with an int ``random_state`` but not
    bit-identical to eager training. See :doc:`/guide/scaling`.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, the validation split and every
    random draw of training (denoising noise, dropout, balanced batches,
    the VAE's samples). An int gives bit-identical results on the same
    device; PyTorch's global generator is restored after ``fit``.
verbose : int, default=0
    0 is silent; 1 prints skorch's per-epoch table.
"""


#: Name of the :class:`~skdlies._skorch.EpochSnapshot` callback in every skdlies net.
SNAPSHOT_CALLBACK = "skdlies_epoch_snapshot"


@contextmanager
def torch_seed(seed: int, device: str | torch.device = "cpu") -> Iterator[None]:
    """Seed PyTorch's generators for the duration of the block only.

    The global generator state of the caller is restored on exit, so fitting a
    skdlies estimator has no side effect on the user's other PyTorch code.
    """
    with torch.random.fork_rng(devices=rng_devices(device)):
        torch.manual_seed(seed)
        yield


def _same_value(a, b) -> bool:
    """Whether two hyperparameter values are the same (sequences and arrays by value)."""
    if a is b:
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):  # (4,) and [4] build alike
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. arrays of several elements
        return isinstance(a, np.ndarray | list | tuple) and np.array_equal(a, b)


def _same_optimizer(a, b) -> bool:
    """Whether two ``optimizer`` values name the same class ("Adam" and "adam" do)."""
    try:
        return resolve_optimizer(a) is resolve_optimizer(b)
    except (ValueError, TypeError):  # not an optimizer: it fails at the next fit, which builds it
        return _same_value(a, b)


def _same_layer_sizes(a, b) -> bool:
    """Whether two ``hidden_layer_sizes`` build the same layers (8 and (8,) do)."""
    try:
        return check_layer_sizes(a) == check_layer_sizes(b)
    except (ValueError, TypeError):  # invalid: it fails at the next fit
        return _same_value(a, b)


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


def check_layer_sizes(sizes, name: str = "hidden_layer_sizes", *,
                      min_length: int = 0) -> tuple[int, ...]:
    """``sizes`` as a tuple of at least ``min_length`` positive ints, or a ValueError
    naming the parameter."""
    sizes = tuple(np.ravel(sizes).tolist()) if np.ndim(sizes) else (sizes,)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.")
    if len(sizes) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} value(s), got {sizes!r}.")
    return tuple(int(s) for s in sizes)


def _check_callbacks(callbacks, validation: bool) -> None:
    """A ValueError, before training, for a callback that the net cannot serve.

    - With no validation set (``validation`` False): a callback that watches a
      ``valid_*`` score (``monitor`` of EarlyStopping, Checkpoint, ...) that no
      earlier ``EpochScoring`` records; an ``LRScheduler`` only with
      ``ReduceLROnPlateau``, the only policy that reads it.
    - ``EpochScoring(use_caching=False)``: without its cache, skorch's scoring
      reads the targets from a skorch ``Dataset``, but skdlies keeps the data as
      tensors on the device, so the scorer would get no targets (``y=None``).
    """
    recorded = set()
    for item in callbacks or []:
        callback = item[1] if isinstance(item, tuple) else item
        if isinstance(callback, EpochScoring):
            if callback.use_caching is False:
                raise ValueError(
                    f"EpochScoring({callback.scoring!r}, use_caching=False) is not supported: "
                    "skdlies feeds scores from the predictions made during each epoch; leave "
                    "use_caching at its default (True)."
                )
            if isinstance(callback.name, str):
                recorded |= {callback.name, callback.name + "_best"}
        reads_monitor = not isinstance(callback, LRScheduler) or callback.policy in (
            "ReduceLROnPlateau", ReduceLROnPlateau)
        if validation or not reads_monitor:
            continue
        monitor = getattr(callback, "monitor", None)
        if isinstance(monitor, str) and monitor.startswith("valid_") and monitor not in recorded:
            raise ValueError(
                f"{type(callback).__name__} monitors {monitor!r}, but there is no validation "
                "set: set validation_fraction (e.g. 0.1; for a fitted estimator, at the next "
                "fit) or monitor 'train_loss'."
            )


def _warn_if_diverged(estimator, net) -> None:
    """Warn when training left non-finite weights (as scikit-learn's MLP fails).

    The weights, not the last loss: EarlyStopping(load_best=True) may have restored
    finite ones after the loss blew up.
    """
    with torch.no_grad():
        finite = all(bool(torch.isfinite(p).all()) for p in net.module_.parameters())
    if not finite:
        loss = net.history[-1].get("train_loss") if len(net.history) else None
        warnings.warn(
            f"{type(estimator).__name__} training diverged: its weights are not finite (last "
            f"training loss {loss}), so its outputs are not usable. Scale the inputs (e.g. "
            "pixels to [0, 1], StandardScaler) or lower lr.",
            TrainingDivergedWarning,
            stacklevel=user_stacklevel(),
        )


class BaseNeuralEstimator(BaseEstimator):
    """Base class of the skdlies network estimators.

    Subclasses implement ``_build_module(X)`` and ``_build_criterion()``; their
    ``fit`` validates the data and calls :meth:`_fit_net`, their ``partial_fit``
    calls :meth:`_partial_fit_net` (seeding, one epoch per call, interrupts and
    the generator state carried between calls are handled here). The training
    hyperparameters below are shared by all.

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
    cuda_graph : bool
        Replay each full training batch from a CUDA graph (CUDA devices only;
        see :class:`skdlies._graph.GraphedTrainStep`).
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
        "cuda_graph": ["boolean"],
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
        cuda_graph,
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
        self.cuda_graph = cuda_graph
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

    #: The skorch net class (:class:`~skdlies._skorch.BinaryFastNet` for a classifier).
    _net_class: type[FastNet] = FastNet

    def _net_params(self) -> dict:
        """Extra keyword arguments of the skorch net (e.g. another batch iterator)."""
        return {}

    def _make_net(self, X: np.ndarray, seed: int | None = None) -> FastNet:
        """The skorch net for data like ``X`` (only its shape is used); not initialised.

        ``seed`` seeds the validation split, which then draws from a generator of
        its own (the same split at every ``partial_fit`` call).
        """
        optimizer = resolve_optimizer(self.optimizer)
        # what the net is built from, so that a continued partial_fit sees later set_params
        self._built_params = self.get_params(deep=False)
        params = {**self._default_optimizer_params(optimizer), **(self.optimizer_params or {})}
        optimizer_params = {f"optimizer__{key}": value for key, value in params.items()}
        net = self._net_class(
            module=self._build_module(X),
            criterion=self._build_criterion(),
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=(
                None if self.validation_fraction is None
                else ValidationSplit(self.validation_fraction, seed)
            ),
            callbacks=self._net_callbacks(self.validation_fraction is not None),
            device=self.device,
            cuda_graph=self.cuda_graph,
            verbose=self.verbose,
            **optimizer_params,
            **self._net_params(),
        )
        net._graph_mode()  # a bad cuda_graph / device pair fails here, before any state is set
        return net

    def _net_callbacks(self, validation: bool) -> list:
        """The net's callbacks: the epoch snapshot, then copies of ``callbacks``.

        ``validation``: whether the net has a validation split, without which a
        callback that watches a validation score is refused.
        """
        _check_callbacks(self.callbacks, validation)
        # the snapshot comes first so that it records an epoch before EarlyStopping ends the run
        return [(SNAPSHOT_CALLBACK, EpochSnapshot()), *(copy.deepcopy(self.callbacks) or [])]

    def _sync_continued_net(self) -> None:
        """Before a continued ``partial_fit``: apply changed callbacks, warn of other changes.

        The net, its optimizer and its schedule are those of the first call. New
        ``callbacks`` (e.g. given again after :func:`skdlies.load`) are attached;
        any other hyperparameter changed since takes effect at the next ``fit``,
        which a warning says rather than ignoring it silently.
        """
        built = getattr(self, "_built_params", None)
        if built is None:
            return
        current = self.get_params(deep=False)
        if current["callbacks"] is not built["callbacks"]:
            self.net_.callbacks = self._net_callbacks(self.net_.train_split is not None)
            self.net_.initialize_callbacks()
            built["callbacks"] = current["callbacks"]
        same = {"optimizer": _same_optimizer, "hidden_layer_sizes": _same_layer_sizes}
        changed = [name for name, value in current.items()  # max_epochs: partial_fit runs one
                   if name in built and name != "max_epochs"
                   and not same.get(name, _same_value)(value, built[name])]
        if changed:
            warnings.warn(
                f"partial_fit continues the network built by the first call; "
                f"{', '.join(changed)} changed since and take(s) effect at the next fit.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _on_net_built(self) -> None:
        """Set fitted attributes that come from the new module (e.g. ``n_components_``)."""

    def _init_net(self, X: np.ndarray) -> None:
        """Build and initialise ``net_`` under a seed drawn (once) from ``random_state``.

        If building fails (a bad hyperparameter), every fitted attribute is removed,
        also those the caller derived from ``X`` before: no half-built model stays.
        """
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        try:
            with torch_seed(seed, self.device):
                self.net_ = self._make_net(X, seed)
                self.net_.initialize()
                self._torch_rng_state_ = get_rng_state(self.device)
            self._seed_ = seed
            self._on_net_built()
        except BaseException:
            self._unfit()
            raise

    def _fit_net(self, X: np.ndarray, y=None) -> None:
        """Build ``net_`` under a seed drawn from ``random_state`` and train ``max_epochs``."""
        self._init_net(X)
        self._train_net(X, y, self.max_epochs, continued=False)

    def _partial_fit_net(self, X: np.ndarray, y=None, *, first: bool) -> None:
        """One more epoch on ``X``; the ``first`` call builds the net as ``fit`` does."""
        if first:
            self._init_net(X)
        else:
            self._sync_continued_net()
        self._train_net(X, y, 1, continued=not first)

    def _is_first_partial_fit(self) -> bool:
        return not hasattr(self, "net_")

    def _train_net(self, X: np.ndarray, y, epochs: int, *, continued: bool) -> None:
        """Train ``epochs`` epochs from the carried generator state; handle interrupts.

        A ``KeyboardInterrupt`` in the middle of an epoch (skorch stops its loop
        silently) rolls the net back to the last finished epoch, or to the state
        before this call, with a :class:`TrainingInterruptedWarning`. If no epoch
        of a new net finished, the estimator is left unfitted. An exception is
        re-raised after the same roll-back.
        """
        net = self.net_
        snapshot = dict(net.callbacks_)[SNAPSHOT_CALLBACK]
        try:
            with rng_state(self._torch_rng_state_, self.device, self._seed_):
                snapshot.start(capture_training_state(net) if continued else None)
                # ``epochs`` reaches skorch's fit_loop through partial_fit's fit parameters
                net.partial_fit(X, y, epochs=epochs)
        except BaseException:  # an error: keep the last finished epoch too, then raise
            state = snapshot.state
            snapshot.start(None)
            if state is None:
                self._unfit()
            else:
                restore_training_state(net, state)
                self._torch_rng_state_ = state.rng
            raise
        state, interrupted = snapshot.state, snapshot.in_epoch
        snapshot.start(None)  # drop the copies: the fitted estimator keeps one set of weights
        if state is None:
            self._unfit()
            warnings.warn(
                f"{type(self).__name__} training was interrupted (KeyboardInterrupt) before "
                "its first epoch finished; the estimator is not fitted.",
                TrainingInterruptedWarning,
                stacklevel=user_stacklevel(),
            )
            return
        if interrupted:
            restore_training_state(net, state)
            # skorch ran on_train_end before the roll-back: a load_best callback (EarlyStopping,
            # Checkpoint) restored its best weights then, which the roll-back overwrote
            for _, callback in net.callbacks_:
                if getattr(callback, "load_best", False):
                    callback.on_train_end(net)
            warnings.warn(
                f"{type(self).__name__} training was interrupted (KeyboardInterrupt) during "
                f"epoch {state.n_epochs + 1}; the estimator keeps the weights of the last "
                f"finished epoch ({state.n_epochs}). Call partial_fit to continue.",
                TrainingInterruptedWarning,
                stacklevel=user_stacklevel(),
            )
        self._torch_rng_state_ = state.rng
        _warn_if_diverged(self, net)

    def _unfit(self) -> None:
        """Remove every fitted attribute (those ending in ``_``)."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.endswith("__")]:
            delattr(self, name)

    @contextmanager
    def _from_scratch(self, active: bool = True):
        """Validation before a fit from scratch: no fitted attribute before it, none if it raises.

        Wraps what a fit does before it builds the network (which ``_init_net``
        and ``_train_net`` guard themselves). ``active=False`` (a continued
        ``partial_fit``) leaves the fitted model alone.
        """
        if not active:
            yield
            return
        self._unfit()
        try:
            yield
        except Exception:
            self._unfit()
            raise

    def __sklearn_is_fitted__(self) -> bool:
        # fitted means a trained network, not merely attributes left by a failed fit
        return hasattr(self, "net_")

    # -- inference ----------------------------------------------------------------------------

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], X: np.ndarray) -> np.ndarray:
        """Apply ``fn`` of the fitted module to ``X`` in inference batches; numpy on the host."""
        check_is_fitted(self, "net_")
        module = self.net_.module_
        module.eval()
        device = self.net_.device
        out = None
        with torch.inference_mode():
            # at least one (possibly empty) batch, which gives the output's shape and dtype
            for start in range(0, max(len(X), 1), INFERENCE_BATCH_SIZE):
                # a copy of one batch: cheap, and safe for read-only (memory-mapped) input
                batch = torch.tensor(np.ascontiguousarray(X[start : start + INFERENCE_BATCH_SIZE]))
                result = fn(batch.to(device)).cpu().numpy()
                if out is None:
                    # one preallocated output: a list of batch outputs joined at the end
                    # held the heap at ~12x the output's size on 10M rows
                    out = np.empty((len(X), *result.shape[1:]), dtype=result.dtype)
                out[start : start + len(result)] = result
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

