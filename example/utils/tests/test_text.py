import unittest

from utils.text import initials, normalize_whitespace, simple_slug, truncate_words


class NormalizeWhitespaceTests(unittest.TestCase):
    def test_collapses_runs(self):
        self.assertEqual(normalize_whitespace("a  b\t\tc\n\nd"), "a b c d")

    def test_strips_ends(self):
        self.assertEqual(normalize_whitespace("  padded \n"), "padded")

    def test_empty(self):
        self.assertEqual(normalize_whitespace(" \t\n"), "")

    def test_leaves_single_spaces(self):
        text = "already clean text"
        self.assertEqual(normalize_whitespace(text), text)

    @unittest.expectedFailure
    def test_non_breaking_space(self):
        # Known gap: only ASCII whitespace is collapsed, so text pasted from
        # word processors keeps its U+00A0 characters.
        self.assertEqual(normalize_whitespace("a\u00a0 b"), "a b")


class TruncateWordsTests(unittest.TestCase):
    def test_short_text_untouched(self):
        self.assertEqual(truncate_words("one two", 5), "one two")

    def test_cut_is_marked(self):
        self.assertEqual(truncate_words("one two three four", 2), "one two…")

    def test_exact_length(self):
        self.assertEqual(truncate_words("one two three", 3), "one two three")

    def test_custom_ellipsis(self):
        self.assertEqual(truncate_words("a b c", 1, ellipsis="..."), "a...")

    def test_whitespace_normalised_first(self):
        self.assertEqual(truncate_words("a\n\nb   c", 2), "a b…")


class SimpleSlugTests(unittest.TestCase):
    def test_examples(self):
        cases = {
            "Hello World": "hello-world",
            "  Crème brûlée! ": "creme-brulee",
            "Déjà vu -- again": "deja-vu-again",
            "2024: a year": "2024-a-year",
            "___": "",
        }
        for text, slug in cases.items():
            with self.subTest(text=text):
                self.assertEqual(simple_slug(text), slug)

    def test_idempotent(self):
        for text in ["Hello World", "Ünïcödé text", "already-a-slug"]:
            with self.subTest(text=text):
                once = simple_slug(text)
                self.assertEqual(simple_slug(once), once)

    def test_non_latin_scripts_vanish(self):
        self.assertEqual(simple_slug("東京 Tokyo"), "tokyo")


class InitialsTests(unittest.TestCase):
    def test_two_names(self):
        self.assertEqual(initials("Ada Lovelace"), "AL")

    def test_lower_case_and_spacing(self):
        self.assertEqual(initials("  grace   brewster hopper "), "GBH")

    def test_empty(self):
        self.assertEqual(initials(""), "")
