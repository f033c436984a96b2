"""The fingerprint that keys the migrated-database cache, and the names of
cache entries on a server, in-process: a throw-away app is written to a
temporary directory and installed with override_settings; nothing here
connects to a database."""

import contextlib
import functools
import io
import shutil
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

from django.db.models.signals import post_migrate
from django.db.utils import ConnectionHandler
from django.test.utils import override_settings

from django_parallel.backends import adapter_for
from django_parallel.backends.base import MAX_SPARE_NUMBER
from django_parallel.dbcache import cache_entry
from django_parallel.fingerprint import (
    FingerprintUnavailable,
    fingerprint,
    imported_names,
    stable,
)

FILES = {
    "__init__.py": "",
    "fields.py": """
from django.db import models


class Code(models.CharField):
    def db_type(self, connection):
        return "varchar(20)"
""",
    "helpers.py": "WIDTH = 20\n",
    "models.py": """
from django.db import models

from .fields import Code


class Item(models.Model):
    code = Code(max_length=100)
""",
    "migrations/__init__.py": "",
    "migrations/0001_initial.py": """
from django.db import migrations, models

import {app}.fields
from {app} import helpers


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("code", {app}.fields.Code(max_length=helpers.WIDTH)),
            ],
        ),
    ]
""",
    "routers.py": """
class Router:
    def allow_migrate(self, db, app_label, **hints):
        return None
""",
    "receivers.py": """
class Receiver:
    def __call__(self, **kwargs):
        pass


def receive(**kwargs):
    pass
""",
    "tests.py": "from django.test import TestCase\n",
}


