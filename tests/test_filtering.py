"""Choosing tests by tag (--tag, --exclude-tag) and by name (-k), on the
layout project's library/tests/test_tagged.py:

    SlowShelfTests      @tag("slow")     test_count_shelves, test_label_shelves (+fast)
    QuickShelfTests                      test_dust_shelf (fast),
                                         test_sort_shelf (fast, flaky),
                                         test_empty_shelf
    RemoteCatalogTests  @tag("network")  test_fetch_record, test_sync_records (+flaky)

Filters pick tests, not databases, so these tests stay on SQLite.
"""

import re

from support import ProjectTestCase

RUN_LINE = re.compile(r"^RUN (\S+)$", re.MULTILINE)
MODULE = "library.tests.test_tagged"


def ran(run):
    return RUN_LINE.findall(run.stdout)


def tagged(*names):
    return {f"{MODULE}.{name}" for name in names}


class FilteringTestCase(ProjectTestCase):
    project = "layout"

    def assertRan(self, run, expected):
        """The run passed, and exactly ``expected`` ran, each once."""
        self.assertExit(run, 0)
        ids = ran(run)
        self.assertEqual(len(ids), len(set(ids)), run.describe())
        self.assertEqual(set(ids), expected, run.describe())
        self.assertCounts(run, passed=len(expected))
        self.assertIn(f"Found {len(expected)} test(s).", run.stdout, run.describe())
        self.assertNothingLeft()


class TagTests(FilteringTestCase):
    def test_class_tag_selects_every_method_of_the_class(self):
        run = self.run_tests(MODULE, "--tag", "slow")
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_count_shelves", "SlowShelfTests.test_label_shelves"
            ),
        )

    def test_method_tag_combines_with_class_tags(self):
        run = self.run_tests(MODULE, "--tag", "fast")
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_label_shelves",
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_sort_shelf",
            ),
        )

    def test_several_tags_select_tests_having_any_of_them(self):
        run = self.run_tests(MODULE, "--tag", "slow", "--tag", "flaky")
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_count_shelves",
                "SlowShelfTests.test_label_shelves",
                "QuickShelfTests.test_sort_shelf",
                "RemoteCatalogTests.test_sync_records",
            ),
        )

    def test_tag_applies_to_whole_discovery(self):
        # Without a label every untagged test elsewhere in the project is left out.
        run = self.run_tests("--tag", "network")
        self.assertRan(
            run,
            tagged(
                "RemoteCatalogTests.test_fetch_record",
                "RemoteCatalogTests.test_sync_records",
            ),
        )

    def test_exclude_tag_on_methods(self):
        run = self.run_tests(MODULE, "--exclude-tag", "flaky")
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_count_shelves",
                "SlowShelfTests.test_label_shelves",
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_empty_shelf",
                "RemoteCatalogTests.test_fetch_record",
            ),
        )

    def test_several_exclude_tags(self):
        run = self.run_tests(
            MODULE, "--exclude-tag", "slow", "--exclude-tag", "network"
        )
        self.assertRan(
            run,
            tagged(
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_sort_shelf",
                "QuickShelfTests.test_empty_shelf",
            ),
        )

    def test_exclude_tag_wins_over_tag(self):
        run = self.run_tests(
            MODULE, "--tag", "fast", "--tag", "network", "--exclude-tag", "flaky"
        )
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_label_shelves",
                "QuickShelfTests.test_dust_shelf",
                "RemoteCatalogTests.test_fetch_record",
            ),
        )

    def test_tag_matching_nothing_runs_nothing(self):
        run = self.run_tests(MODULE, "--tag", "nonexistent")
        self.assertRan(run, set())

    def test_module_that_failed_to_import_is_never_filtered_out(self):
        # Dropping it would hide the import error behind a green run.
        run = self.run_tests("library.tests.broken_module", MODULE, "--tag", "slow")
        self.assertExit(run, 1)
        self.assertCounts(run, passed=2, errors=1)
        self.assertIn("layout_missing_dependency", run.output, run.describe())
        self.assertNothingLeft()


class NamePatternTests(FilteringTestCase):
    def test_substring_of_method_names(self):
        run = self.run_tests(MODULE, "-k", "shel")
        self.assertRan(
            run,
            tagged(
                "SlowShelfTests.test_count_shelves",
                "SlowShelfTests.test_label_shelves",
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_sort_shelf",
                "QuickShelfTests.test_empty_shelf",
            ),
        )

    def test_substring_of_a_class_name_is_case_sensitive(self):
        run = self.run_tests(MODULE, "-k", "Quick")
        self.assertRan(
            run,
            tagged(
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_sort_shelf",
                "QuickShelfTests.test_empty_shelf",
            ),
        )

    def test_wildcard_pattern_matches_the_whole_test_id(self):
        run = self.run_tests(MODULE, "-k", "*Tests.test_s*")
        self.assertRan(
            run,
            tagged(
                "QuickShelfTests.test_sort_shelf",
                "RemoteCatalogTests.test_sync_records",
            ),
        )

    def test_wildcard_pattern_without_leading_star_must_match_from_the_start(self):
        # "test_s*" is not a substring match: no test id starts with it.
        run = self.run_tests(MODULE, "-k", "test_s*")
        self.assertRan(run, set())

    def test_several_patterns_select_tests_matching_any(self):
        run = self.run_tests(MODULE, "-k", "dust", "-k", "record")
        self.assertRan(
            run,
            tagged(
                "QuickShelfTests.test_dust_shelf",
                "RemoteCatalogTests.test_fetch_record",
                "RemoteCatalogTests.test_sync_records",
            ),
        )

    def test_pattern_applies_to_whole_discovery(self):
        run = self.run_tests("-k", "rare")
        self.assertRan(
            run,
            {
                "library.tests.nested.deeper.test_rare_books.RareBookTests."
                "test_rare_book_saved"
            },
        )

    def test_pattern_and_tag_together(self):
        run = self.run_tests(MODULE, "-k", "shel", "--exclude-tag", "slow")
        self.assertRan(
            run,
            tagged(
                "QuickShelfTests.test_dust_shelf",
                "QuickShelfTests.test_sort_shelf",
                "QuickShelfTests.test_empty_shelf",
            ),
        )
