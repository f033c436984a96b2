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

if os.environ.get("DP_BREAK_WORKERS"):
    import multiprocessing

    # Importable in the parent, broken in every worker process: the kind of
    # settings that work in one process and not in a fresh one.
    if multiprocessing.parent_process() is not None:
        raise ImportError("this settings module refuses to load in a worker")

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