class DisableMigrations:
    """The widely copied recipe for tests without migrations."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


class Unreadable:
    """A MIGRATION_MODULES that cannot be read at all."""

    def __contains__(self, item):
        raise RuntimeError("no reading this")


class FingerprintTests(unittest.TestCase):
    models_package = False

    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="dp-fingerprint-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.app = f"fp_{uuid.uuid4().hex[:10]}"
        files = dict(FILES)
        if self.models_package:
            files["models/__init__.py"] = "from .item import Item  # noqa\n"
            files["models/item.py"] = files.pop("models.py").replace(
                "from .fields", "from ..fields"
            )
        for relative, text in files.items():
            path = self.root / self.app / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace("{app}", self.app))
        sys.path.insert(0, str(self.root))
        self.addCleanup(self.forget_app)
        handler = ConnectionHandler(
            {
                "default": {},
                "fp": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": str(self.root / "db.sqlite3"),
                },
            }
        )
        self.connection = handler["fp"]

    def forget_app(self):
        sys.path.remove(str(self.root))
        for name in list(sys.modules):
            if name == self.app or name.startswith(f"{self.app}."):
                del sys.modules[name]

    def fingerprint(self, **settings):
        settings.setdefault("INSTALLED_APPS", ["django_parallel", self.app])
        with override_settings(**settings):
            return fingerprint(self.connection)

    def edit(self, relative, old, new):
        path = self.root / self.app / relative
        text = path.read_text()
        self.assertIn(old, text)
        path.write_text(text.replace(old, new))

    def assertChangedBy(self, relative, old, new, **settings):
        before = self.fingerprint(**settings)
        self.edit(relative, old, new)
        self.assertNotEqual(self.fingerprint(**settings), before, relative)

    def test_unchanged_project_gives_the_same_fingerprint(self):
        self.assertEqual(self.fingerprint(), self.fingerprint())

    def test_models_and_migrations(self):
        models = "models/item.py" if self.models_package else "models.py"
        self.assertChangedBy(models, "max_length=100", "max_length=101")
        self.assertChangedBy("migrations/0001_initial.py", "initial = True", "")

    def test_project_modules_that_models_and_migrations_import(self):
        self.assertChangedBy("fields.py", "varchar(20)", "varchar(30)")
        # Imported by the migration only, and never imported yet.
        self.assertNotIn(f"{self.app}.helpers", sys.modules)
        self.assertChangedBy("helpers.py", "20", "30")

    def test_a_module_nothing_imports_is_not_covered(self):
        # Editing tests must not throw the cache away.
        before = self.fingerprint()
        self.edit("tests.py", "TestCase", "TransactionTestCase")
        self.assertEqual(self.fingerprint(), before)

    def test_settings(self):
        base = self.fingerprint()
        moved = self.fingerprint(MIGRATION_MODULES={self.app: "nowhere_dp.migrations"})
        self.assertNotEqual(moved, base)
        self.assertNotEqual(self.fingerprint(INSTALLED_APPS=[self.app]), base)
        routers = [f"{self.app}.routers.Router"]
        routed = self.fingerprint(DATABASE_ROUTERS=routers)
        self.assertNotEqual(routed, base)
        self.assertChangedBy(
            "routers.py", "return None", "return True", DATABASE_ROUTERS=routers
        )

    def test_router_instances(self):
        from importlib import import_module

        router = import_module(f"{self.app}.routers").Router()
        first = self.fingerprint(DATABASE_ROUTERS=[router])
        # A new instance, at another address: the same fingerprint.
        again = self.fingerprint(DATABASE_ROUTERS=[type(router)()])
        self.assertEqual(first, again)

    def test_disable_migrations_keys_on_the_models(self):
        disabled = DisableMigrations()
        base = self.fingerprint()
        without = self.fingerprint(MIGRATION_MODULES=disabled)
        self.assertNotEqual(without, base)
        self.assertEqual(self.fingerprint(MIGRATION_MODULES=disabled), without)
        # Tables come from the models then, and their field classes.
        self.assertChangedBy(
            "fields.py", "varchar(20)", "varchar(30)", MIGRATION_MODULES=disabled
        )

    def test_receivers_of_every_kind(self):
        from importlib import import_module

        receivers = import_module(f"{self.app}.receivers")
        connected = [
            receivers.Receiver(),
            functools.partial(receivers.receive, extra=1),
            lambda **kwargs: None,
            receivers.receive,
        ]
        for number, receiver in enumerate(connected):
            uid = f"{self.app}-{number}"
            post_migrate.connect(receiver, weak=False, dispatch_uid=uid)
            self.addCleanup(post_migrate.disconnect, dispatch_uid=uid)
        self.assertEqual(self.fingerprint(), self.fingerprint())
        self.assertChangedBy("receivers.py", "pass\n\n\ndef", "return\n\n\ndef")

    def test_unreadable_setting_turns_the_cache_off(self):
        with self.assertRaisesRegex(FingerprintUnavailable, "MIGRATION_MODULES"):
            self.fingerprint(MIGRATION_MODULES=Unreadable())
        cache = adapter_for(self.connection)
        outputs = {}
        with override_settings(MIGRATION_MODULES=Unreadable()):
            for verbosity in (0, 1):
                stderr = io.StringIO()
                with contextlib.redirect_stderr(stderr):
                    self.assertIsNone(cache_entry(self.connection, cache, verbosity))
                outputs[verbosity] = stderr.getvalue().splitlines()
        self.assertEqual(outputs[0], [])
        self.assertEqual(len(outputs[1]), 1, outputs[1])
        self.assertIn(
            "Not using the migrated-database cache for alias 'fp'", outputs[1][0]
        )
        self.assertIn("MIGRATION_MODULES", outputs[1][0])


class ModelsPackageFingerprintTests(FingerprintTests):
    models_package = True

    def test_unreadable_source_turns_the_cache_off(self):
        # A dangling link among the models' files: Django never imports
        # it, the fingerprint cannot read it, and says so.
        (self.root / self.app / "models" / "stale.py").symlink_to(self.root / "gone")
        with self.assertRaisesRegex(FingerprintUnavailable, "stale.py"):
            self.fingerprint()


class StableTests(unittest.TestCase):
    def test_no_memory_addresses(self):
        class Thing:
            pass

        self.assertEqual(stable([Thing()]), stable([Thing()]))
        self.assertNotIn(" at 0x", stable({"a": Thing(), "b": (1, "x", None)}))
        self.assertEqual(stable({"b": 1, "a": 2}), stable({"a": 2, "b": 1}))

    def test_imported_names(self):
        source = b"import a.b\nfrom . import c\nfrom ..d import e\n"
        self.assertEqual(
            imported_names(source, "pkg.sub.mod", is_package=False),
            {"a.b", "pkg.sub", "pkg.sub.c", "pkg.d", "pkg.d.e"},
        )


class CacheNameTests(unittest.TestCase):
    """Server cache names keep their marker, fit with every spare's suffix,
    and each test database's names are told apart from others'."""

    FINGERPRINT = "0123456789abcdef" * 4

    def adapter(self, engine, test_name):
        handler = ConnectionHandler(
            {
                "default": {},
                "x": {
                    "ENGINE": f"django.db.backends.{engine}",
                    "NAME": "dp",
                    "TEST": {"NAME": test_name},
                },
            }
        )
        try:
            return adapter_for(handler["x"])
        except Exception as exc:  # No driver installed.
            self.skipTest(f"{engine}: {exc}")

    def test_names(self):
        long_name = "test_" + "a_rather_long_project_database_name_" * 2
        for engine, limit in (("postgresql", 63), ("mysql", 64)):
            for name in (long_name, "test_" + "\u00e9" * 40):
                with self.subTest(engine=engine, name=name):
                    adapter = self.adapter(engine, name)
                    entry = adapter.cache_location(self.FINGERPRINT)
                    self.assertIn("_dpcache_" + self.FINGERPRINT[:12], entry)
                    for number in (0, 1, MAX_SPARE_NUMBER):
                        for kind in ("next", "part"):
                            spare = adapter.spare_name(entry, number, kind)
                            self.assertLessEqual(len(spare.encode()), limit, spare)
                            self.assertTrue(adapter.is_cache_name(spare), spare)
                    self.assertTrue(adapter.is_cache_name(entry))
                    # Two long names that differ only past the cut.
                    other = self.adapter(engine, name[:-1] + "x")
                    other_entry = other.cache_location(self.FINGERPRINT)
                    self.assertNotEqual(other_entry, entry)
                    self.assertFalse(adapter.is_cache_name(other_entry))
                    old = adapter.cache_location("f" * 64)
                    names = [
                        entry,
                        adapter.spare_name(entry, 2),
                        old,
                        adapter.spare_name(old, 1),
                        other_entry,
                        name,
                        f"{name}_1",
                    ]
                    # As the first versions named them, marker cut off.
                    legacy = (name + "_dpcache_")[: limit - 20] + "e" * 12
                    names += [legacy, f"{legacy}_next2"]
                    self.assertEqual(
                        adapter.stale_cache_candidates(names, keep=entry),
                        [old, adapter.spare_name(old, 1), legacy, f"{legacy}_next2"],
                    )
            short = self.adapter(engine, "test_short")
            self.assertEqual(
                short.cache_location(self.FINGERPRINT),
                "test_short_dpcache_" + self.FINGERPRINT[:12],
            )
            self.assertFalse(
                short.is_cache_name("test_short_more_dpcache_" + self.FINGERPRINT[:12])
            )
