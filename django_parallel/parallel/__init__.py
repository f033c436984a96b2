"""Parallel execution: the suite the runner hands work to, its workers, and
the events they send back."""
