"""Datasets: MNIST (downloaded and cached) and scikit-learn's small 8x8 digits."""

from ._devries import load_devries, write_devries
from ._digits import load_small_digits
from ._home import get_data_home
from ._mnist import DownloadError, load_mnist
from ._split import load_train_test

__all__ = [
    "DownloadError",
    "get_data_home",
    "load_devries",
    "load_mnist",
    "load_small_digits",
    "load_train_test",
    "write_devries",
]
