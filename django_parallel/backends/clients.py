"""The database servers' own client programs (pg_dump, mariadb-dump, ...),
run with the connection settings Django's ``dbshell`` would use.

Django's ``DatabaseClient.settings_to_cmd_args_env`` already turns a
connection's settings into a client's options and environment (user, host,
port, password, SSL files); the dump and load programs of each server take
the same options, so only the program and the database change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence


class ClientUnavailable(Exception):
    """No program of the kind needed is installed, or it failed; the
    message is one line saying which and why."""


def find_program(candidates: Sequence[str]) -> str:
    """The first of ``candidates`` on PATH."""
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    raise ClientUnavailable(f"none of {', '.join(candidates)} is installed")


def client_options(connection, database: str) -> tuple[list[str], dict[str, str]]:
    """The options (without the program and the database) and environment
    that reach ``database`` on ``connection``'s server."""
    settings_dict = dict(connection.settings_dict)
    options = dict(settings_dict.get("OPTIONS") or {})
    # The database is given apart, whatever OPTIONS names.
    options.pop("db", None)
    options.pop("database", None)
    options.pop("service", None)
    settings_dict["OPTIONS"] = options
    settings_dict["NAME"] = database
    args, env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    if args[-1] != database:
        raise ClientUnavailable(
            f"cannot tell {connection.vendor}'s client options apart from the database"
        )
    return args[1:-1], {**os.environ, **(env or {})}


def run_program(
    args: list[str],
    env: dict[str, str],
    *,
    stdin_path: str | None = None,
    stdout_path: str | None = None,
) -> None:
    """Run a client program to its end; a failure is ``ClientUnavailable``
    with the first line it wrote. Ctrl-C or SIGTERM in the parent kills it
    (``subprocess.run`` does, on any exception)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        done = subprocess.run(
            args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env
        )
    except OSError as exc:
        raise ClientUnavailable(f"{os.path.basename(args[0])}: {exc}") from None
    finally:
        for stream in (stdin, stdout):
            if stream is not subprocess.DEVNULL:
                stream.close()
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        reason = message[0] if message else f"exit status {done.returncode}"
        raise ClientUnavailable(f"{os.path.basename(args[0])} failed: {reason}")
