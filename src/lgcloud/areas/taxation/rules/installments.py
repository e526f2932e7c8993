"""Dividing an annual amount into instalments (期別): the remainder goes to the first one."""

from __future__ import annotations


def split(total: int, count: int, unit: int) -> list[int]:
    """`count` amounts summing to `total`: each later one is total ÷ count truncated to `unit`, the first the rest.

    RULES.md §1: remainders below 1,000 yen of each instalment go to the first (特別徴収: below 100 yen to
    June). With total < unit × count the later instalments may be 0 and the first carries everything.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    if total <= 0:
        return [0] * count
    later = (total // count) // unit * unit
    return [total - later * (count - 1)] + [later] * (count - 1)


def months(spec: str) -> list[int]:
    """"6-8-10-1" → [6, 8, 10, 1] (the 納期 months of a fiscal year, in order)."""
    return [int(m) for m in spec.replace(",", "-").split("-") if m.strip()]
