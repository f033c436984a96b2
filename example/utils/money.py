"""Formatting and parsing of money amounts, kept free of Django imports."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def to_cents(amount):
    """Round ``amount`` to whole cents, halves away from zero like a till."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount, currency="EUR"):
    """Render ``amount`` as e.g. ``€1,234.50`` (``-€3.00`` when negative)."""
    try:
        symbol = SYMBOLS[currency]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}") from None
    value = to_cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def parse_money(text):
    """Inverse of :func:`format_money`; returns ``(Decimal, currency)``."""
    cleaned = text.strip()
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:]
    found = [(cur, sym) for cur, sym in SYMBOLS.items() if cleaned.startswith(sym)]
    if not found:
        raise ValueError(f"no known currency symbol in {text!r}")
    currency, symbol = found[0]
    digits = cleaned[len(symbol) :].replace(",", "")
    try:
        value = to_cents(digits)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    return (-value if negative else value), currency


def split_evenly(total, parts):
    """Split ``total`` into ``parts`` cent amounts that add up exactly.

    The leftover cents go to the first shares, so splitting €10 in three
    gives 3.34, 3.33, 3.33 rather than losing a cent to rounding.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    cents = int(to_cents(total) * 100)
    share, leftover = divmod(cents, parts)
    return [
        Decimal(share + (1 if index < leftover else 0)) / 100 for index in range(parts)
    ]
