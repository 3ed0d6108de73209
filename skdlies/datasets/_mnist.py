"""MNIST handwritten digits, from the Keras ``mnist.npz`` file."""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
import pooch
from sklearn.utils import Bunch

from ._home import _make_bunch, _subset_parts, get_data_home

__all__ = ["DOWNLOAD_TIMEOUT", "MNIST_SHA256", "MNIST_URL", "DownloadError", "load_mnist"]

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
#: Seconds to wait for the server to accept the connection, and then for each further
#: piece of the file: a server that stops answering fails the download after this long
#: instead of hanging. Read at each call.
DOWNLOAD_TIMEOUT = 30.0
_FNAME = "mnist.npz"
_KEYS = ("x_train", "y_train", "x_test", "y_test")
_IMAGE_SHAPE = (28, 28)

_DESCR = """\
MNIST handwritten digits
------------------------
70,000 grayscale 28x28 images of the digits 0-9 (60,000 train, 10,000 test),
read from the Keras ``mnist.npz`` file. ``images`` are float32 in [0, 1]
(the original uint8 values divided by 255), ``data`` is the same array
flattened to 784 features, ``target`` holds int64 labels 0-9.
Source: Y. LeCun, C. Cortes and C. J. C. Burges, http://yann.lecun.com/exdb/mnist/
"""


class DownloadError(OSError):
    """A dataset could not be downloaded or failed its SHA-256 check."""


