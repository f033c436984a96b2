"""Settings of a project whose test module registers a model in the admin
when imported, and whose launching script changes settings in place
(launch.py). DP_DB_DIR and DP_DB_NAME place the SQLite database."""

import os

from registry_project.base import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(
            os.environ.get("DP_DB_DIR", "."),
            f"{os.environ.get('DP_DB_NAME', 'dp_registry')}.sqlite3",
        ),
    }
}
