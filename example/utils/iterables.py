"""Iteration helpers for batching work over large querysets."""

from itertools import islice


def chunked(iterable, size):
    """Yield lists of at most ``size`` items from ``iterable``."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(iterable)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


def group_by(items, key):
    """Map ``key(item)`` to the list of items with that key, in input order."""
    groups = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def first(iterable, default=None):
    """The first item of ``iterable``, or ``default`` when it is empty."""
    return next(iter(iterable), default)
