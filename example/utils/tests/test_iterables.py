import itertools
import sys
import unittest

from utils.iterables import chunked, first, group_by


class ChunkedTests(unittest.TestCase):
    def test_remainder_in_last_chunk(self):
        self.assertEqual(list(chunked(range(7), 3)), [[0, 1, 2], [3, 4, 5], [6]])

    def test_exact_multiple(self):
        self.assertEqual(
            list(chunked("abcdef", 2)), [["a", "b"], ["c", "d"], ["e", "f"]]
        )

    def test_empty(self):
        self.assertEqual(list(chunked([], 4)), [])

    def test_consumes_generators_lazily(self):
        pulled = []

        def numbers():
            for number in range(10):
                pulled.append(number)
                yield number

        chunks = chunked(numbers(), 4)
        self.assertEqual(next(chunks), [0, 1, 2, 3])
        self.assertEqual(pulled, [0, 1, 2, 3])

    def test_size_must_be_positive(self):
        for size in [0, -1]:
            with self.subTest(size=size), self.assertRaises(ValueError):
                list(chunked([1], size))

    @unittest.skipIf(
        sys.version_info < (3, 12), "itertools.batched is new in Python 3.12"
    )
    def test_agrees_with_batched(self):
        for size in range(1, 6):
            with self.subTest(size=size):
                expected = [list(batch) for batch in itertools.batched(range(23), size)]
                self.assertEqual(list(chunked(range(23), size)), expected)

    @unittest.skip("async iterables are not supported yet")
    def test_async_iterables(self):
        self.fail("chunked() should accept async iterables")


class GroupByTests(unittest.TestCase):
    def test_groups_keep_input_order(self):
        words = ["apple", "bob", "avocado", "banana", "cherry"]
        self.assertEqual(
            group_by(words, lambda w: w[0]),
            {"a": ["apple", "avocado"], "b": ["bob", "banana"], "c": ["cherry"]},
        )

    def test_empty(self):
        self.assertEqual(group_by([], len), {})

    def test_key_order_is_first_appearance(self):
        self.assertEqual(list(group_by([3, 1, 3, 2, 1], lambda n: n)), [3, 1, 2])


class FirstTests(unittest.TestCase):
    def test_first_item(self):
        self.assertEqual(first([5, 6]), 5)

    def test_default_when_empty(self):
        self.assertIsNone(first([]))
        self.assertEqual(first((), default="none"), "none")

    def test_works_on_generators(self):
        self.assertEqual(first(n * n for n in range(3, 10)), 9)
