"""Replay a skorch training step from a CUDA graph.

A small network trained on a GPU is bound by kernel launches, not arithmetic:
the DeVries et al. (2018) network launches a few hundred small kernels per
3,500-row batch (forward, backward, optimizer), each costing the host a few
microseconds, while the arithmetic of the batch takes far less. A CUDA graph
records those launches once and replays them with one call.

:class:`GraphedTrainStep` stands in for ``net.train_step`` in
:meth:`skdlies._skorch.FastNet.run_single_epoch`:

1. The first ``warmup_steps`` batches run eagerly on a side stream: they are
   real training steps, and they create the optimizer's state and the
   libraries' workspaces outside the graph.
2. The next batch is copied into static input tensors and skorch's own
   ``train_step`` (zeroing the gradients, forward, loss, backward, optimizer
   step) is recorded with :class:`torch.cuda.CUDAGraph`. Recording runs
   nothing; the graph is then replayed for this batch and every later batch
   of the same shape, after copying each batch into the static inputs. Dropout
   and noise draw fresh numbers at each replay (PyTorch's graph-safe
   generator).
3. A batch of another shape (the shorter last batch of an epoch) runs eagerly,
   updating the same weights and optimizer state.
4. The graph is recorded again when what it baked in has changed: a
   hyperparameter changed (a learning-rate schedule), a parameter was frozen
   or unfrozen (``requires_grad``, skorch's ``Freezer``) or its storage
   replaced, or the optimizer's state tensors were replaced
   (``load_state_dict``, a new optimizer). One eager step first creates any
   state the change calls for (a new optimizer's, an unfrozen parameter's)
   outside the graph.
5. If PyTorch cannot record the step (an operation a graph cannot hold, in a
   user's module say), the fit goes on eagerly, with a warning.

The optimizer must be capturable: one with a ``capturable`` option (Adam,
AdamW, Adadelta, RMSprop, ...; :class:`~skdlies._skorch.FastNet` turns it on)
or plain SGD. What a replay cannot do is run Python: callbacks that act on each
batch's gradients or keep its predictions, and extra fit parameters, make the
net train eagerly (see :func:`graph_blocker`).

``emulate=True`` runs the same bookkeeping on any device without a graph:
"recording" keeps the step and each "replay" runs it on the static inputs and
copies its outputs into static outputs. The tests use it on CPU to check
everything but the recording itself.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochScoring
from skorch.dataset import unpack_data
from torch.utils._pytree import tree_map

from ._warnings import user_stacklevel

__all__ = ["GRAPH_WARMUP_STEPS", "GraphedTrainStep", "graph_blocker", "make_capturable"]

#: Eager steps (on a side stream) before the first recording, as PyTorch's guide advises.
GRAPH_WARMUP_STEPS = 3


def _capturable_optimizer(optimizer: torch.optim.Optimizer) -> bool:
    return "capturable" in optimizer.defaults or type(optimizer) is torch.optim.SGD


def make_capturable(optimizer: torch.optim.Optimizer) -> None:
    """Turn on ``capturable`` (the step counters live on the device) where the optimizer has it.

    Call it before the optimizer's first step: the state it creates then lives
    on the device.
    """
    if "capturable" in optimizer.defaults:
        optimizer.defaults["capturable"] = True
        for group in optimizer.param_groups:
            group["capturable"] = True


def graph_blocker(net: NeuralNet) -> str | None:
    """Why the training step of ``net`` cannot be replayed from a graph; ``None`` if it can.

    A replay runs the recorded kernels and no Python: nothing may need to run
    between the backward pass and the optimizer step, nor read a batch's
    predictions after the next batch.
    """
    if list(net._optimizers) != ["optimizer"]:
        return f"the net has optimizers {list(net._optimizers)}; a graph records one"
    optimizer = net.optimizer_
    if not _capturable_optimizer(optimizer):
        return (
            f"{type(optimizer).__name__} cannot be recorded in a CUDA graph; use an optimizer "
            "with a 'capturable' option (Adam, AdamW, Adadelta, RMSprop, ...) or SGD"
        )
    if type(net).on_grad_computed is not NeuralNet.on_grad_computed:
        return f"{type(net).__name__} overrides on_grad_computed"
    for name, callback in net.callbacks_:
        if type(callback).on_grad_computed is not Callback.on_grad_computed:
            return f"callback {name!r} acts on each batch's gradients (on_grad_computed)"
        if isinstance(callback, EpochScoring) and callback.on_train and callback.use_caching:
            return f"callback {name!r} keeps each training batch's predictions"
    reader = net._batch_history_reader()
    if reader is not None:
        return f"{reader} reads each batch's results"
    return None


class _EmulatedGraph:
    """Stands in for a CUDA graph: each replay runs the recorded step; outputs are static."""

    def __init__(self, step: Callable[[], dict]) -> None:
        self._step = step
        self.outputs: dict | None = None

    def replay(self) -> None:
        outputs = tree_map(_detached, self._step())
        if self.outputs is None:
            self.outputs = outputs
        else:  # overwrite the previous outputs in place, as a replay does
            tree_map(lambda static, new: static.copy_(new), self.outputs, outputs)


class _CudaGraph:
    """One training step recorded in a :class:`torch.cuda.CUDAGraph` on ``stream``."""

    def __init__(self, step: Callable[[], dict], stream: torch.cuda.Stream) -> None:
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.device(stream.device), torch.cuda.graph(self._graph, stream=stream):
            self.outputs = tree_map(_detached, step())

    def replay(self) -> None:
        self._graph.replay()


def _detached(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


class GraphedTrainStep:
    """``net.train_step`` replayed from a CUDA graph for batches of one shape.

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialised net on a CUDA device (any device with ``emulate``)
        whose :func:`graph_blocker` is ``None``.
    emulate : bool
        Run the bookkeeping without a graph (for tests on CPU).
    warmup_steps : int
        Eager steps before the first recording (at least 1: they create the
        optimizer's state).

    Attributes
    ----------
    n_recordings : int
        Graphs recorded so far.
    n_replays : int
        Steps replayed from a graph.
    failure : str or None
        Why recording failed (the fit then trains eagerly); ``None`` if it did not.
    """

    def __init__(
        self, net: NeuralNet, *, emulate: bool = False, warmup_steps: int = GRAPH_WARMUP_STEPS
    ) -> None:
        if warmup_steps < 1:
            # the optimizer's state must exist before recording: created inside the graph,
            # it would be reset at every replay
            raise ValueError(f"warmup_steps must be at least 1, got {warmup_steps}.")
        self.net = net
        self.emulate = emulate
        self.warmup_steps = warmup_steps
        self.n_recordings = 0
        self.n_replays = 0
        self.failure: str | None = None
        self._n_warm = 0
        self._graph = None
        self._baked: tuple | None = None  # what the graph baked in (see _bakes)
        self._shape: tuple | None = None  # the shape of the batches it replays
        self._x = self._y = None  # the static inputs
        self._stream = None
        if not emulate:
            device = torch.device(net.device)
            if device.type != "cuda":
                raise ValueError(f"CUDA graphs need a CUDA device; the net is on {device}.")
            self._stream = torch.cuda.Stream(device)

    def __call__(self, batch, **fit_params) -> dict:
        Xb, yb = unpack_data(batch)
        if self.failure is not None or fit_params or not self._fits(Xb, yb):
            return self.net.train_step(batch, **fit_params)
        if self._graph is not None and not self._same(self._baked, self._bakes()):
            # Stale. One eager step first: state the change calls for (a new optimizer, an
            # unfrozen parameter's moments) is created there, not inside the next recording,
            # where each replay would reset it.
            self._graph = None
            self._n_warm = min(self._n_warm, self.warmup_steps - 1)
        if self._graph is None:
            if self._n_warm < self.warmup_steps:
                self._n_warm += 1
                with self._on_side_stream():
                    return self.net.train_step(batch)
            if not self._record(Xb, yb):
                return self.net.train_step(batch)
        self._x.copy_(Xb)
        if self._y is not self._x:
            self._y.copy_(yb)
        self.net._set_training(True)  # as the recorded train_step did
        self._graph.replay()
        self.n_replays += 1
        outputs = self._graph.outputs
        # the loss is kept to the end of the epoch: a copy, as the next replay overwrites it;
        # the prediction is only valid until the next step
        return {"loss": outputs["loss"].clone(), "y_pred": outputs["y_pred"]}

    def _fits(self, Xb, yb) -> bool:
        """Whether the batch has the recorded shape (the first eligible batch sets it)."""
        if not isinstance(Xb, torch.Tensor) or not isinstance(yb, torch.Tensor):
            return False
        shape = (Xb.shape, Xb.dtype, Xb.device, yb is Xb, yb.shape, yb.dtype)
        if self._shape is None:
            self._shape = shape
        return shape == self._shape

    def _bakes(self) -> tuple:
        """The tensors and numbers a recording bakes in: replaced or changed, it is stale."""
        optimizer = self.net.optimizer_
        tensors, numbers = [], []
        for group in optimizer.param_groups:
            tensors.extend(group["params"])
            # a frozen parameter gets no gradient, so the graph skips it; new storage
            # (``param.data = ...``) is not the memory the graph reads
            numbers += [(p.requires_grad, p.data_ptr()) for p in group["params"]]
            for key, value in group.items():
                if key != "params":
                    (tensors if isinstance(value, torch.Tensor) else numbers).append(value)
                    numbers.append(key)
        for state in optimizer.state.values():
            for key, value in state.items():
                (tensors if isinstance(value, torch.Tensor) else numbers).append(value)
                numbers.append(key)
        return tuple(tensors), tuple(numbers)

    @staticmethod
    def _same(old: tuple | None, new: tuple) -> bool:
        if old is None:
            return False
        (old_tensors, old_numbers), (new_tensors, new_numbers) = old, new
        # the same tensor objects (a tensor's value may change: the graph reads its memory)
        if len(old_tensors) != len(new_tensors) or any(
            a is not b for a, b in zip(old_tensors, new_tensors, strict=True)
        ):
            return False
        try:
            return bool(old_numbers == new_numbers)
        except (RuntimeError, TypeError, ValueError):  # e.g. a tuple holding tensors
            return False

    def _on_side_stream(self):
        """Eager warm-up steps run on a side stream (PyTorch's recipe for graph capture)."""
        if self._stream is None:
            return contextlib.nullcontext()
        return _side_stream(self._stream)

    def _record(self, Xb, yb) -> bool:
        """Record the step on static inputs shaped like ``Xb, yb``; False if PyTorch cannot."""
        self._x = torch.empty_like(Xb)
        self._y = self._x if yb is Xb else torch.empty_like(yb)
        static_batch = (self._x, self._y)

        def step() -> dict:
            return self.net.train_step(static_batch)

        self._graph = None  # free the old graph's memory first
        try:
            if self.emulate:
                self._graph = _EmulatedGraph(step)
            else:
                self._stream.wait_stream(torch.cuda.current_stream(self._stream.device))
                self._graph = _CudaGraph(step, self._stream)
                torch.cuda.current_stream(self._stream.device).wait_stream(self._stream)
        except RuntimeError as exc:  # e.g. "operation not permitted when stream is capturing"
            return self._give_up(exc)
        self._baked = self._bakes()
        self.n_recordings += 1
        return True

    def _give_up(self, exc: Exception) -> bool:
        """Train eagerly from now on: the step could not be recorded."""
        self._graph = None
        self._x = self._y = None
        self.failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
        warnings.warn(
            f"cuda_graph is on, but the training step could not be recorded in a CUDA graph "
            f"({self.failure}); training goes on eagerly.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return False


@contextlib.contextmanager
def _side_stream(stream: torch.cuda.Stream):
    current = torch.cuda.current_stream(stream.device)
    stream.wait_stream(current)
    with torch.cuda.stream(stream):
        yield
    current.wait_stream(stream)
