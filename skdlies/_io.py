"""File-writing helpers: never leave a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


def _process_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


#: Read once, at import: setting the umask to read it changes it for every thread meanwhile.
_UMASK = _process_umask()


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    If the block raises, the temporary file is removed and ``path`` is untouched
    (an older version of it stays as it was). The file is flushed to disk before
    the rename, so that a crash cannot leave ``path`` naming an empty file.
    ``~`` is expanded.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private (0600); give the usual mode
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
