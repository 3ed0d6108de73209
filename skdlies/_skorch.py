"""Fast in-memory batching for skorch.

skorch's default :class:`skorch.dataset.Dataset` goes through a PyTorch
``DataLoader`` that calls ``__getitem__`` once per sample and collates the
results, which costs more than the forward and backward pass of a small
network. Here the whole array is held as one tensor on the net's device and
every batch is a single indexing operation.

skorch also reads every batch's loss back to the host (``loss.item()``), which
on a GPU waits for the device once per step. :class:`FastNet` keeps the
losses on the device and reads them in one transfer at the end of the epoch.
With ``cuda_graph=True`` it replays each training step from a recorded CUDA
graph (:mod:`skdlies._graph`).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import ClassifierTags
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochScoring, LRScheduler
from skorch.dataset import get_len
from skorch.history import History
from skorch.utils import to_numpy
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ._graph import GraphedTrainStep, graph_blocker, make_capturable
from ._warnings import user_stacklevel

__all__ = [
    "BalancedBatchIterator",
    "BatchIterator",
    "BinaryFastNet",
    "EpochSnapshot",
    "FastNet",
    "TensorDataset",
    "TrainingState",
    "ValidationSplit",
    "capture_training_state",
    "get_rng_state",
    "restore_training_state",
    "rng_devices",
    "rng_state",
]


def _as_tensor(values) -> torch.Tensor:
    """``values`` as a tensor, sharing numpy's memory where torch can (no negative strides)."""
    if isinstance(values, np.ndarray) and any(step < 0 for step in values.strides):
        values = np.ascontiguousarray(values)  # e.g. X[::-1]: torch refuses negative strides
    return torch.as_tensor(values)


class TensorDataset(torch.utils.data.Dataset):
    """Inputs and targets held as tensors on one device.

    Parameters
    ----------
    X : array-like or torch.Tensor
        Inputs; the first axis indexes samples.
    y : array-like, torch.Tensor or None
        Targets. ``None`` means the target is ``X`` itself (autoencoders); no
        copy is made.
    device : str or torch.device
        Where the tensors live, e.g. ``"cpu"`` or ``"cuda"``.
    """

    def __init__(self, X, y=None, device: str | torch.device = "cpu") -> None:
        self.X = _as_tensor(X).to(device)
        self.y = None if y is None else _as_tensor(y).to(device)
        if self.y is not None and len(self.y) != len(self.X):
            raise ValueError(f"X has {len(self.X)} samples but y has {len(self.y)}.")

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        Xi = self.X[index]
        return Xi, (Xi if self.y is None else self.y[index])

    def subset(self, index: torch.Tensor) -> TensorDataset:
        """A new dataset with the samples at ``index`` (a copy)."""
        out = TensorDataset.__new__(TensorDataset)
        out.X = self.X[index]
        out.y = None if self.y is None else self.y[index]
        return out


class BatchIterator:
    """Iterate over a :class:`TensorDataset` in batches sliced from its tensors.

    Parameters
    ----------
    dataset : TensorDataset
        The data.
    batch_size : int
        Samples per batch; the last batch may be smaller.
    shuffle : bool
        Draw a new permutation each epoch from PyTorch's global generator (seeded
        by the estimator from its ``random_state``).
    """

    def __init__(self, dataset: TensorDataset, batch_size: int = 128, shuffle: bool = False):
        if not isinstance(dataset, TensorDataset):
            raise TypeError(f"BatchIterator needs a TensorDataset, got {type(dataset).__name__}.")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        X, y = self.dataset.X, self.dataset.y
        n, bs = len(X), self.batch_size
        if self.shuffle:
            order = torch.randperm(n, device=X.device)
            for start in range(0, n, bs):
                index = order[start : start + bs]
                Xb = X[index]
                yield Xb, (Xb if y is None else y[index])
        else:
            for start in range(0, n, bs):
                Xb = X[start : start + bs]
                yield Xb, (Xb if y is None else y[start : start + bs])


