"""Data cache location and helpers shared by the dataset loaders."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pooch
from sklearn.utils import Bunch

__all__ = ["get_data_home"]

DATA_HOME_ENV = "SKDLIES_DATA"
SUBSETS = ("train", "test", "all")


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where skdlies caches downloaded datasets.

    The folder is chosen in this order: the ``data_home`` argument, the
    ``SKDLIES_DATA`` environment variable, then the operating system's user
    cache folder (``pooch.os_cache("skdlies")``). It is created, with its
    parents, if it does not exist.

    Parameters
    ----------
    data_home : str, os.PathLike or None, default=None
        Explicit cache folder. A leading ``~`` is expanded to the user's home.

    Returns
    -------
    pathlib.Path
        The (existing) cache folder.

    Raises
    ------
    OSError
        If the folder cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> from skdlies.datasets import get_data_home
    >>> home = get_data_home(tempfile.mkdtemp() + "/skdlies-data")
    >>> home.name, home.is_dir()
    ('skdlies-data', True)
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or pooch.os_cache("skdlies")
    home = Path(data_home).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def _subset_parts(subset: str) -> tuple[str, ...]:
    """Validate ``subset`` and return the parts it is made of, in order."""
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {list(SUBSETS)}, got {subset!r}.")
    return ("train", "test") if subset == "all" else (subset,)


def _make_bunch(
    parts: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    scale: float,
    descr: str,
    return_X_y: bool,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Build the common dataset ``Bunch`` from ``(images, target)`` parts.

    The parts are concatenated in order, images are converted to float32 and
    divided by ``scale``; ``data`` is a flat view of ``images``.
    """
    images = np.concatenate([img for img, _ in parts]) if len(parts) > 1 else parts[0][0]
    target = np.concatenate([tgt for _, tgt in parts]) if len(parts) > 1 else parts[0][1]
    images = images.astype(np.float32)  # always a fresh, C-contiguous copy
    images /= np.float32(scale)
    data = images.reshape(len(images), -1)  # a view: images is contiguous
    target = target.astype(np.int64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        feature_names=[f"pixel_{i}" for i in range(data.shape[1])],
        target_names=np.arange(10, dtype=np.int64),
        DESCR=descr,
    )
