"""Money is kept in integer cents; rounding happens in one place."""
from decimal import ROUND_HALF_UP, Decimal


def to_cents(amount) -> int:
    """Round a Decimal, float or str amount in currency units to whole cents."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fmt(cents: int, symbol: str = "$") -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{symbol}{cents // 100}.{cents % 100:02d}"


def percent_of(cents: int, percent: Decimal) -> int:
    """`percent` per cent of an amount in cents, rounded half up."""
    value = Decimal(cents) * Decimal(percent) / Decimal(100)
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