class BalancedBatchIterator(BatchIterator):
    """Batches of half positives, half negatives, for rare-event binary labels.

    DeVries et al. (2018) trained on batches of 3,500 cells, 1,750 with
    aftershocks and 1,750 without. An epoch keeps the number of steps of an
    ordinary epoch (``ceil(n / batch_size)``); each class is drawn through
    fresh random permutations of itself, so the minority class is cycled
    (oversampled) and no sample repeats before its whole class has been seen.

    Parameters
    ----------
    dataset : TensorDataset
        Targets ``y`` must be 0/1 and hold both classes.
    batch_size : int
        Samples per batch (``batch_size // 2`` of each class; at least 2).
    shuffle : bool
        Ignored: balanced batches are always drawn at random (the argument
        exists because skorch passes it).
    """

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        X, y = self.dataset.X, self.dataset.y
        if y is None:
            raise ValueError("balanced batches need class labels y.")
        half = self.batch_size // 2
        if half < 1:
            raise ValueError(f"balanced batches need batch_size >= 2, got {self.batch_size}.")
        classes = [torch.nonzero(y == value).ravel() for value in (0, 1)]
        if any(len(members) == 0 for members in classes):
            raise ValueError("balanced batches need samples of both classes.")
        n_batches = len(self)
        draws = [_cycled_permutation(members, n_batches * half) for members in classes]
        for b in range(n_batches):
            index = torch.cat([draw[b * half : (b + 1) * half] for draw in draws])
            yield X[index], y[index]


def _cycled_permutation(members: torch.Tensor, length: int) -> torch.Tensor:
    """``length`` entries of ``members``: concatenated fresh random permutations."""
    n_cycles = math.ceil(length / len(members))
    orders = [members[torch.randperm(len(members), device=members.device)] for _ in range(n_cycles)]
    return torch.cat(orders)[:length]


class ValidationSplit:
    """Hold out a random fraction of the training data for skorch's ``valid_loss``.

    Parameters
    ----------
    fraction : float
        Fraction of samples in the validation set, in (0, 1).
    seed : int or None
        Seed of a generator private to the split: the same data give the same
        split at every call (every ``partial_fit``) and PyTorch's global stream
        is not consumed. ``None``: draw from the global generator.
    """

    def __init__(self, fraction: float, seed: int | None = None) -> None:
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset: TensorDataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = round(self.fraction * n)
        if not 0 < n_valid < n:
            raise ValueError(
                f"validation_fraction={self.fraction} leaves no training or no validation "
                f"samples out of {n}."
            )
        device = dataset.X.device
        generator = None
        if self.seed is not None:
            generator = torch.Generator(device=device).manual_seed(self.seed)
        order = torch.randperm(n, device=device, generator=generator)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