def load_mnist(
    subset: Literal["train", "test", "all"] = "train",
    *,
    path: str | os.PathLike[str] | None = None,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load the MNIST handwritten digits (28x28 images, 10 classes).

    Without ``path``, the Keras file ``mnist.npz`` (about 11 MB) is taken from
    the cache folder (see :func:`get_data_home`) or downloaded there from
    ``MNIST_URL``; both the cached and the downloaded file are checked against
    ``MNIST_SHA256``, and a download that fails the check is never kept. A
    server that stops answering for ``DOWNLOAD_TIMEOUT`` seconds fails the
    download (no partial file is kept either).

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which part to return: the 60,000 training images, the 10,000 test
        images, or both (train first, then test).
    path : str, os.PathLike or None, default=None
        A local copy of ``mnist.npz`` to read instead of the cache. No hash is
        checked for it, but its content is validated.
    data_home : str, os.PathLike or None, default=None
        Cache folder; see :func:`get_data_home`. Ignored when ``path`` is set.
    download_if_missing : bool, default=True
        Whether to download the file when it is not in the cache.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        With ``data`` (n, 784) float32 in [0, 1], ``images`` (n, 28, 28)
        float32 (``data`` is a view of it), ``target`` (n,) int64,
        ``feature_names`` (``pixel_0`` ... ``pixel_783``), ``target_names``
        (0-9) and ``DESCR``.
    (data, target) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` is invalid, or the file is corrupt, truncated or does not
        have the Keras layout (keys, shapes, dtypes, labels 0-9).
    FileNotFoundError
        If ``path`` does not exist, or the file is not cached and
        ``download_if_missing`` is False.
    DownloadError
        If the download fails (network, HTTP error, a server silent for
        ``DOWNLOAD_TIMEOUT`` seconds, or SHA-256 mismatch).

    Examples
    --------
    >>> from skdlies.datasets import load_mnist
    >>> mnist = load_mnist("test")  # doctest: +SKIP
    >>> mnist.data.shape, mnist.images.shape, mnist.target.shape  # doctest: +SKIP
    ((10000, 784), (10000, 28, 28), (10000,))

    Read a copy you already have, without touching the cache:

    >>> X, y = load_mnist("all", path="~/mnist.npz", return_X_y=True)  # doctest: +SKIP
    """
    parts = _subset_parts(subset)
    file = _local_file(path) if path is not None else _cached_file(data_home, download_if_missing)
    arrays = _read_npz(file, parts)
    return _make_bunch(
        [(arrays[f"x_{p}"], arrays[f"y_{p}"]) for p in parts],
        scale=255.0,
        descr=_DESCR,
        return_X_y=return_X_y,
    )


def _local_file(path: str | os.PathLike[str]) -> Path:
    file = Path(path).expanduser()
    if not file.exists():
        raise FileNotFoundError(f"MNIST file not found: '{file}'.")
    if file.is_dir():
        raise IsADirectoryError(f"MNIST path '{file}' is a folder; pass the path of mnist.npz.")
    return file


def _cached_file(data_home: str | os.PathLike[str] | None, download_if_missing: bool) -> Path:
    home = get_data_home(data_home)
    file = home / _FNAME
    url, sha256 = MNIST_URL, MNIST_SHA256  # read at call time (monkeypatchable)
    if not download_if_missing:
        if not file.exists():
            raise FileNotFoundError(
                f"MNIST not found at '{file}' and download_if_missing=False. "
                "Pass path= to a local copy of mnist.npz (any copy in the Keras layout), or "
                f"allow the download from {url}; the cache only holds a byte-identical copy "
                f"of that file (SHA-256 {sha256})."
            )
        if pooch.file_hash(str(file)) != sha256.lower():
            raise ValueError(
                f"Cached MNIST file '{file}' does not match the expected SHA-256 {sha256}. "
                "Delete it, or call with download_if_missing=True to download it again; "
                "to read another copy of mnist.npz, pass path= to it."
            )
        return file
    timeout = DOWNLOAD_TIMEOUT
    try:
        fetched = pooch.retrieve(
            url=url,
            known_hash="sha256:" + sha256,
            fname=_FNAME,
            path=home,
            downloader=pooch.HTTPDownloader(progressbar=False, timeout=timeout),
        )
    except (OSError, ValueError) as exc:  # requests errors are OSErrors; hash mismatch ValueError
        reason = str(exc).rstrip(".")
        if "timed out" in reason.lower():
            reason += f" (the server sent nothing for {timeout:g} s: DOWNLOAD_TIMEOUT)"
        raise DownloadError(
            f"Could not download MNIST from {url} into '{home}': {reason}. "
            "If you have a copy of mnist.npz, pass path= to it."
        ) from exc
    return Path(fetched)


def _read_npz(file: Path, parts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the arrays for ``parts`` from ``file`` and validate them."""
    try:
        npz = np.load(file, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with npz:
            missing = [key for key in _KEYS if key not in npz.files]
            if missing:
                raise KeyError(missing)
            arrays = {f"{xy}_{p}": npz[f"{xy}_{p}"] for p in parts for xy in "xy"}
    except KeyError as exc:
        raise ValueError(
            f"MNIST file '{file}' lacks the key(s) {exc.args[0]}; "
            f"expected the Keras layout with keys {list(_KEYS)}."
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ValueError(
            f"MNIST file '{file}' is corrupt or truncated (not a readable NumPy .npz "
            f"archive): {exc}"
        ) from exc
    for p in parts:
        _check_pair(file, p, arrays[f"x_{p}"], arrays[f"y_{p}"])
    return arrays


def _check_pair(file: Path, part: str, x: np.ndarray, y: np.ndarray) -> None:
    xk, yk = f"x_{part}", f"y_{part}"
    if x.ndim != 3 or x.shape[1:] != _IMAGE_SHAPE:
        raise ValueError(
            f"MNIST file '{file}': key '{xk}' has shape {x.shape}, expected (n, 28, 28)."
        )
    if x.dtype != np.uint8:
        raise ValueError(f"MNIST file '{file}': key '{xk}' has dtype {x.dtype}, expected uint8.")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(
            f"MNIST file '{file}': key '{yk}' has shape {y.shape}, "
            f"expected ({len(x)},) to match '{xk}'."
        )
    if y.dtype.kind not in "iu":
        raise ValueError(
            f"MNIST file '{file}': key '{yk}' has dtype {y.dtype}, expected integers (uint8)."
        )
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(
            f"MNIST file '{file}': key '{yk}' has labels in [{y.min()}, {y.max()}], "
            "expected labels 0..9."
        )
