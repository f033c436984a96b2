"""Where the JUnit XML report goes: the path checked before the run, so a
path that cannot be written is one line at the start, not a lost report at
the end; and each shard's own file name."""

from __future__ import annotations

import os

from django_parallel.errors import RunnerError


def resolve_path(
    value, source: str = "--junit-xml", example: str = "reports/junit.xml"
) -> str | None:
    """The absolute path of the report ``value`` asks for, or None for no
    report (``example`` is a path of the kind expected, for the error).
    Nothing is created here."""
    if value is None or value is False:
        return None
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value).strip():
        raise RunnerError(
            f"{source} expects the path of the file to write, such as "
            f"{example}; got {value!r}"
        )
    given = os.fspath(value)
    path = os.path.abspath(given)
    if os.path.isdir(path):
        raise RunnerError(
            f"{source} names a directory ({given}); give a file in it, such as "
            f"{os.path.join(given, os.path.basename(example))}"
        )
    existing = os.path.dirname(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise RunnerError(
            f"{source} cannot be written: {existing} is a file, not a directory; "
            "give a path in a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK) or (
        os.path.exists(path) and not os.access(path, os.W_OK)
    ):
        raise RunnerError(
            f"{source} cannot be written: no permission to write in {existing}; "
            "give a path in a writable directory"
        )
    return path


def shard_path(path: str, index: int, total: int) -> str:
    """Shard ``index`` of ``total``'s own file: ``junit.xml`` becomes
    ``junit-shard-1-of-4.xml``, so the files of every shard can be collected
    into one place."""
    stem, extension = os.path.splitext(path)
    return f"{stem}-shard-{index}-of-{total}{extension or '.xml'}"
