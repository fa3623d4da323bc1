"""Tax rates by region and the totals of a cart."""
from decimal import Decimal

from .money import percent_of

TAX_RATES = {"CN": Decimal("13"), "DE": Decimal("19"), "US-CA": Decimal("7.25"), "US-OR": Decimal("0")}


def tax_rate(region: str) -> Decimal:
    try:
        return TAX_RATES[region]
    except KeyError:
        raise ValueError(f"unknown region {region!r}; known: {', '.join(sorted(TAX_RATES))}") from None


def totals(lines, region: str) -> dict:
    """Subtotal, tax and total in cents for (product, qty) lines."""
    subtotal = sum(p.price_cents * qty for p, qty in lines)
    taxable = sum(p.price_cents * qty for p, qty in lines if p.taxable)
    tax = percent_of(taxable, tax_rate(region))
    return {"subtotal": subtotal, "tax": tax, "total": subtotal + tax}
