"""``--bisect`` and ``--pair``: finding the test whose side effects make
another fail, by running the target after chosen tests in fresh processes.

Pure search logic: ``attempt(before)`` runs the tests ``before`` then the
target in one fresh process and says whether the target failed; how it does
so is ``trials.py``'s job. ``say`` prints a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Attempt = Callable[[list[str]], bool]


def _describe(tests: Sequence[str]) -> str:
    if not tests:
        return "nothing"
    if len(tests) == 1:
        return tests[0]
    return f"{len(tests)} tests ({tests[0]} ... {tests[-1]})"


def _verdict(failed: bool) -> str:
    return "FAILS" if failed else "passes"


def fails_alone(target: str, attempt: Attempt, say: Callable[[str], None]) -> bool:
    failed = attempt([])
    say(f"  {target} alone: {_verdict(failed)}")
    if failed:
        say(
            f"{target} fails when it runs alone: no other test causes it; "
            "run it on its own to debug it"
        )
    return failed


def bisect(
    target: str,
    candidates: Sequence[str],
    attempt: Attempt,
    say: Callable[[str], None],
) -> str | None:
    """The one test among ``candidates`` (in the order they ran) after which
    ``target`` fails, or None (said why)."""
    remaining = [test for test in candidates if test != target]
    say(f"Bisecting {len(remaining)} test(s) that ran before {target}:")
    if fails_alone(target, attempt, say):
        return None
    failed = attempt(remaining)
    say(f"  after {_describe(remaining)}: {_verdict(failed)}")
    if not failed:
        say(
            f"{target} passes after all of them: the failure did not "
            "reproduce (it may depend on timing, the database or the world "
            "outside the tests)"
        )
        return None
    while len(remaining) > 1:
        half = len(remaining) // 2
        first, second = remaining[:half], remaining[half:]
        failed = attempt(first)
        say(f"  after {_describe(first)}: {_verdict(failed)}")
        if failed:
            remaining = first
            continue
        failed = attempt(second)
        say(f"  after {_describe(second)}: {_verdict(failed)}")
        if failed:
            remaining = second
            continue
        say(
            f"{target} fails only after tests of both halves together: more "
            f"than one test is involved among {_describe(remaining)}; try "
            "--pair to see each one's effect alone"
        )
        return None
    say(f"Culprit: {remaining[0]} (running it before {target} makes it fail)")
    return remaining[0]


def pair(
    target: str,
    candidates: Sequence[str],
    attempt_each: Callable[[list[list[str]]], list[bool]],
    say: Callable[[str], None],
) -> list[str]:
    """Every test among ``candidates`` after which ``target`` fails.
    ``attempt_each`` runs several attempts (perhaps at once), in order."""
    others = [test for test in dict.fromkeys(candidates) if test != target]
    say(f"Pairing {target} with each of {len(others)} other test(s):")
    results = attempt_each([[]] + [[other] for other in others])
    say(f"  {target} alone: {_verdict(results[0])}")
    if results[0]:
        say(
            f"{target} fails when it runs alone: no other test causes it; "
            "run it on its own to debug it"
        )
        return []
    culprits = []
    for other, failed in zip(others, results[1:], strict=True):
        say(f"  after {other}: {_verdict(failed)}")
        if failed:
            culprits.append(other)
    if culprits:
        for culprit in culprits:
            say(f"Culprit: {culprit} (running it before {target} makes it fail)")
    else:
        say(
            f"{target} passes after each test on its own: no single test "
            "causes it (try --bisect, which keeps the tests together)"
        )
    return culprits
