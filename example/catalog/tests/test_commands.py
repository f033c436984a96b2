from decimal import Decimal
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from utils.money import format_money

from .factories import make_categories, make_products


class CatalogReportCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.categories = make_categories(3, prefix="cmd")
        cls.products = make_products(cls.categories, 60, seed=21, sku_prefix="CMD")

    def run_report(self, **options):
        out = StringIO()
        call_command("catalog_report", stdout=out, **options)
        return out.getvalue().splitlines()

    def test_one_line_per_category_plus_total(self):
        lines = self.run_report(min_products=1)
        self.assertEqual(len(lines), len(self.categories) + 1)
        self.assertTrue(lines[-1].startswith("total stock value: €"))

    def test_category_line(self):
        category = self.categories[1]
        mine = [p for p in self.products if p.category_id == category.pk and p.active]
        value = sum((p.price * p.stock for p in mine), Decimal("0"))
        units = sum(p.stock for p in mine)
        lines = self.run_report(category=category.slug)
        expected = f"{category.slug}: {len(mine)} products, {units} units"
        self.assertEqual(lines[0], f"{expected}, {format_money(value)}")

    def test_unknown_category(self):
        with self.assertRaisesMessage(CommandError, "No category 'nope'."):
            self.run_report(category="nope")

    def test_prints_report(self):
        # Shown on purpose: the report is easier to eyeball than to assert on.
        lines = self.run_report(min_products=1)
        print("\n".join(["", "catalog_report output:"] + lines))
        self.assertTrue(all(":" in line for line in lines))
