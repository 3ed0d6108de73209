"""Small PyTorch building blocks shared by the skdlies networks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from itertools import pairwise

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "make_activation", "mlp", "torch_threads"]

#: Hidden-layer activations accepted by the ``activation`` hyperparameters.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "selu": nn.SELU,
    "identity": nn.Identity,
}


def make_activation(name: str) -> nn.Module:
    """A new activation module from its name in :data:`ACTIVATIONS`."""
    return ACTIVATIONS[name]()


def mlp(
    sizes: Sequence[int], activation: str, *, activate_last: bool = False, dropout: float = 0.0
) -> nn.Sequential:
    """Fully connected layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Every layer but the last is followed by ``activation`` (and by dropout with
    probability ``dropout`` when it is > 0); the last one too when
    ``activate_last``. ``sizes`` of length 1 gives an empty (identity) stack.
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if activate_last or i < len(sizes) - 2:
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """PyTorch's intra-op threads set to ``n`` for the block (``None``: left as they are);
    the previous number is restored after it, also on an error.

    With PyTorch's OpenMP backend (the PyPI builds) the setting belongs to the calling
    thread, so blocks running at once in several threads (a dask threaded scheduler) do
    not disturb each other's setting.
    """
    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
