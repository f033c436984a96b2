"""One trial of ``--bisect`` or ``--pair``: chosen tests then the target, in
order, in a fresh process running this same test command.

The parent writes a ``TrialSpec`` as JSON and starts the command again with
``DJANGO_PARALLEL_TRIAL`` naming it; the child's runner sees the variable,
runs exactly those tests serially (``--bisect``/``--pair`` in its arguments
are ignored there) and writes the ids that failed to ``result``. A fresh
interpreter per trial is the point: what an earlier trial left in memory
must not reach the next.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from django_parallel.errors import RunnerError, first_line
from django_parallel.repro.record import Discovery

ENVIRON = "DJANGO_PARALLEL_TRIAL"


@dataclass(frozen=True)
class TrialSpec:
    tests: tuple[str, ...]
    discovery: Discovery
    result: str
    # Appended to the test databases' names, so trials at once do not share
    # one (in-memory SQLite needs none).
    db_suffix: str = ""


def write_spec(path: str, spec: TrialSpec) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(asdict(spec), file)


def take_spec() -> TrialSpec | None:
    """This process's trial, if it is one. The variable is removed, so the
    tests' own subprocesses are not trials."""
    path = os.environ.pop(ENVIRON, None)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        found = data["discovery"]
        return TrialSpec(
            tests=tuple(data["tests"]),
            discovery=Discovery(
                tuple(found["labels"]), found["pattern"], found["top_level"]
            ),
            result=data["result"],
            db_suffix=data.get("db_suffix", ""),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunnerError(
            f"{ENVIRON} names a trial that cannot be read ({first_line(exc)}); unset it"
        ) from None


def write_result(spec: TrialSpec, failed: list[str], ran: int) -> None:
    with open(spec.result, "w", encoding="utf-8") as file:
        json.dump({"failed": failed, "ran": ran}, file)


def rename_test_databases(suffix: str) -> None:
    """Give every test database a name of its own for this trial."""
    if not suffix:
        return
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        name = connection.creation._get_test_db_name()
        if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(name):
            continue
        connection.settings_dict.setdefault("TEST", {})["NAME"] = name + suffix


class Trials:
    """Runs trials as child processes of this command, ``processes`` at once."""

    def __init__(
        self,
        target: str,
        discovery: Discovery,
        *,
        processes: int = 1,
        verbosity: int = 1,
    ) -> None:
        self.target = target
        self.discovery = discovery
        self.processes = max(1, processes)
        self.verbosity = verbosity
        self.directory = tempfile.mkdtemp(prefix="django_parallel-trials-")
        self.count = 0
        # Database name suffixes, one per trial running at a time.
        self._suffixes: queue.SimpleQueue = queue.SimpleQueue()
        for number in range(1, self.processes + 1):
            self._suffixes.put(f"_trial{number}" if self.processes > 1 else "")

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Trials:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def attempt(self, before: list[str]) -> bool:
        """Whether the target fails after ``before``, in a fresh process."""
        return self.attempt_each([before])[0]

    def attempt_each(self, orders: list[list[str]]) -> list[bool]:
        numbers = range(self.count, self.count + len(orders))
        self.count += len(orders)
        jobs = list(zip(numbers, orders, strict=True))
        if self.processes == 1 or len(jobs) == 1:
            return [self._run(number, before) for number, before in jobs]
        with ThreadPoolExecutor(self.processes) as pool:
            return list(pool.map(lambda job: self._run(*job), jobs))

    def _run(self, number: int, before: list[str]) -> bool:
        suffix = self._suffixes.get()
        try:
            return self._run_with(number, before, suffix)
        finally:
            self._suffixes.put(suffix)

    def _run_with(self, number: int, before: list[str], suffix: str) -> bool:
        stem = os.path.join(self.directory, f"trial-{number}")
        spec = TrialSpec(
            tests=(*before, self.target),
            discovery=self.discovery,
            result=stem + ".result.json",
            db_suffix=suffix,
        )
        write_spec(stem + ".json", spec)
        # The command as it was typed (sys.argv may have been changed since),
        # with this interpreter.
        argv = [sys.executable, *sys.orig_argv[1:]]
        environ = {**os.environ, ENVIRON: stem + ".json"}
        done = subprocess.run(
            argv,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if self.verbosity >= 2:
            # Whole, after the trial: tries run at once do not interleave.
            sys.stdout.write(done.stdout)
            sys.stderr.write(done.stderr)
            sys.stderr.flush()
        try:
            with open(spec.result, encoding="utf-8") as file:
                failed = json.load(file)["failed"]
        except (OSError, ValueError, KeyError):
            stderr = done.stderr or ""
            if done.returncode == 0 or "django-parallel: error:" in stderr:
                # The command itself refused (a one-line error), or ended
                # before running: no verdict on the target.
                last = (done.stderr or "").strip().splitlines()[-1:] or [
                    f"exit status {done.returncode}"
                ]
                raise RunnerError(
                    f"a trial run could not run the tests ({last[0]})"
                ) from None
            # Killed, or ended by a test (os._exit): the crash reproduces.
            return True
        return self.target in failed
