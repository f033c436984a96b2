"""The schedule on its own, against simulated workers and a simulated clock:
which class each worker gets and when, for suites whose shape makes the
rules visible. (The runs in test_parallel show the same rules from outside.)
"""

import random
import unittest

from django_parallel.parallel.scheduling import Planned, Schedule
from django_parallel.parallel.scheduling import simulate as run_simulation
from django_parallel.parallel.worker import Task


def simulate(classes, workers, actual=None):
    """Run ``classes`` ((bin, estimate) pairs) on ``workers`` simulated
    workers; each takes ``actual[i]`` seconds (its estimate by default).
    Returns the wall time and, per task id, (slot, start time)."""
    planned = [
        Planned(Task(index, b""), bin_, estimate)
        for index, (bin_, estimate) in enumerate(classes)
    ]
    schedule = Schedule(planned, range(1, workers + 1))
    return run_simulation(schedule, actual or [estimate for _, estimate in classes])


class LaterBinTests(unittest.TestCase):
    """Bin 0 holds TestCases, bin 1 TransactionTestCases."""

    def test_a_class_that_would_end_the_run_starts_at_once(self):
        # 4 s of TestCases and one 4 s TransactionTestCase: 4 s on each
        # worker, only if the long class starts first.
        classes = [(0, 1.0)] * 4 + [(1, 4.0)]
        end, starts = simulate(classes, workers=2)
        self.assertEqual(starts[4][1], 0.0)
        self.assertAlmostEqual(end, 4.0)

    def test_a_long_class_waits_while_short_ones_can_fill_in(self):
        # The long class need not start before second 2, and waiting keeps
        # the short TransactionTestCases open to both workers.
        classes = [(0, 1.0)] * 4 + [(1, 2.0)] + [(1, 0.5)] * 4
        end, starts = simulate(classes, workers=2)
        self.assertEqual(starts[4][1], 2.0)
        self.assertAlmostEqual(end, 4.0)

    def test_waiting_absorbs_a_slow_test_case(self):
        # The TestCases take 30% longer than recorded: the worker that took
        # the long class is not left idle while the other catches up.
        classes = [(0, 1.0)] * 4 + [(1, 2.0)] + [(1, 0.5)] * 4
        actual = [1.3] * 4 + [2.0] + [0.5] * 4
        end, _ = simulate(classes, workers=2, actual=actual)
        self.assertLessEqual(end, (4 * 1.3 + 4.0) / 2 + 0.5)

    def test_no_worker_goes_back_to_an_earlier_bin(self):
        rng = random.Random(3)
        for _ in range(50):
            classes = [
                (rng.choice([0, 0, 0, 1, 2]), rng.lognormvariate(0.0, 1.0))
                for _ in range(rng.randint(5, 40))
            ]
            workers = rng.randint(2, 6)
            _, starts = simulate(classes, workers)
            self.assertEqual(len(starts), len(classes))
            for slot in range(1, workers + 1):
                mine = sorted(
                    (start, classes[task][0])
                    for task, (owner, start) in starts.items()
                    if owner == slot
                )
                bins = [bin_ for _, bin_ in mine]
                self.assertEqual(bins, sorted(bins))

    def test_every_earlier_bin_keeps_a_worker(self):
        # Two workers; long classes in bins 1 and 2 must not take both
        # workers away from the TestCases.
        classes = [(0, 0.5)] * 8 + [(1, 3.0), (2, 3.0)]
        end, starts = simulate(classes, workers=2)
        self.assertEqual(len(starts), 10)
        self.assertLessEqual(end, 5.5)


class OpenerTests(unittest.TestCase):
    """Each worker's first task is the quickest class of the first bin, when
    that class is under 1% of a worker's share of the run."""

    def test_each_worker_opens_with_a_quick_class(self):
        # 100 s in all, 50 s a worker: classes up to 0.5 s may open.
        classes = [(0, 30.0), (0, 30.0), (0, 39.8), (0, 0.1), (0, 0.1)]
        _, starts = simulate(classes, workers=2)
        self.assertEqual(starts[3][1], 0.0)
        self.assertEqual(starts[4][1], 0.0)
        self.assertEqual({starts[3][0], starts[4][0]}, {1, 2})

    def test_a_class_over_the_limit_does_not_open(self):
        classes = [(0, 30.0), (0, 30.0), (0, 38.8), (0, 0.6), (0, 0.6)]
        _, starts = simulate(classes, workers=2)
        self.assertGreater(starts[3][1], 0.0)
        self.assertGreater(starts[4][1], 0.0)
        self.assertEqual(starts[2][1], 0.0)

    def test_the_opener_comes_from_the_first_bin(self):
        # The quickest class is a TransactionTestCase: opening with it would
        # keep the worker from every TestCase.
        classes = [(0, 30.0), (0, 30.0), (0, 39.0), (1, 0.1), (0, 0.4)]
        _, starts = simulate(classes, workers=2)
        self.assertEqual(starts[4][1], 0.0)
        self.assertGreater(starts[3][1], 0.0)

    def test_a_task_put_back_runs_before_an_opener(self):
        planned = [
            Planned(Task(index, b""), 0, estimate)
            for index, estimate in enumerate([50.0, 49.9, 0.1])
        ]
        schedule = Schedule(planned, [1, 2])
        first = schedule.next_for(1, now=0.0)
        self.assertEqual(first.id, 2)  # the opener
        # Worker 1 dies in it; what is left runs next, on worker 2.
        schedule.put_back(1, Task(3, b""), like=first.id)
        self.assertEqual(schedule.next_for(2, now=0.0).id, 3)


class NoisyDurationsTests(unittest.TestCase):
    """Classes take their recorded time give or take, as on a busy machine:
    the schedule still ends close to the lower bound."""

    def test_two_workers_with_a_slow_tail(self):
        rng = random.Random(11)
        body = [
            (rng.choice([0] * 8 + [1]), rng.lognormvariate(-1.0, 1.0))
            for _ in range(57)
        ]
        tail = [(0, 5.0), (1, 5.0), (0, 5.0)]
        classes = body + tail
        efficiencies = []
        for _ in range(100):
            actual = [
                estimate * rng.lognormvariate(0.0, 0.15) for _, estimate in classes
            ]
            end, _ = simulate(classes, workers=2, actual=actual)
            bound = max(sum(actual) / 2, max(actual))
            efficiencies.append(bound / end)
        self.assertGreater(sum(efficiencies) / len(efficiencies), 0.95)
