"""Small 8x8 digits bundled with scikit-learn: the no-download default."""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ._home import _make_bunch, _subset_parts

__all__ = ["load_small_digits"]

TEST_SIZE = 0.2
RANDOM_STATE = 0

_DESCR = """\
Small digits (scikit-learn's 8x8 digits)
----------------------------------------
1,797 grayscale 8x8 images of the digits 0-9 shipped with scikit-learn
(UCI optical recognition of handwritten digits). ``images`` are float32 in
[0, 1] (the original 0-16 counts divided by 16), ``data`` is the same array
flattened to 64 features, ``target`` holds int64 labels 0-9. The fixed split is
``train_test_split(test_size=0.2, stratify=target, random_state=0)``:
1,437 train and 360 test images; "all" is train followed by test.
"""


def load_small_digits(
    subset: Literal["train", "test", "all"] = "train",
    *,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's 8x8 digits, scaled to [0, 1], with a fixed split.

    Needs no download: the data ship with scikit-learn. The train/test split
    is ``train_test_split(test_size=0.2, stratify=target, random_state=0)``,
    so it is the same on every call and every class keeps its proportion.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 1,437 training images, the 360 test images, or both (train first,
        then test).
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        With ``data`` (n, 64) float32 in [0, 1], ``images`` (n, 8, 8) float32
        (``data`` is a view of it), ``target`` (n,) int64, ``feature_names``
        (``pixel_0`` ... ``pixel_63``), ``target_names`` (0-9) and ``DESCR``.
    (data, target) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` is not one of "train", "test" or "all".

    Examples
    --------
    >>> from skdlies.datasets import load_small_digits
    >>> digits = load_small_digits("test")
    >>> digits.images.shape, digits.data.shape, digits.target.shape
    ((360, 8, 8), (360, 64), (360,))
    >>> float(digits.data.min()), float(digits.data.max())
    (0.0, 1.0)
    """
    parts = _subset_parts(subset)
    raw = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        raw.images,
        raw.target,
        test_size=TEST_SIZE,
        stratify=raw.target,
        random_state=RANDOM_STATE,
    )
    split = {"train": (x_train, y_train), "test": (x_test, y_test)}
    return _make_bunch([split[p] for p in parts], scale=16.0, descr=_DESCR, return_X_y=return_X_y)
