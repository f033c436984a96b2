"""What every test of the suite uses: a private copy of a sample project, a
way to run ``manage.py test`` in it as a subprocess, the closing summary
parsed, and checks that a run left nothing behind."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = Path(__file__).resolve().parent / "projects"
IN_CI = os.environ.get("CI", "").lower() == "true"

SERVERS = {"postgresql": ("127.0.0.1", 5432), "mysql": ("127.0.0.1", 3306)}

SUMMARY = re.compile(
    r"^(?P<passed>\d+) passed, (?P<failed>\d+) failed, (?P<errors>\d+) errors, "
    r"(?P<skipped>\d+) skipped, (?P<expected_failures>\d+) expected failures, "
    r"(?P<unexpected_successes>\d+) unexpected successes in [\d.]+s"
    r"(?: \(shuffle seed (?P<seed>-?\d+)\))?$",
    re.MULTILINE,
)


@dataclass
class Run:
    """A finished ``manage.py test`` subprocess."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def summary(self) -> dict[str, int] | None:
        """The counts of the closing line, or None when there is none."""
        matches = list(SUMMARY.finditer(self.stderr))
        if not matches:
            return None
        found = matches[-1].groupdict()
        seed = found.pop("seed")
        counts = {key: int(value) for key, value in found.items()}
        if seed is not None:
            counts["seed"] = int(seed)
        return counts

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit: {self.returncode}\n"
            f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-6000:]}"
        )


DRIVERS = {"postgresql": ("psycopg", "psycopg2"), "mysql": ("MySQLdb",)}


def backend_problem(backend: str) -> str | None:
    """Why ``backend`` cannot be tested here, or None when it can."""
    if backend == "sqlite":
        return None
    if not any(importlib.util.find_spec(name) for name in DRIVERS[backend]):
        return f"no {backend} driver ({' or '.join(DRIVERS[backend])}) is installed"
    if not server_available(backend):
        host, port = SERVERS[backend]
        return f"no {backend} server answers at {host}:{port}"
    return None


def server_available(backend: str) -> bool:
    if backend == "sqlite":
        return True
    try:
        with socket.create_connection(SERVERS[backend], timeout=2):
            return True
    except OSError:
        return False


def server_sql(backend: str, sql: str, database: str | None = None) -> str:
    """Run SQL with the server's own command-line client; return its output.

    ``database`` is what to connect to (default: the server's default one);
    an SQLite backend takes the path of the database file instead.
    """
    if backend == "postgresql":
        command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atq"]
        command += ["-d", database or "postgres", "-c", sql]
    elif backend == "mysql":
        command = ["mariadb", "-h", "127.0.0.1", "-u", "root", "-N"]
        command += [*([database] if database else []), "-e", sql]
    else:
        import sqlite3

        with sqlite3.connect(database) as connection:
            rows = connection.execute(sql).fetchall()
        return "\n".join("|".join(map(str, row)) for row in rows)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"{backend} refused {sql!r}: {done.stderr}")
    return done.stdout


def server_databases(backend: str, prefix: str) -> list[str]:
    """Databases on the server whose name starts with ``prefix``."""
    if backend == "postgresql":
        sql = f"select datname from pg_database where datname like '{prefix}%'"
    elif backend == "mysql":
        sql = f"show databases like '{prefix}%'"
    else:
        return []
    return sorted(line for line in server_sql(backend, sql).split() if line)


def drop_server_databases(backend: str, prefix: str) -> None:
    quote = '"' if backend == "postgresql" else "`"
    for name in server_databases(backend, prefix):
        server_sql(backend, f"drop database if exists {quote}{name}{quote}")


# What `manage.py test outcomes` counts in the sample project.
OUTCOMES_TOTALS = dict(
    passed=3,
    failed=2,
    errors=2,
    skipped=1,
    expected_failures=1,
    unexpected_successes=1,
)


