"""Writing a file owner-only and atomically: the one way prem writes exports, tables and letters."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_privately"]


def write_privately(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Write ``path`` through ``write``, owner-only (0600) and atomically; return ``path``.

    ``write`` fills a temporary file beside ``path`` (created 0600), which is
    flushed to disk and renamed over ``path``: a reader sees the old file or
    the whole new one, never a part. On any error (a full disk) the temporary
    file is removed and the error raised.
    """
    path = Path(path)
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(descriptor)
    try:
        write(Path(partial))
        with open(partial, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path
