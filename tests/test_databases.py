"""Which test databases a run creates, and how a failed set-up cleans up."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import unittest

from support import ProjectTestCase, Run, backend_variants

CREATING = "Creating test database for alias"


class AliasSelectionTests(ProjectTestCase):
    """Only the aliases the selected tests use get a test database."""

    def assertProbe(self, run, probe, alias, test_db):
        self.assertIn(
            f"PROBE {probe} {alias}: test_db={test_db}", run.stdout, run.describe()
        )

    def probed_name(self, run, probe, alias):
        found = re.search(rf"PROBE {probe} {alias} name: (\S+)", run.stdout)
        self.assertIsNotNone(found, run.describe())
        return found.group(1)

    def test_simple_tests_only_create_no_database(self):
        run = self.run_tests("shop.tests.test_simple", "probes.tests.ConnectionsProbe")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        self.assertNotIn(CREATING, run.output)
        for alias in ("default", "other", "replica"):
            self.assertProbe(run, "connections", alias, "no")
        self.assertIn("PROBE connections DEBUG=False", run.stdout)
        self.assertNothingLeft()

    def test_default_only_label_creates_only_default(self):
        run = self.run_tests("shop.tests.test_models", "probes.tests.ConnectionsProbe")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=7)
        self.assertIn(f"{CREATING} 'default'", run.output)
        self.assertNotIn(f"{CREATING} 'other'", run.output)
        self.assertNotIn(f"{CREATING} 'replica'", run.output)
        self.assertProbe(run, "connections", "default", "yes")
        self.assertProbe(run, "connections", "other", "no")
        self.assertNothingLeft()

    def test_multidb_label_creates_default_and_other_and_mirrors_replica(self):
        run = self.run_tests("shop.tests.test_multidb", "probes.tests.ConnectionsProbe")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        self.assertIn(f"{CREATING} 'default'", run.output)
        self.assertIn(f"{CREATING} 'other'", run.output)
        self.assertNotIn(f"{CREATING} 'replica'", run.output)
        for alias in ("default", "other", "replica"):
            self.assertProbe(run, "connections", alias, "yes")
        self.assertEqual(
            self.probed_name(run, "connections", "replica"),
            self.probed_name(run, "connections", "default"),
        )
        self.assertNotEqual(
            self.probed_name(run, "connections", "other"),
            self.probed_name(run, "connections", "default"),
        )
        self.assertNothingLeft()

    def test_verbose_run_names_the_skipped_aliases(self):
        run = self.run_tests("shop.tests.test_models", "-v", "2")
        self.assertExit(run, 0)
        self.assertIn(
            "Skipping setup of unused database(s): other, replica.", run.output
        )
        self.assertNothingLeft()

    def test_simple_tests_skip_every_alias_at_verbosity_2(self):
        run = self.run_tests("shop.tests.test_simple", "-v", "2")
        self.assertExit(run, 0)
        self.assertIn(
            "Skipping setup of unused database(s): default, other, replica.",
            run.output,
        )
        self.assertNothingLeft()


class ServerDownTests(ProjectTestCase):
    """A database server that does not answer ends the run with one line."""

    def server_settings(self, alias_overrides):
        """DATABASES as the sample settings build them, with some aliases changed."""
        port = "5432" if self.backend == "postgresql" else "3306"
        engine = (
            "django.db.backends.postgresql"
            if self.backend == "postgresql"
            else "django.db.backends.mysql"
        )
        user = "postgres" if self.backend == "postgresql" else "root"

        def database(suffix=""):
            return {
                "ENGINE": engine,
                "NAME": self.db_name + suffix,
                "USER": user,
                "HOST": "127.0.0.1",
                "PORT": port,
            }

        databases = {
            "default": database(),
            "other": database("_other"),
            "replica": {**database(), "TEST": {"MIRROR": "default"}},
        }
        for alias, overrides in alias_overrides.items():
            databases[alias].update(overrides)
        return {"DP_SETTINGS_JSON": json.dumps({"DATABASES": databases})}

    def test_closed_port_for_default(self):
        port_variable = (
            "DP_PG_PORT" if self.backend == "postgresql" else "DP_MYSQL_PORT"
        )
        run = self.run_tests("shop.tests.test_models", env={port_variable: "1"})
        self.assertOneLineError(
            run,
            "django-parallel: error: cannot connect to the database server "
            "for alias 'default'",
        )
        self.assertNotIn(CREATING, run.output)
        self.assertNothingLeft()

    def test_closed_port_for_a_later_alias(self):
        run = self.run_tests(
            "shop.tests.test_multidb",
            env=self.server_settings({"other": {"PORT": "1"}}),
        )
        self.assertOneLineError(
            run,
            "django-parallel: error: cannot connect to the database server "
            "for alias 'other'",
        )
        self.assertNothingLeft()

    def test_failed_creation_of_a_later_alias_drops_the_earlier_one(self):
        # The server answers, so the default test database is created; then
        # creating the one for "other" fails.
        if self.backend == "postgresql":
            broken = {"TEST": {"TEMPLATE": "dp_no_such_template"}}
        else:
            broken = {"TEST": {"CHARSET": "dp_no_such_charset"}}
        run = self.run_tests(
            "shop.tests.test_multidb", env=self.server_settings({"other": broken})
        )
        self.assertNotEqual(run.returncode, 0, run.describe())
        self.assertIn(f"{CREATING} 'default'", run.output)
        self.assertIn("Got an error creating the test database", run.output)
        self.assertIsNone(run.summary, run.describe())
        self.assertNothingLeft()


class SilentServer:
    """A socket server that accepts connections and never answers: a
    database server that hangs. ``accepted`` is set at the first client."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = threading.Event()
        self.clients = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.socket.accept()
            except OSError:
                return
            self.clients.append(client)
            self.accepted.set()

    def close(self):
        self.socket.close()
        for client in self.clients:
            client.close()


