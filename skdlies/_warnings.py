"""The warnings of skdlies, and how they point at the user's line however deep they are raised.

Free of torch, so that ``import skdlies`` (the command line) stays light.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

__all__ = ["TrainingDivergedWarning", "TrainingInterruptedWarning", "user_stacklevel"]


class TrainingInterruptedWarning(UserWarning):
    """Training stopped by a ``KeyboardInterrupt`` (Ctrl-C) in the middle of an epoch."""


class TrainingDivergedWarning(UserWarning):
    """Training left non-finite weights (the loss became NaN or infinite): they are unusable."""

_LIBRARIES = ("skdlies", "sklearn", "skorch")


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    import importlib.util

    dirs = []
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            dirs.append(str(Path(spec.origin).parent) + "/")
    return tuple(dirs)


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that names the first caller outside
    skdlies, scikit-learn and skorch (the user's code, a test, a script).

    A fixed ``stacklevel`` is wrong as soon as a function is reached by another path
    (``fit`` vs ``fit_transform``, scikit-learn's ``_fit_context`` wrapper, a Pipeline).
    """
    dirs = _library_dirs()
    frame = inspect.currentframe()
    level = 0
    while frame is not None and frame.f_code.co_filename.startswith(dirs):
        frame = frame.f_back
        level += 1
    return max(level, 1)
