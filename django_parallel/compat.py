"""What differs between the Django versions the runner supports (3.2 to 6.1).

Every version check, and every probe of a Django object for a feature that
only some versions have, is here behind a name that says what it is for, so
the rest of the package reads the same on every version and dropping an old
version means deleting lines here.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import django

# TestCase.captureOnCommitCallbacks captures the callbacks that other
# callbacks register since Django 4.0, and runs each of them once since 4.0.2.
CAPTURES_NESTED_ON_COMMIT = django.VERSION >= (4, 0, 2)

# create_test_db() serialized the new database unless told not to before
# Django 6.0, which deprecated its serialize argument and stopped serializing
# there. The runner serializes what needs it itself, once every database
# exists.
CREATE_TEST_DB_KWARGS: dict = {} if django.VERSION >= (6, 0) else {"serialize": False}


def close_pool(connection) -> None:
    """Close the connection pool of ``connection``, if it has one (PostgreSQL
    with OPTIONS["pool"], since Django 5.1): the sessions a pool keeps open
    count as users of the database, as the connection's own does."""
    close = getattr(connection, "close_pool", None)
    if close is not None:
        close()


def signal_receivers(signal) -> Iterator:
    """The receivers connected to ``signal`` that are still alive.

    ``Signal.receivers`` holds one tuple per receiver whose second item is the
    receiver, or a weak reference to it (unless connected with weak=False),
    on every version; what follows it differs (nothing before Django 5.0,
    then is_async, then the sender's reference too).
    """
    for entry in signal.receivers:
        receiver = entry[1]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        if receiver is not None:
            yield receiver


def run_checks_without_databases() -> list:
    """Run the system checks, leaving out those that query a database.

    An empty list of databases, not None: since Django 6.1 None means every
    database.
    """
    from django.core.checks import run_checks

    return run_checks(databases=[])
