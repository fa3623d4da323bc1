"""A shopping cart: lines of (sku, qty), priced from the catalog."""
from .catalog import find
from .inventory import Inventory
from .pricing import totals


class Cart:
    def __init__(self, inventory: Inventory, region: str = "US-CA"):
        self.inventory = inventory
        self.region = region
        self.lines: dict[str, int] = {}

    def add(self, sku: str, qty: int = 1) -> None:
        find(sku)  # unknown skus fail here, before stock is touched
        self.inventory.reserve(sku, qty)
        self.lines[sku] = self.lines.get(sku, 0) + qty

    def remove(self, sku: str) -> None:
        qty = self.lines.pop(sku, 0)
        if qty:
            self.inventory.release(sku, qty)

    def priced_lines(self):
        return [(find(sku), qty) for sku, qty in sorted(self.lines.items())]

    def summary(self) -> dict:
        return {"lines": [{"sku": p.sku, "qty": q, "line_cents": p.price_cents * q} for p, q in self.priced_lines()],
                **totals(self.priced_lines(), self.region)}
