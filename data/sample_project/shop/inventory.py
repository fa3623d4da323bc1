"""Stock levels. The real shop reads them from a database; this one keeps a dict."""


class OutOfStock(Exception):
    def __init__(self, sku: str, wanted: int, available: int):
        super().__init__(f"{sku}: wanted {wanted}, only {available} in stock")
        self.sku, self.wanted, self.available = sku, wanted, available


class Inventory:
    def __init__(self, stock=None):
        self._stock = dict(stock or {})

    def available(self, sku: str) -> int:
        return self._stock.get(sku, 0)

    def reserve(self, sku: str, qty: int) -> None:
        if qty <= 0:
            raise ValueError(f"qty must be positive, got {qty}")
        have = self.available(sku)
        if qty > have:
            raise OutOfStock(sku, qty, have)
        self._stock[sku] = have - qty

    def release(self, sku: str, qty: int) -> None:
        self._stock[sku] = self.available(sku) + qty
