"""Datasets: MNIST (downloaded and cached), the built-in 8x8 digits, the DeVries et al.
(2018) aftershock files, a toy aftershock set for examples, and the readers of the forward
model's inputs: SRCMOD slip models (``read_fsp``), earthquake catalogs (``read_catalog``)
and the shipped mainshock origin times (``load_mainshocks``, ``mainshock_origin``,
``earthquake_groups``)."""

from ._catalogs import read_catalog
from ._devries import load_devries, write_devries
from ._digits import load_small_digits
from ._fsp import SlipModel, read_fsp
from ._home import get_data_home
from ._mainshocks import earthquake_groups, load_mainshocks, mainshock_origin
from ._mnist import DownloadError, load_mnist
from ._split import load_train_test
from ._toy_aftershocks import make_toy_aftershocks

__all__ = [
    "DownloadError",
    "SlipModel",
    "earthquake_groups",
    "get_data_home",
    "load_devries",
    "load_mainshocks",
    "load_mnist",
    "load_small_digits",
    "load_train_test",
    "mainshock_origin",
    "make_toy_aftershocks",
    "read_catalog",
    "read_fsp",
    "write_devries",
]
