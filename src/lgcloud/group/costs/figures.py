"""Figures as the screens, exports and API show them: fractions as decimals and percentages.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction


def as_decimal(x: Fraction, places: int = 2) -> Decimal:
    """A fraction as a decimal rounded to `places` (for JSON and CSV)."""
    q = Decimal(1).scaleb(-places)
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(q)


def percent(ratio: Fraction | None, places: int = 1) -> Decimal | None:
    """A ratio as a percentage rounded half up (0.446 → 44.6)."""
    if ratio is None:
        return None
    value = Decimal(ratio.numerator) * 100 / Decimal(ratio.denominator)
    return value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
