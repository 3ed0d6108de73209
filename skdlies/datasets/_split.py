"""One call for "MNIST if I have it, else the built-in digits"."""

from __future__ import annotations

import os

from sklearn.utils import Bunch

from ._digits import load_small_digits
from ._mnist import load_mnist

__all__ = ["load_train_test"]


def load_train_test(mnist_path: str | os.PathLike[str] | None = None) -> tuple[Bunch, Bunch]:
    """The training and test images used by the demos and examples.

    Parameters
    ----------
    mnist_path : path to ``mnist.npz``, optional
        Read MNIST from this file (60,000 training and 10,000 test images of
        28x28). Default: the built-in 8x8 digits (1,437 training and 360 test
        images), which need no download.

    Returns
    -------
    train, test : Bunch
        As returned by :func:`load_mnist` or :func:`load_small_digits`.
    """
    if mnist_path is None:
        return load_small_digits("train"), load_small_digits("test")
    return load_mnist("train", path=mnist_path), load_mnist("test", path=mnist_path)
