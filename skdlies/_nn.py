"""Small PyTorch building blocks shared by the skdlies networks."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from torch import nn

__all__ = ["ACTIVATIONS", "make_activation", "mlp"]

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