class StallingProxy:
    """A TCP proxy to a real database server that forwards the first
    ``forwarded`` connections and then accepts others and never answers
    them: a server that stops answering part-way through a run."""

    def __init__(self, port: int, forwarded: int):
        self.target = port
        self.forwarded = forwarded
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.stalled = threading.Event()
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        count = 0
        while True:
            try:
                client, _ = self.socket.accept()
            except OSError:
                return
            self.sockets.append(client)
            count += 1
            if count > self.forwarded:
                self.stalled.set()
                continue
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets.append(server)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.socket.close()
        for end in self.sockets:
            end.close()


class ConnectBoundTests(ProjectTestCase):
    """Every connection the run makes to a database server has a connect
    bound (settings.DJANGO_PARALLEL['connect_timeout'] where OPTIONS sets
    none), in the parent and in each worker: a server that stops answering
    after the runner's own check ends the run in one line."""

    def test_workers_connect_with_the_bound(self):
        for start_method in ("spawn", "fork"):
            with self.subTest(start_method):
                run = self.run_tests(
                    "probes.tests.DefaultDatabaseProbe",
                    "probes.tests.ConnectionsProbe",
                    "--parallel",
                    "2",
                    "--start-method",
                    start_method,
                )
                self.assertExit(run, 0)
                for probe in ("default", "connections"):
                    self.assertIn(
                        f"PROBE {probe} default connect_timeout: 10", run.stdout
                    )

    def test_server_stops_answering_after_the_check(self):
        port = 5432 if self.backend == "postgresql" else 3306
        # The one connection forwarded is the runner's check; the first one
        # Django makes to create the test database gets no answer.
        proxy = StallingProxy(port, forwarded=1)
        self.addCleanup(proxy.close)
        variable = "DP_PG_PORT" if self.backend == "postgresql" else "DP_MYSQL_PORT"
        settings = {"DJANGO_PARALLEL": {"connect_timeout": 2}}
        run = self.run_tests(
            "shop.tests.test_models",
            "--parallel",
            "2",
            env={variable: str(proxy.port), "DP_SETTINGS_JSON": json.dumps(settings)},
            # Safety net: before, the run waited for ever.
            timeout=120,
        )
        self.assertOneLineError(run, "database server for alias 'default'")
        self.assertTrue(proxy.stalled.is_set())
        self.assertNothingLeft()


