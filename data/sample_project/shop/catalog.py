"""Products and their prices in cents."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int
    taxable: bool = True


CATALOG = {
    "MUG-01": Product("MUG-01", "Course mug", 1200),
    "TEE-M": Product("TEE-M", "T-shirt, M", 2500),
    "BOOK-LLM": Product("BOOK-LLM", "LLM cost handbook", 3900, taxable=False),
    "STICKER": Product("STICKER", "Sticker pack", 400),
}


def find(sku: str) -> Product:
    try:
        return CATALOG[sku]
    except KeyError:
        raise KeyError(f"unknown sku {sku!r}") from None
