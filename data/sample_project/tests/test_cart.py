import unittest

from shop.cart import Cart
from shop.inventory import Inventory, OutOfStock


class CartTest(unittest.TestCase):
    def setUp(self):
        self.cart = Cart(Inventory({"MUG-01": 3, "BOOK-LLM": 1}), region="DE")

    def test_add_reserves_stock(self):
        self.cart.add("MUG-01", 2)
        self.assertEqual(self.cart.inventory.available("MUG-01"), 1)

    def test_out_of_stock(self):
        with self.assertRaises(OutOfStock):
            self.cart.add("MUG-01", 4)

    def test_remove_releases_stock(self):
        self.cart.add("MUG-01", 2)
        self.cart.remove("MUG-01")
        self.assertEqual(self.cart.inventory.available("MUG-01"), 3)

    def test_summary_taxes_only_taxable_lines(self):
        self.cart.add("MUG-01", 1)
        self.cart.add("BOOK-LLM", 1)
        s = self.cart.summary()
        self.assertEqual((s["subtotal"], s["tax"], s["total"]), (5100, 228, 5328))


if __name__ == "__main__":
    unittest.main()
