import unittest
from decimal import Decimal

from shop.catalog import find
from shop.money import fmt, percent_of, to_cents
from shop.pricing import tax_rate, totals


class PricingTest(unittest.TestCase):
    def test_money_helpers(self):
        self.assertEqual(to_cents("12.345"), 1235)
        self.assertEqual(fmt(-1205), "-$12.05")
        self.assertEqual(percent_of(1000, Decimal("7.25")), 73)

    def test_unknown_region(self):
        with self.assertRaises(ValueError):
            tax_rate("MARS")

    def test_totals(self):
        t = totals([(find("TEE-M"), 2)], "US-CA")
        self.assertEqual(t, {"subtotal": 5000, "tax": 363, "total": 5363})


if __name__ == "__main__":
    unittest.main()