class FastNet(NeuralNet):
    """A :class:`skorch.NeuralNet` that feeds in-memory data through :class:`BatchIterator`.

    Everything else (callbacks, history, checkpointing, devices) is skorch's.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`skorch.NeuralNet`.
    cuda_graph : bool or "emulate"
        Replay each training step from a CUDA graph
        (:class:`skdlies._graph.GraphedTrainStep`); needs a CUDA ``device``
        and turns on the optimizer's ``capturable`` option. ``"emulate"`` runs
        the graph bookkeeping without a graph, on any device (for tests).
    """

    def __init__(self, *args, cuda_graph: bool | str = False, **kwargs):
        kwargs.setdefault("iterator_train", BatchIterator)
        kwargs.setdefault("iterator_valid", BatchIterator)
        kwargs.setdefault("iterator_train__shuffle", True)
        kwargs.setdefault("train_split", None)
        super().__init__(*args, **kwargs)
        self.cuda_graph = cuda_graph

    def _graph_mode(self) -> str | None:
        """``"cuda"``, ``"emulate"`` or ``None`` (eager), from ``cuda_graph`` and ``device``."""
        if isinstance(self.cuda_graph, str):
            if self.cuda_graph != "emulate":
                raise ValueError(
                    f"cuda_graph must be True, False or 'emulate', got {self.cuda_graph!r}."
                )
            return "emulate"
        if not self.cuda_graph:
            return None
        if torch.device(self.device).type != "cuda":
            raise ValueError(
                f"cuda_graph=True needs a CUDA device, but device={self.device!r}; "
                "set cuda_graph=False to train there."
            )
        return "cuda"

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        if self._graph_mode() == "cuda":
            for name in self._optimizers:
                make_capturable(getattr(self, name + "_"))
        return self

    def notify(self, method_name, **cb_kwargs):
        """skorch's notify; ``on_train_begin`` of a continued run keeps LR schedules going.

        skorch's ``LRScheduler`` builds its scheduler again at every
        ``partial_fit`` with ``last_epoch=len(history) - 1``, and PyTorch's
        schedulers take one step when built so, from the already scheduled
        rate: each call would decay the rate once more than one ``fit``. The
        schedulers and rates of the previous call are kept instead, so that
        ``k`` one-epoch calls train as one ``fit`` of ``k`` epochs. A scheduler
        attached since (after :func:`skdlies.load`, or by ``set_params``) is
        built counting the epochs already trained and goes on from the current
        rate.
        """
        if method_name != "on_train_begin" or not len(self.history):
            return super().notify(method_name, **cb_kwargs)
        schedulers = [cb for _, cb in self.callbacks_ if isinstance(cb, LRScheduler)]
        if not schedulers:
            return super().notify(method_name, **cb_kwargs)
        # a scheduler attached since the last call (after skdlies.load, or by set_params) is
        # built here for the first time; the others keep theirs
        kept = [(cb, cb.lr_scheduler_) for cb in schedulers
                if getattr(cb, "lr_scheduler_", None) is not None]
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        # the rate and whatever else a schedule moves (momentum, Adam's betas)
        settings = [[{k: v for k, v in group.items() if k != "params"}
                     for group in opt.param_groups] for opt in optimizers]
        for opt in optimizers:  # PyTorch resumes a schedule (last_epoch >= 0) from initial_lr
            for group in opt.param_groups:
                group.setdefault("initial_lr", group["lr"])
        super().notify(method_name, **cb_kwargs)
        for cb, scheduler in kept:
            cb.lr_scheduler_ = scheduler
        # building took one scheduled step from the current settings: they carry on instead
        for opt, saved in zip(optimizers, settings, strict=True):
            for group, values in zip(opt.param_groups, saved, strict=True):
                group.update(values)
        old = {id(cb) for cb, _ in kept}
        for cb in schedulers:
            scheduler = cb.lr_scheduler_
            if id(cb) in old or scheduler is None or isinstance(scheduler, ReduceLROnPlateau):
                continue
            if cb.step_every == "batch":  # skorch counted the epochs; a batch schedule counts steps
                scheduler.last_epoch = cb.batch_idx_
            scheduler._last_lr = [group["lr"] for group in scheduler.optimizer.param_groups]
        return None

    def fit_loop(self, X, y=None, epochs=None, **kwargs):
        """skorch's fit loop; a CUDA graph recorded in it lives until it returns."""
        # decided at the first training epoch; the trailing "_" keeps it out of get_params
        self._graph_step_ = None
        try:
            return super().fit_loop(X, y, epochs, **kwargs)
        finally:
            self._graph_step_ = None

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_graph_step_", None)  # a recorded graph cannot be pickled
        return state

    def _train_step_of_epoch(self, step_fn):
        """The step function of a training epoch: ``step_fn``, or a graph replaying it."""
        mode = self._graph_mode()
        if mode is None or step_fn != self.train_step:
            return step_fn
        if getattr(self, "_graph_step_", None) is None:
            blocker = graph_blocker(self)
            if blocker is None:
                self._graph_step_ = GraphedTrainStep(self, emulate=mode == "emulate")
            else:
                warnings.warn(
                    f"cuda_graph is on, but training runs eagerly: {blocker}.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
                self._graph_step_ = False
        return self._graph_step_ or step_fn

    def _set_training(self, training: bool = True) -> None:
        # skorch calls this before every batch; ``Module.train`` walks every submodule,
        # which costs ~5% of a small network's step. Switch only when the mode changes.
        modules = [getattr(self, name + "_") for name in self._modules + self._criteria]
        if any(isinstance(m, torch.nn.Module) and m.training != training for m in modules):
            super()._set_training(training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One train or validation epoch, as skorch's, reading the batch losses once at its end.

        skorch writes ``prefix + "_loss"`` (``loss.item()``, a host sync per batch on a
        GPU) and ``prefix + "_batch_size"`` into each batch's history entry before
        ``on_batch_end``. Here the losses stay on the device (detached) and both values
        are written, with the same keys, in the same order and as the same Python
        numbers, once the loop ends (also when it ends with an exception: an interrupted
        batch keeps the empty entry skorch leaves). Epoch-level callbacks
        (``on_epoch_end``: the ``train_loss``/``valid_loss`` scores, ``EarlyStopping``,
        ``Checkpoint``) see the same history as with skorch.

        A callback whose ``on_batch_end`` may read the batch entry (``ProgressBar``, the
        loggers, any callback of one's own) gets skorch's own loop: see
        :meth:`_batch_history_reader`.
        """
        if iterator is None:
            return
        if training:
            step_fn = self._train_step_of_epoch(step_fn)
        if self._batch_history_reader() is not None:
            super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
            return
        loss_key, size_key = prefix + "_loss", prefix + "_batch_size"
        entries: list[dict] = []  # the history entries of the finished steps
        losses: list = []  # their losses: 0-d device tensors (or numbers)
        sizes: list[int] = []
        try:
            for batch in iterator:
                self.notify("on_batch_begin", batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                loss = _deferred_scalar(step["loss"])
                size = get_len(batch[0]) if isinstance(batch, (tuple, list)) else get_len(batch)
                entries.append(self.history[-1]["batches"][-1])
                losses.append(loss)
                sizes.append(size)
                self.notify("on_batch_end", batch=batch, training=training, **step)
        except BaseException:
            try:  # record the finished steps, as skorch would have; keep the original error
                _write_batch_entries(entries, loss_key, losses, size_key, sizes)
            except Exception:  # e.g. the device itself failed
                pass
            raise
        _write_batch_entries(entries, loss_key, losses, size_key, sizes)
        self.history.record(prefix + "_batch_count", len(entries))

    def _batch_history_reader(self) -> str | None:
        """What may read a batch's history entry in ``on_batch_end``; ``None`` if nothing.

        The net, if it overrides ``on_batch_end``; its history, if not a plain
        :class:`skorch.history.History` (``DistributedHistory`` records by
        position); a callback that overrides ``on_batch_end``, except skorch's
        ``EpochScoring`` (it only caches predictions) and an ``LRScheduler``
        that steps once per epoch.
        """
        if type(self).on_batch_end is not NeuralNet.on_batch_end:
            return f"{type(self).__name__}.on_batch_end"
        if type(self.history).record_batch is not History.record_batch:
            return f"the history ({type(self.history).__name__})"
        for name, callback in self.callbacks_:
            method = type(callback).on_batch_end
            if method in (Callback.on_batch_end, EpochScoring.on_batch_end):
                continue
            if method is LRScheduler.on_batch_end and callback.step_every != "batch":
                continue
            return f"callback {name!r}"
        return None

    def get_dataset(self, X, y=None) -> TensorDataset:
        if isinstance(X, TensorDataset):
            return X
        if isinstance(X, np.ndarray) and not X.flags.writeable:
            X = X.copy()  # torch cannot wrap read-only (e.g. memory-mapped) arrays
        return TensorDataset(X, y, device=self.device)


class BinaryFastNet(FastNet):
    """A :class:`FastNet` whose module returns one logit per sample of a 0/1 target.

    To scikit-learn it is a binary classifier of the labels it is trained on
    (``classes_ = [0, 1]``), so skorch's ``EpochScoring`` takes scorer names
    such as ``"roc_auc"`` or ``"accuracy"``: ``decision_function`` gives the
    logits, ``predict_proba`` their sigmoid as two columns, ``predict`` the
    more probable label.
    """

    classes_ = np.array([0, 1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.regressor_tags = None
        return tags

    def decision_function(self, X) -> np.ndarray:
        """Logits, shape (n,): positive where label 1 is the more probable."""
        return to_numpy(self.forward(X, training=False)).reshape(-1)

    def predict(self, X) -> np.ndarray:
        """The more probable label, 0 or 1, of each sample."""
        return (self.decision_function(X) > 0).astype(np.int64)


def _deferred_scalar(loss):
    """``loss`` as kept until the end of the epoch: a detached 0-d tensor, or a Python number.

    Anything that is not a one-element tensor is converted at once with ``.item()``,
    as skorch does (and fails as skorch would).
    """
    if isinstance(loss, torch.Tensor) and loss.numel() == 1:
        return loss.detach().reshape(())
    return loss.item()


def _to_python_numbers(values: list) -> list:
    """Python numbers of ``values``; the tensors among them in one transfer per device and dtype.

    Each number equals the tensor's ``.item()``.
    """
    out = list(values)
    groups: dict[tuple, list[int]] = {}
    for i, value in enumerate(values):
        if isinstance(value, torch.Tensor):
            groups.setdefault((value.device, value.dtype), []).append(i)
    for index in groups.values():
        for i, number in zip(index, torch.stack([values[i] for i in index]).tolist(), strict=True):
            out[i] = number
    return out


def _write_batch_entries(entries, loss_key, losses, size_key, sizes) -> None:
    """Write the losses and batch sizes of finished steps into their history entries."""
    for entry, loss, size in zip(entries, _to_python_numbers(losses), sizes, strict=True):
        entry[loss_key] = loss
        entry[size_key] = size


# -- the random and trainable state of a net, for resumable and interruptible training ----------


def rng_devices(device: str | torch.device) -> list[torch.device]:
    """The CUDA devices whose generators training on ``device`` draws from (none on a CPU)."""
    device = torch.device(device)
    return [device] if device.type == "cuda" else []


def get_rng_state(device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """PyTorch's generator states that training on ``device`` draws from.

    Returns
    -------
    state : dict
        ``{"cpu": ByteTensor}``, plus ``"cuda"`` when ``device`` is a CUDA device.
    """
    state = {"cpu": torch.get_rng_state()}
    for dev in rng_devices(device):
        state["cuda"] = torch.cuda.get_rng_state(dev)
    return state


@contextmanager
def rng_state(
    state: dict[str, torch.Tensor], device: str | torch.device = "cpu", seed: int = 0
) -> Iterator[None]:
    """Run the block from the generator ``state``; the caller's generators are restored on exit.

    A CUDA state missing from ``state`` (a model saved from the CPU) is seeded with ``seed``.
    """
    devices = rng_devices(device)
    with torch.random.fork_rng(devices=devices):
        torch.set_rng_state(state["cpu"])
        for dev in devices:
            if "cuda" in state:
                torch.cuda.set_rng_state(state["cuda"], dev)
            else:
                with torch.cuda.device(dev):
                    torch.cuda.manual_seed(seed)
        yield


@dataclass
class TrainingState:
    """A copy of everything training changes: weights, optimizer moments, generators, epochs."""

    module: dict[str, torch.Tensor]
    optimizers: dict[str, dict]
    rng: dict[str, torch.Tensor]
    n_epochs: int


def capture_training_state(net: NeuralNet) -> TrainingState:
    """Copy the state of ``net`` (its module's weights, its optimizers, PyTorch's generators)."""
    module = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
    optimizers = {
        name: copy.deepcopy(getattr(net, name + "_").state_dict()) for name in net._optimizers
    }
    return TrainingState(module, optimizers, get_rng_state(net.device), len(net.history))


def restore_training_state(net: NeuralNet, state: TrainingState) -> None:
    """Put ``net`` back into ``state``: weights, optimizers and the epochs of its history.

    The generator states are not touched: the caller keeps ``state.rng`` for the next run.
    """
    net.module_.load_state_dict(state.module)
    for name, optimizer_state in state.optimizers.items():
        getattr(net, name + "_").load_state_dict(optimizer_state)
    while len(net.history) > state.n_epochs:
        net.history.pop()


class EpochSnapshot(Callback):
    """Keep a :class:`TrainingState` of the last finished epoch.

    skorch stops its fit loop silently on ``KeyboardInterrupt`` (Ctrl-C, or
    skorch's ``EarlyStopping``). With this callback the estimator can tell an
    interrupt in the middle of an epoch (``in_epoch`` is still true) from a
    normal end, and roll the net back to the end of the last finished epoch.
    One copy of the weights and optimizer state per epoch: cheap next to the
    epoch itself, which reads and writes all of them once per batch.

    It must come before callbacks that raise ``KeyboardInterrupt`` at the end of
    an epoch (``EarlyStopping``), so that the finished epoch is recorded first.
    """

    def __init__(self) -> None:
        self.start(None)

    def start(self, state: TrainingState | None) -> None:
        """Begin a run whose last finished state is ``state`` (``None``: a fresh net)."""
        self.state = state
        self.in_epoch = False

    def on_epoch_begin(self, net, **kwargs) -> None:
        self.in_epoch = True

    def on_epoch_end(self, net, **kwargs) -> None:
        self.state = capture_training_state(net)
        self.in_epoch = False
