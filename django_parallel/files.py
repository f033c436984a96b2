"""Writing the runner's own files (records, reports) whole or not at all."""

from __future__ import annotations

import os
import tempfile


def current_umask() -> int:
    """The process's umask (reading it means setting it: put it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(
    path: str, data: str | bytes, *, prefix: str, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, so a
    reader (or a run killed half way) sees the old file or the new one,
    never half of one. Missing directories are made. The file gets ``mode``,
    or by default what the umask gives any new file (``mkstemp`` would make
    it private)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        os.fchmod(fd, 0o666 & ~current_umask() if mode is None else mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
