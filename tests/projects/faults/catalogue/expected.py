"""What a run of the catalogue must report, fault by fault.

Each fault is a test module (its label). ``counts`` are what the closing line
must add for that module; ``culprits`` are patterns of the report headings
("ERROR: ..." or "FAIL: ...") that must name it, each exactly once; no other
heading may appear. A class or module fixture that fails counts as one error
and its tests do not run, as in a serial run where the fixture raised (the
fixture classes hold one test each, so both readings give the same total); a
failing tearDownClass or tearDownModule is one error beside its passed test.
``output`` is text the run must show (output forwarded from the workers; for
a hang, the stack of the hung code, which names the test module's file).

KeyboardInterrupt raised by a test, not by Ctrl-C, is that test's error and
the run goes on: no result may vanish (issue #12, item 14).

This module imports nothing from Django: tests/test_faults.py reads it.
"""

from __future__ import annotations

TEST = r"{name} \(catalogue\.{module}\.{cls}"
FIXTURE = r".*\bcatalogue\.{module}\.{cls}\b"
MODULE = r".*\bcatalogue\.{module}\b"


def test(module: str, cls: str, name: str) -> str:
    return TEST.format(name=name, module=module, cls=cls)


FAULTS: dict[str, dict] = {
    "ordinary": dict(label="catalogue.test_ordinary", counts=dict(passed=11)),
    "exit": dict(
        label="catalogue.test_exit",
        counts=dict(passed=2, errors=2),
        culprits=[
            test("test_exit", "ExitFault", "test_2_exits"),
            test("test_exit", "ExitZeroFault", "test_exits_zero"),
        ],
    ),
    "sigkill": dict(
        label="catalogue.test_sigkill",
        counts=dict(passed=2, errors=1),
        culprits=[test("test_sigkill", "SigkillFault", "test_2_kills_itself")],
    ),
    "segfault": dict(
        label="catalogue.test_segfault",
        counts=dict(passed=2, errors=1),
        culprits=[test("test_segfault", "SegfaultFault", "test_2_segfaults")],
    ),
    "memory": dict(
        label="catalogue.test_memory",
        counts=dict(passed=2, errors=1),
        culprits=[test("test_memory", "MemoryFault", "test_2_runs_out_of_memory")],
    ),
    "hang_test": dict(
        label="catalogue.test_hang_test",
        output=['test_hang_test.py", line'],
        counts=dict(passed=2, errors=1),
        culprits=[test("test_hang_test", "HangInTest", "test_2_hangs")],
    ),
    "hang_setupclass": dict(
        label="catalogue.test_hang_setupclass",
        output=['test_hang_setupclass.py", line'],
        counts=dict(errors=1),
        culprits=[
            FIXTURE.format(module="test_hang_setupclass", cls="HangInSetUpClass")
        ],
    ),
    "hang_setuptestdata": dict(
        label="catalogue.test_hang_setuptestdata",
        output=['test_hang_setuptestdata.py", line'],
        counts=dict(errors=1),
        culprits=[
            FIXTURE.format(module="test_hang_setuptestdata", cls="HangInSetUpTestData")
        ],
    ),
    "hang_teardownclass": dict(
        label="catalogue.test_hang_teardownclass",
        output=['test_hang_teardownclass.py", line'],
        counts=dict(passed=1, errors=1),
        culprits=[
            FIXTURE.format(module="test_hang_teardownclass", cls="HangInTearDownClass")
        ],
    ),
    "hang_setupmodule": dict(
        label="catalogue.test_hang_setupmodule",
        output=['test_hang_setupmodule.py", line'],
        counts=dict(errors=1),
        culprits=[MODULE.format(module="test_hang_setupmodule")],
    ),
    "hang_teardownmodule": dict(
        label="catalogue.test_hang_teardownmodule",
        output=['test_hang_teardownmodule.py", line'],
        counts=dict(passed=1, errors=1),
        culprits=[MODULE.format(module="test_hang_teardownmodule")],
    ),
    "unpicklable": dict(
        label="catalogue.test_unpicklable",
        counts=dict(passed=1, errors=1),
        culprits=[
            test("test_unpicklable", "UnpicklableFault", "test_1_raises_unpicklable")
        ],
        output=["catalogue error holding a lock"],
    ),
    "broken_import": dict(
        label="catalogue.test_broken_import",
        counts=dict(errors=1),
        culprits=[r"test_broken_import \("],
        output=["No module named 'catalogue_no_such_module'"],
    ),
    "sys_exit": dict(
        label="catalogue.test_sys_exit",
        counts=dict(passed=2, errors=1),
        culprits=[test("test_sys_exit", "SysExitFault", "test_2_sys_exit")],
    ),
    "keyboard_interrupt": dict(
        label="catalogue.test_keyboard_interrupt",
        counts=dict(passed=2, errors=1),
        culprits=[
            test(
                "test_keyboard_interrupt",
                "KeyboardInterruptFault",
                "test_2_raises_keyboard_interrupt",
            )
        ],
    ),
    "output": dict(
        label="catalogue.test_output",
        counts=dict(passed=6),
        output=[
            "HUGE-PRINT-END",
            "HUGE-FD1-END",
            "HUGE-FD2-END",
            "FD1-MARK",
            "FD2-MARK",
            "PRINT-MARK \u00e9\u20ac",
            "BUFFER-MARK",
            "CHILD-OUT-MARK",
            "CHILD-ERR-MARK",
        ],
    ),
    # The run must end although the worker cannot exit normally, and a
    # warning must name the class that left the thread.
    "thread": dict(
        label="catalogue.test_thread",
        counts=dict(passed=1),
        output=["LeftThreadFault"],
    ),
    "kill_connection": dict(
        label="catalogue.test_kill_connection",
        counts=dict(passed=1, errors=1),
        culprits=[
            test(
                "test_kill_connection",
                "KillConnectionFault",
                "test_kills_its_connection",
            )
        ],
        # SQLite has no server session: the test skips itself.
        sqlite=dict(counts=dict(passed=1, skipped=1), culprits=[]),
    ),
}

# The whole catalogue, in one run. test_waiting is not part of it: its tests
# wait for a signal sent from outside.
CATALOGUE = list(FAULTS)

COUNT_KEYS = (
    "passed",
    "failed",
    "errors",
    "skipped",
    "expected_failures",
    "unexpected_successes",
)


def fault(name: str, backend: str) -> dict:
    """One fault's expectations on ``backend`` (sqlite, postgresql, mysql)."""
    spec = dict(FAULTS[name])
    spec.update(spec.pop("sqlite", {}) if backend == "sqlite" else {})
    spec.pop("sqlite", None)
    return spec


def expected(names: list[str], backend: str) -> dict:
    """Labels, closing-line counts, culprit patterns and output of a run of
    the faults ``names`` together."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    labels, culprits, output = [], [], []
    for name in names:
        spec = fault(name, backend)
        labels.append(spec["label"])
        for key, value in spec["counts"].items():
            counts[key] += value
        culprits += spec.get("culprits", [])
        output += spec.get("output", [])
    return dict(labels=labels, counts=counts, culprits=culprits, output=output)