class LongTestNameTests(ProjectTestCase):
    """A test database name one short of the server's limit on names: the
    clones' names (``<name>_<slot>``) would be past it, and PostgreSQL would
    cut them all to the same name (MySQL refuses them); each clone gets a
    distinct name within the limit instead, and is dropped."""

    project = "engine"

    def test_parallel_run(self):
        limit = 63 if self.backend == "postgresql" else 64
        prefix = f"test_{self.db_name}_"
        test_name = prefix + "x" * (limit - 1 - len(prefix))
        run = self.run_tests(
            "scenarios.test_normal",
            "scenarios.test_probe",
            "--parallel",
            "2",
            env={"DP_TEST_NAME": test_name},
        )
        self.assertCounts(run, passed=9)
        self.assertNothingLeft()


class SilentServerTests(ProjectTestCase):
    """A server that accepts the connection and never answers ends the run
    with one line (the runner's connect bound), and SIGTERM ends a run stuck
    connecting; neither leaves its temporary workspace."""

    def setUp(self):
        super().setUp()
        self.server = SilentServer()
        self.addCleanup(self.server.close)
        self.tmp = self.workdir / "tmp"
        self.tmp.mkdir()
        self.initial_files = self.project_files()
        variable = "DP_PG_PORT" if self.backend == "postgresql" else "DP_MYSQL_PORT"
        self.env = {variable: str(self.server.port), "TMPDIR": str(self.tmp)}
        self.command = [sys.executable, "manage.py", "test", "shop", "--parallel", "2"]

    def test_one_line_and_exit_2(self):
        run = self.run_command(self.command, env=self.env, timeout=120)
        self.assertOneLineError(run, "for alias 'default'")
        self.assertTrue(self.server.accepted.is_set())
        self.assertNothingLeft()
        self.assertEqual(os.listdir(self.tmp), [])

    def test_sigterm_while_connecting(self):
        # Stuck in the first connection, which --clear-db-cache makes.
        self.command.append("--clear-db-cache")
        process = subprocess.Popen(
            self.command,
            cwd=self.project_dir,
            env=self.environment(env=self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.kill)
        self.assertTrue(self.server.accepted.wait(60), "the run never connected")
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
        run = Run(self.command, process.returncode, stdout, stderr)
        self.assertExit(run, 128 + signal.SIGTERM)
        self.assertNotIn("Traceback", run.output, run.describe())
        self.assertNothingLeft()
        self.assertEqual(os.listdir(self.tmp), [])


class UnwritableSQLiteDirectoryTests(ProjectTestCase):
    """An SQLite test database file where no file can be made is one line
    saying what to do, not SQLite's traceback after a line about a drop."""

    project = "engine"

    def assertUnwritable(self, run: Run, name: str) -> None:
        self.assertOneLineError(run, "cannot create the SQLite test database")
        self.assertIn(repr(name), run.stderr)
        self.assertNotIn("could not drop", run.stderr)
        self.assertNothingLeft()

    def test_directory_that_is_a_file(self):
        # What a read-only directory does, for any user, root included.
        (self.db_dir / "file").write_text("")
        self.initial_files = self.project_files()
        name = str(self.db_dir / "file" / "test.sqlite3")
        run = self.run_tests(
            "scenarios.test_normal",
            "--parallel",
            "2",
            env={"DP_SQLITE_TEST_FILE": name},
        )
        self.assertUnwritable(run, name)

    @unittest.skipIf(os.geteuid() == 0, "root writes into read-only directories")
    def test_read_only_current_directory(self):
        os.chmod(self.project_dir, 0o555)
        self.addCleanup(os.chmod, self.project_dir, 0o755)
        run = self.run_tests(
            "scenarios.test_normal", env={"DP_SQLITE_TEST_FILE": "test.sqlite3"}
        )
        self.assertUnwritable(run, "test.sqlite3")


globals().update(backend_variants(AliasSelectionTests))
# Only the server variants: SQLite has no server to be down.
globals().update(backend_variants(ServerDownTests))
globals().update(backend_variants(SilentServerTests))
globals().update(backend_variants(ConnectBoundTests))
globals().update(backend_variants(LongTestNameTests))
del ServerDownTests, SilentServerTests, ConnectBoundTests, LongTestNameTests
