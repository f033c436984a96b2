"""What a worker process starts from: the parent's settings, changed at run
time in any way, and the test modules imported before the system checks, as
a forked worker has them. Unit tests of capture_settings/apply_settings
(a settings module written to a temporary directory, a "parent" and a
"worker" settings object in this process), then runs of the registry project
under every start method."""

import importlib
import shutil
import sys
import tempfile
import threading
import unittest
import uuid
from pathlib import Path

from django.conf import LazySettings, Settings, UserSettingsHolder, global_settings
from test_parallel import EveryStartMethod, ParallelTestCase

from django_parallel.errors import RunnerError
from django_parallel.parallel.plan import (
    CapturedSettings,
    _same,
    apply_settings,
    capture_settings,
    loaded_settings,
    modules_of_tests,
)

PREAMBLE = """\
SECRET_KEY = "not-secret"
USE_TZ = True
TIME_ZONE = None  # Settings() would set this process's TZ otherwise.
"""


class DisableMigrations:
    """The widely copied recipe: every app "has" migrations module None."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


class SettingsCaptureTests(unittest.TestCase):
    """A parent loads a settings module and changes it; a worker loads the
    module afresh (as a new interpreter does) and is given the capture."""

    def setUp(self):
        directory = tempfile.mkdtemp(prefix="dp-settings-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        self.directory = Path(directory)
        sys.path.insert(0, directory)
        self.addCleanup(sys.path.remove, directory)
        self.modules = []
        self.addCleanup(self.forget_modules)

    def forget_modules(self):
        for name in self.modules:
            sys.modules.pop(name, None)

    def module(self, body: str, preamble: str = PREAMBLE) -> str:
        name = f"dp_settings_{uuid.uuid4().hex[:10]}"
        (self.directory / f"{name}.py").write_text(preamble + body)
        importlib.invalidate_caches()
        self.modules.append(name)
        return name

    def parent(self, name: str) -> LazySettings:
        settings = LazySettings()
        settings._wrapped = Settings(name)
        return settings

    def worker(self, module_name, captured, *fresh_modules) -> LazySettings:
        """A worker's settings: its modules loaded again, then the capture
        applied."""
        for name in fresh_modules or (module_name,):
            sys.modules.pop(name, None)
        settings = LazySettings()
        if module_name is not None:
            settings._wrapped = Settings(module_name)
        apply_settings(module_name, captured, settings)
        return settings

    def round_trip(self, name, parent, start_method="spawn"):
        module_name, captured = capture_settings(start_method, parent)
        self.assertEqual(module_name, name)
        return self.worker(module_name, captured)

    def test_unchanged_settings_stay_the_workers_own(self):
        name = self.module('MIDDLEWARE = ["a.B"]\nOPTIONS = {"k": [1]}\n')
        worker = self.round_trip(name, self.parent(name))
        fresh = sys.modules[name]
        self.assertIs(worker._wrapped.MIDDLEWARE, fresh.MIDDLEWARE)
        self.assertIs(worker._wrapped.OPTIONS, fresh.OPTIONS)

    def test_replaced_value(self):
        name = self.module('OPTIONS = {"k": 1}\n')
        parent = self.parent(name)
        parent.OPTIONS = {"k": 2}
        self.assertEqual(self.round_trip(name, parent).OPTIONS, {"k": 2})

    def test_list_and_dict_changed_in_place(self):
        name = self.module('MIDDLEWARE = ["a.B"]\nOPTIONS = {"k": {"deep": 1}}\n')
        parent = self.parent(name)
        parent.MIDDLEWARE.append("x.Y")
        parent.OPTIONS["k"]["deep"] = 2
        worker = self.round_trip(name, parent)
        self.assertEqual(worker.MIDDLEWARE, ["a.B", "x.Y"])
        self.assertEqual(worker.OPTIONS, {"k": {"deep": 2}})

    def test_changed_in_place_through_a_star_import(self):
        base = self.module('MIDDLEWARE = ["a.B"]\n')
        name = self.module(f"from {base} import *\n")
        parent = self.parent(name)
        parent.MIDDLEWARE.append("x.Y")
        _, captured = capture_settings("spawn", parent)
        worker = self.worker(name, captured, name, base)
        self.assertEqual(worker.MIDDLEWARE, ["a.B", "x.Y"])

    def test_default_changed_in_place(self):
        name = self.module("")
        parent = self.parent(name)
        # Django's default list itself: restored before the worker loads.
        parent.STATICFILES_DIRS.append("/added")
        try:
            _, captured = capture_settings("spawn", parent)
        finally:
            global_settings.STATICFILES_DIRS.remove("/added")
        worker = self.worker(name, captured)
        self.assertEqual(worker.STATICFILES_DIRS, ["/added"])

    def test_new_and_deleted_settings(self):
        name = self.module("GONE = 1\nKEPT = 2\n")
        parent = self.parent(name)
        parent.NEW = 3
        del parent.GONE
        worker = self.round_trip(name, parent)
        self.assertEqual((worker.NEW, worker.KEPT), (3, 2))
        self.assertFalse(hasattr(worker, "GONE"))

    def test_unpicklable_value_set_at_run_time_is_named(self):
        name = self.module("")
        parent = self.parent(name)
        parent.RUN_TIME_LOCK = threading.Lock()
        for start_method in ("spawn", "forkserver"):
            with self.subTest(start_method), self.assertRaises(RunnerError) as raised:
                capture_settings(start_method, parent)
            self.assertIn("setting RUN_TIME_LOCK cannot be", str(raised.exception))

    def test_nothing_is_captured_under_fork(self):
        name = self.module("")
        parent = self.parent(name)
        parent.RUN_TIME_LOCK = threading.Lock()
        self.assertEqual(capture_settings("fork", parent), (name, CapturedSettings()))

    def test_unpicklable_value_of_the_module_is_left_to_the_worker(self):
        name = self.module('HOOKS = {"show": lambda request: False}\n')
        module_name, captured = capture_settings("spawn", self.parent(name))
        self.assertIsNone(captured.values["HOOKS"])
        worker = self.worker(module_name, captured)
        self.assertIs(worker.HOOKS, sys.modules[name].HOOKS)

    def test_object_that_is_not_a_dict_as_migration_modules(self):
        name = self.module(
            "class DisableMigrations:\n"
            "    def __contains__(self, item):\n        return True\n"
            "    def __getitem__(self, item):\n        return None\n"
            "MIGRATION_MODULES = DisableMigrations()\n"
        )
        worker = self.round_trip(name, self.parent(name))
        self.assertIs(worker.MIGRATION_MODULES, sys.modules[name].MIGRATION_MODULES)
        parent = self.parent(name)
        parent.MIGRATION_MODULES = DisableMigrations()
        worker = self.round_trip(name, parent)
        self.assertIsInstance(worker.MIGRATION_MODULES, DisableMigrations)
        self.assertIsNone(worker.MIGRATION_MODULES["any_app"])

    def test_lazy_values_are_not_evaluated(self):
        # Evaluating a lazy URL would load the URLconf before the test
        # modules that register what it lists are imported; a lazy
        # translation cannot be evaluated before django.setup().
        name = self.module(
            "from django.utils.functional import lazy\n"
            "CALLS = []\n"
            "def url(name):\n    CALLS.append(name)\n    return name\n"
            "lazy_url = lazy(url, str)\n"
            "LOGIN_URL = lazy_url('login')\n"
            "URLS = [lazy_url('a'), lazy_url('b')]\n"
        )
        parent = self.parent(name)
        module = sys.modules[name]
        parent.LOGIN_URL = module.lazy_url("elsewhere")
        parent.URLS.append(module.lazy_url("c"))
        worker = self.round_trip(name, parent)
        # Lazy objects of one lazy function, as two settings can hold.
        self.assertFalse(_same([module.lazy_url("a")], [module.lazy_url("z")]))
        self.assertEqual((module.CALLS, sys.modules[name].CALLS), ([], []))
        self.assertEqual(str(worker.LOGIN_URL), "elsewhere")
        self.assertEqual([str(url) for url in worker.URLS], ["a", "b", "c"])

    def test_what_process_setup_changed_stays_unless_the_parent_changed_it(self):
        name = self.module('SCRATCH = "shared"\nOPTIONS = {"k": 1}\n')
        parent = self.parent(name)
        parent.OPTIONS["k"] = 2
        _, captured = capture_settings("spawn", parent)
        sys.modules.pop(name)
        worker = LazySettings()
        worker._wrapped = Settings(name)
        loaded = loaded_settings(name, worker)
        # What a process_setup hook might do in the worker.
        worker.SCRATCH = "per-worker"
        worker.OPTIONS["k"] = 3
        apply_settings(name, captured, worker, loaded=loaded)
        self.assertEqual(worker.SCRATCH, "per-worker")
        self.assertEqual(worker.OPTIONS, {"k": 2})

    def test_override_settings_layer_over_a_module(self):
        name = self.module('OPTIONS = {"k": 1}\n')
        parent = LazySettings()
        parent._wrapped = UserSettingsHolder(Settings(name))
        parent.OPTIONS = {"k": 2}
        self.assertEqual(self.round_trip(name, parent).OPTIONS, {"k": 2})

    def test_configure_project(self):
        parent = LazySettings()
        parent.configure(SECRET_KEY="x", CONFIGURED=[1])
        parent.CONFIGURED.append(2)
        parent.SET_AFTER = "set"
        parent.STATICFILES_DIRS.append("/added")
        try:
            module_name, captured = capture_settings("spawn", parent)
        finally:
            global_settings.STATICFILES_DIRS.remove("/added")
        self.assertIsNone(module_name)
        worker = self.worker(None, captured)
        self.assertEqual(worker.CONFIGURED, [1, 2])
        self.assertEqual(worker.SET_AFTER, "set")
        self.assertEqual(worker.STATICFILES_DIRS, ["/added"])
        self.assertTrue(worker._wrapped.is_overridden("CONFIGURED"))
        self.assertFalse(worker._wrapped.is_overridden("USE_TZ"))

    def test_configure_project_with_unpicklable_setting(self):
        parent = LazySettings()
        parent.configure(SECRET_KEY="x", RUN_TIME_LOCK=threading.Lock())
        with self.assertRaisesRegex(RunnerError, "setting RUN_TIME_LOCK cannot be"):
            capture_settings("spawn", parent)

    def test_test_modules_in_the_order_they_were_imported(self):
        body = "import unittest\nclass T(unittest.TestCase):\n    def test_it(self):\n        pass\n"
        first, second = self.module(body, preamble=""), self.module(body, preamble="")
        earlier = importlib.import_module(first)
        later = importlib.import_module(second)
        tests = [later.T("test_it"), earlier.T("test_it"), later.T("test_it")]
        self.assertEqual(modules_of_tests(tests), (first, second))


class RegistryProjectTests(EveryStartMethod, ParallelTestCase):
    """launch.py changes settings in place before the run, the project's
    runner changes one as it sets up the test environment, a test module
    registers a model in the admin when imported, and a directory label puts
    its test modules' directory on sys.path: every worker has all of it, as
    a serial run does. Under fork a setting that cannot be pickled is
    accepted (8 tests pass and 1 is skipped without it, 9 pass with it)."""

    project = "registry"

    def launch(self, *options, unpicklable=False):
        env = {"TMPDIR": str(self.tmp)}
        if unpicklable:
            env["DP_UNPICKLABLE_SETTING"] = "1"
        return self.run_command([sys.executable, "launch.py", *options], env=env)

    def check(self, start_method):
        fork = start_method == "fork"
        run = self.launch(
            "parallel=2", f"start_method={start_method}", unpicklable=fork
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=9 if fork else 8, skipped=0 if fork else 1)
        self.assertNothingLeft()

    def test_serial(self):
        run = self.launch(unpicklable=True)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=9)

    def test_unpicklable_setting_is_refused_under_spawn(self):
        run = self.launch("parallel=2", "start_method=spawn", unpicklable=True)
        self.assertOneLineError(run, "setting RUN_TIME_LOCK cannot be handed")
        self.assertNothingLeft()