class ProjectTestCase(unittest.TestCase):
    """Runs a sample project's tests in a subprocess, in a private copy.

    ``backend`` picks the database (sqlite, postgresql or mysql). A test that
    needs a server fails when CI=true and the server does not answer, and is
    skipped otherwise.
    """

    project = "sample"
    backend = "sqlite"
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        message = backend_problem(cls.backend)
        if message:
            if IN_CI:
                raise AssertionError(f"{message}, and CI=true requires one")
            raise unittest.SkipTest(message)

    def setUp(self):
        super().setUp()
        self.workdir = Path(tempfile.mkdtemp(prefix="dp-test-"))
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.project_dir = self.workdir / self.project
        shutil.copytree(
            self.project_source(),
            self.project_dir,
            ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"),
        )
        self.db_dir = self.workdir / "db"
        self.db_dir.mkdir()
        self.db_name = f"dp_{uuid.uuid4().hex[:10]}"
        if self.backend != "sqlite":
            # Whatever a failing test leaves is dropped, after the assertions.
            self.addCleanup(drop_server_databases, self.backend, f"test_{self.db_name}")
            self.addCleanup(drop_server_databases, self.backend, self.db_name)
        self.initial_files = self.project_files()

    def project_source(self) -> Path:
        """The project to copy; override for a project outside tests/projects."""
        return PROJECTS / self.project

    def project_files(self) -> set[str]:
        # .django_parallel/ holds the recorded test durations: an intended,
        # documented product of every run, not a leak.
        return {
            str(path.relative_to(self.workdir))
            for path in self.workdir.rglob("*")
            if "__pycache__" not in path.parts and ".django_parallel" not in path.parts
        }

    def environment(self, mode: str = "runner", env: dict | None = None) -> dict:
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DP_"))
        }
        environ.update(
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT), environ.get("PYTHONPATH")])
            ),
            DP_DB=self.backend,
            DP_DB_NAME=self.db_name,
            DP_DB_DIR=str(self.db_dir),
            DP_MODE=mode,
            PYTHONUNBUFFERED="1",
        )
        environ.update(env or {})
        return environ

    def run_command(
        self,
        argv: list[str],
        *,
        mode: str = "runner",
        env: dict | None = None,
        input: str | None = None,
        timeout: float = 300,
    ) -> Run:
        done = subprocess.run(
            argv,
            cwd=self.project_dir,
            env=self.environment(mode, env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(argv, done.returncode, done.stdout, done.stderr)

    def run_tests(self, *args: str, **kwargs) -> Run:
        """``python manage.py test ARGS`` in the project copy."""
        return self.run_command([sys.executable, "manage.py", "test", *args], **kwargs)

    # Assertions.

    def assertExit(self, run: Run, code: int) -> None:
        self.assertEqual(run.returncode, code, run.describe())

    def assertCounts(self, run: Run, **expected: int) -> None:
        """The closing line has these counts (unnamed ones must be 0)."""
        summary = run.summary
        self.assertIsNotNone(summary, run.describe())
        wanted = {
            "passed": 0,
            "failed": 0,
            "errors": 0,
            "skipped": 0,
            "expected_failures": 0,
            "unexpected_successes": 0,
            **expected,
        }
        got = {key: summary[key] for key in wanted}
        self.assertEqual(got, wanted, run.describe())

    def assertNothingLeft(self) -> None:
        """No test database, clone or stray file survives the run."""
        left = self.project_files() - self.initial_files
        self.assertEqual(sorted(left), [], "files left behind")
        if self.backend != "sqlite":
            # Migrated-database cache entries (*_dpcache_*) are meant to stay.
            left = [
                name
                for name in server_databases(self.backend, f"test_{self.db_name}")
                if "_dpcache_" not in name
            ]
            self.assertEqual(left, [], f"{self.backend} test databases left behind")

    def assertOneLineError(self, run: Run, fragment: str, code: int = 2) -> None:
        """The run failed with exactly one error line mentioning ``fragment``."""
        self.assertExit(run, code)
        self.assertNotIn("Traceback", run.output, run.describe())
        errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
        self.assertEqual(len(errors), 1, run.describe())
        self.assertIn(fragment, errors[0], run.describe())


def backend_variants(base: type, backends=("postgresql", "mysql")) -> dict:
    """Subclasses of ``base`` (which itself runs on SQLite) for the server
    backends, for a module's globals. At the end of a test module:
    ``globals().update(backend_variants(KeepDBTests))``.
    """
    variants = {}
    for backend in backends:
        name = f"{base.__name__}_{backend}"
        variants[name] = type(
            name, (base,), {"backend": backend, "__module__": base.__module__}
        )
    return variants
