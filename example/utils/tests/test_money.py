import unittest
from decimal import Decimal

from utils.money import format_money, parse_money, split_evenly, to_cents


class FormatMoneyTests(unittest.TestCase):
    def test_thousands_separator(self):
        self.assertEqual(format_money(Decimal("1234567.5")), "€1,234,567.50")

    def test_rounds_half_up(self):
        cases = {
            "0.005": "€0.01",
            "2.675": "€2.68",
            "0.004": "€0.00",
            "9.995": "€10.00",
        }
        for amount, expected in cases.items():
            with self.subTest(amount=amount):
                self.assertEqual(format_money(Decimal(amount)), expected)

    def test_negative(self):
        self.assertEqual(format_money(Decimal("-3")), "-€3.00")

    def test_currencies(self):
        for currency, symbol in [("EUR", "€"), ("USD", "$"), ("GBP", "£")]:
            with self.subTest(currency=currency):
                self.assertEqual(format_money(5, currency), f"{symbol}5.00")

    def test_unknown_currency(self):
        with self.assertRaisesRegex(ValueError, "unknown currency 'XYZ'"):
            format_money(1, "XYZ")

    def test_accepts_int_and_str(self):
        for amount in [7, "7", "7.00", Decimal("7")]:
            with self.subTest(amount=amount):
                self.assertEqual(format_money(amount), "€7.00")

    def test_to_cents(self):
        self.assertEqual(to_cents("1.235"), Decimal("1.24"))
        self.assertEqual(to_cents(-1.5), Decimal("-1.50"))


class ParseMoneyTests(unittest.TestCase):
    def test_round_trip(self):
        for amount in ["0", "0.01", "12.30", "999.99", "1000", "1234567.89", "-45.10"]:
            for currency in ["EUR", "USD", "GBP"]:
                with self.subTest(amount=amount, currency=currency):
                    text = format_money(Decimal(amount), currency)
                    self.assertEqual(parse_money(text), (Decimal(amount), currency))

    def test_surrounding_whitespace(self):
        self.assertEqual(parse_money("  $3.50 "), (Decimal("3.50"), "USD"))

    def test_missing_symbol(self):
        with self.assertRaisesRegex(ValueError, "no known currency symbol"):
            parse_money("3.50")

    def test_garbage_amount(self):
        with self.assertRaisesRegex(ValueError, "not an amount"):
            parse_money("€three")

    def test_rounds_to_cents(self):
        self.assertEqual(parse_money("£0.125")[0], Decimal("0.13"))


class SplitEvenlyTests(unittest.TestCase):
    def test_shares_add_up(self):
        for total in ["10", "0.01", "99.99", "1000.03"]:
            for parts in range(1, 8):
                with self.subTest(total=total, parts=parts):
                    shares = split_evenly(Decimal(total), parts)
                    self.assertEqual(len(shares), parts)
                    self.assertEqual(sum(shares), Decimal(total))

    def test_leftover_cents_go_first(self):
        self.assertEqual(
            split_evenly(Decimal("10"), 3),
            [Decimal(x) for x in ["3.34", "3.33", "3.33"]],
        )

    def test_shares_differ_by_at_most_a_cent(self):
        shares = split_evenly(Decimal("100.07"), 6)
        self.assertLessEqual(max(shares) - min(shares), Decimal("0.01"))

    def test_needs_a_part(self):
        with self.assertRaises(ValueError):
            split_evenly(Decimal("1"), 0)

    @unittest.expectedFailure
    def test_negative_total_mirrors_positive(self):
        # Known issue: refunds put the odd cent last instead of first.
        self.assertEqual(
            split_evenly(Decimal("-10"), 3),
            [Decimal(x) for x in ["-3.34", "-3.33", "-3.33"]],
        )
