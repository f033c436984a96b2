"""Reproducing a parallel run's failures: the run record, ``--replay-worker``,
``--bisect`` and ``--pair``."""
