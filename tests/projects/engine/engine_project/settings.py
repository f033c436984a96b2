"""Settings of the project whose tests exercise the parallel engine: tests
that crash, hang, raise what cannot be pickled, print, or stop the run.

DP_DB (sqlite, postgresql, mysql) and DP_DB_NAME choose the database, as in
the sample project; DP_DB_DIR is where SQLite files go.
"""

import os

SECRET_KEY = "engine-project-not-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["scenarios"]
TEST_RUNNER = "django_parallel.Runner"

_engine = os.environ.get("DP_DB", "sqlite")
_name = os.environ.get("DP_DB_NAME", "dp_engine")
if _engine == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _name,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "5432",
        }
    }
elif _engine == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": _name,
            "USER": "root",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": "3306",
        }
    }
elif _engine == "nocloning":
    DATABASES = {"default": {"ENGINE": "nocloning", "NAME": ":memory:"}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(os.environ.get("DP_DB_DIR", "."), f"{_name}.sqlite3"),
        }
    }
    if os.environ.get("DP_SQLITE_TEST_FILE"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["DP_SQLITE_TEST_FILE"]}

if os.environ.get("DP_TYPED_APP"):
    INSTALLED_APPS = [*INSTALLED_APPS, "typed"]

if os.environ.get("DP_TEST_NAME") and _engine in ("postgresql", "mysql"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DP_TEST_NAME"]}

if os.environ.get("DP_DISABLE_MIGRATIONS"):

    class DisableMigrations:
        """The widely copied recipe: every app is migrated as if it had no
        migrations (Django creates its tables from the models)."""

        def __contains__(self, item):
            return True

        def __getitem__(self, item):
            return None

    MIGRATION_MODULES = DisableMigrations()

if os.environ.get("DP_BREAK_WORKERS"):
    import multiprocessing

    # Importable in the parent, broken in every worker process: the kind of
    # settings that work in one process and not in a fresh one.
    if multiprocessing.parent_process() is not None:
        if os.environ["DP_BREAK_WORKERS"] == "oserror":
            raise OSError("this settings module cannot read its file in a worker")
        raise ImportError("this settings module refuses to load in a worker")

if os.environ.get("DP_CRASH_ON_CLOSE"):
    import multiprocessing

    # Every worker process exits with status 5 once it is done, however
    # cleanly it ends: a crash while closing, in each replacement too.
    if multiprocessing.parent_process() is not None:
        from multiprocessing.util import Finalize

        Finalize(None, os._exit, args=(5,), exitpriority=100)

if os.environ.get("DP_HANG_WORKER_BOOT"):
    import multiprocessing
    import threading

    # Every worker process hangs while it imports the settings.
    if multiprocessing.parent_process() is not None:
        threading.Event().wait()

if os.environ.get("DP_WORKER_MARKS"):
    import multiprocessing

    # A worker process leaves a mark once it has got as far as its settings
    # (scenarios/test_discovery_waits.py waits for one), DP_SLOW_WORKER_BOOT
    # seconds later.
    if multiprocessing.parent_process() is not None:
        import time

        time.sleep(float(os.environ.get("DP_SLOW_WORKER_BOOT", "0")))
        mark = os.path.join(os.environ["DP_WORKER_MARKS"], str(os.getpid()))
        open(mark, "w").close()

if os.environ.get("DP_ROUTER"):
    DATABASE_ROUTERS = ["scenarios.routers.Router"]

if os.environ.get("DP_HOLD"):
    # Holds the run where a test sends a signal (scenarios/holds.py).
    from scenarios.holds import install

    install()

if os.environ.get("DP_BOOT_TIMEOUT"):
    DJANGO_PARALLEL = {"boot_timeout": float(os.environ["DP_BOOT_TIMEOUT"])}

if os.environ.get("DP_RUNNER_APP"):
    # The runner's management commands (test_db_cache, clear_test_db_cache).
    INSTALLED_APPS = ["django_parallel", *INSTALLED_APPS]
