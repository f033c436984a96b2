"""Tests that report what the runner set up, for the database tests to read.

Each probe prints "PROBE ..." lines on stdout. Database names are compared with
the ones in settings when this module was imported (during discovery, before
any test database exists), since creating a test database renames the alias.
"""

from django.conf import settings
from django.db import connections
from django.test import SimpleTestCase, TestCase

ORIGINAL_NAMES = {
    alias: str(connections[alias].settings_dict["NAME"]) for alias in connections
}


def report(probe):
    for alias in connections:
        connection = connections[alias]
        name = str(connection.settings_dict["NAME"])
        on_test_db = "yes" if name != ORIGINAL_NAMES[alias] else "no"
        serialized = "yes" if hasattr(connection, "_test_serialized_contents") else "no"
        print(f"PROBE {probe} {alias}: test_db={on_test_db} serialized={serialized}")
        print(f"PROBE {probe} {alias} name: {name}")
        options = connection.settings_dict.get("OPTIONS") or {}
        print(
            f"PROBE {probe} {alias} connect_timeout: {options.get('connect_timeout')}"
        )
    print(f"PROBE {probe} DEBUG={settings.DEBUG}")
    capture = TestCase.__dict__["captureOnCommitCallbacks"]
    print(f"PROBE {probe} captureOnCommitCallbacks from {capture.__func__.__module__}")


class ConnectionsProbe(SimpleTestCase):
    """Uses no database, so it does not change which ones are created."""

    def test_report(self):
        report("connections")


class DefaultDatabaseProbe(TestCase):
    def test_report(self):
        report("default")
