"""Pure cost rules: shares of the group's shared costs, savings, 特別交付税 estimates.

No ORM and no I/O: inputs in, whole-yen results with their breakdown (内訳) out.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from lgcloud.platform.common.errors import ValidationFailed

# HARP rule: twice the population pays 1.5 times → population ** log2(1.5).
HARP_EXPONENT = Decimal("0.5849625007")
_PRECISION = decimal.Context(prec=50)


@dataclass(frozen=True)
class Weights:
    equal: Decimal
    population: Decimal
    usage: dict[str, Decimal] = field(default_factory=dict)
    population_exponent: Decimal = Decimal(1)

    def validate(self, known_meters: set[str] | None = None) -> None:
        parts = {"均等割": self.equal, "人口割": self.population, **{f"利用割（{k}）": v for k, v in self.usage.items()}}
        for label, w in parts.items():
            if w < 0 or w > 1:
                raise ValidationFailed(f"{label}の比率は0以上1以下で指定してください（{w}）。", field="weights")
        total = sum(parts.values(), Decimal(0))
        if total != 1:
            raise ValidationFailed(
                f"負担割合の比率の合計が1になっていません（合計 {total}）。均等割・人口割・利用割の合計を1にしてください。",
                field="weights",
            )
        if known_meters is not None:
            unknown = [k for k in self.usage if k not in known_meters]
            if unknown:
                raise ValidationFailed(
                    f"利用割に指定されたメーター「{'、'.join(unknown)}」はありません。", field="usage_weights"
                )
        if not (Decimal(0) <= self.population_exponent <= Decimal(1)):
            raise ValidationFailed("人口の規模補正指数は0以上1以下で指定してください。", field="population_exponent")


@dataclass(frozen=True)
class MemberInput:
    code: str
    name: str
    population: int
    usage: dict[str, int] = field(default_factory=dict)


@dataclass
class SharePart:
    name: str  # "equal", "population", "usage:<meter>"
    weight: Decimal
    basis: Fraction  # this member's basis (1, weighted population, usage)
    basis_total: Fraction
    exact_yen: Fraction

    @property
    def ratio(self) -> Fraction:
        return self.basis / self.basis_total if self.basis_total else Fraction(0)


@dataclass
class ShareLine:
    code: str
    name: str
    population: int
    parts: list[SharePart]
    exact_yen: Fraction
    share: int = 0
    rounded_up: bool = False


@dataclass
class ShareResult:
    total: int
    weights: Weights
    lines: list[ShareLine]
    notes: list[str] = field(default_factory=list)

    def by_code(self) -> dict[str, ShareLine]:
        return {line.code: line for line in self.lines}


def weighted_population(population: int, exponent: Decimal) -> Fraction:
    """population ** exponent, computed in 50-digit decimal arithmetic so every run gives the same yen."""
    if population < 0:
        raise ValidationFailed("人口は0以上で指定してください。", field="population")
    if exponent == 1:
        return Fraction(population)
    if population == 0:
        return Fraction(0)
    value = _PRECISION.exp(_PRECISION.multiply(exponent, _PRECISION.ln(Decimal(population))))
    return Fraction(value)


def largest_remainder(total: int, exact: list[Fraction], keys: list[str]) -> tuple[list[int], list[bool]]:
    """Whole yen that sum exactly to `total`: floor each, then one more yen to the largest remainders
    (ties broken by key, i.e. municipality code, so the result does not depend on input order)."""
    floors = [math.floor(x) for x in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), keys[i]))
    up = [False] * len(exact)
    for i in order[:left]:
        floors[i] += 1
        up[i] = True
    return floors, up


def compute_shares(total: int, members: list[MemberInput], weights: Weights) -> ShareResult:
    """Each member's whole-yen share of `total`: equal part + population part + usage parts."""
    if total < 0:
        raise ValidationFailed("按分する費用の合計は0以上で指定してください。", field="total")
    if not members:
        raise ValidationFailed("構成団体がありません。", field="members")
    weights.validate()
    notes: list[str] = []
    n = len(members)
    wpop = [weighted_population(m.population, weights.population_exponent) for m in members]
    wpop_total = sum(wpop, Fraction(0))
    bases: list[tuple[str, Decimal, list[Fraction], Fraction]] = [
        ("equal", weights.equal, [Fraction(1)] * n, Fraction(n))
    ]
    if weights.population:
        if wpop_total == 0:
            notes.append("人口の合計が0のため、人口割は均等に按分しました。")
            bases.append(("population", weights.population, [Fraction(1)] * n, Fraction(n)))
        else:
            bases.append(("population", weights.population, wpop, wpop_total))
    for meter, w in sorted(weights.usage.items()):
        if not w:
            continue
        usage = [Fraction(m.usage.get(meter, 0)) for m in members]
        usage_total = sum(usage, Fraction(0))
        if usage_total == 0:
            notes.append(f"メーター「{meter}」の利用量の合計が0のため、この利用割は均等に按分しました。")
            bases.append((f"usage:{meter}", w, [Fraction(1)] * n, Fraction(n)))
        else:
            bases.append((f"usage:{meter}", w, usage, usage_total))
    lines = []
    for i, m in enumerate(members):
        parts = [
            SharePart(name, w, basis[i], basis_total, total * Fraction(w) * basis[i] / basis_total)
            for name, w, basis, basis_total in bases
        ]
        lines.append(ShareLine(m.code, m.name, m.population, parts, sum((p.exact_yen for p in parts), Fraction(0))))
    shares, up = largest_remainder(total, [line.exact_yen for line in lines], [line.code for line in lines])
    for line, share, u in zip(lines, shares, up, strict=True):
        line.share = share
        line.rounded_up = u
    return ShareResult(total, weights, lines, notes)


def reduction_ratio(baseline_per_year: int, actual_total: int, years: int) -> Fraction:
    """1 − (what was spent over `years`) / (baseline annual cost × years)."""
    if baseline_per_year <= 0 or years <= 0:
        raise ValidationFailed("基準となる共同化前の年間費用と期間（年数）が必要です。", field="baseline")
    return 1 - Fraction(actual_total, baseline_per_year * years)


def special_allocation_estimate(surveyed: int, rate: Decimal, fiscal_capacity_factor: Decimal) -> int:
    """特別交付税措置の見込額 = 調査額 × 措置率（0.5）× 財政力補正, truncated to the yen."""
    if surveyed < 0:
        raise ValidationFailed("調査額は0以上で入力してください。", field="surveyed")
    return math.floor(Fraction(surveyed) * Fraction(rate) * Fraction(fiscal_capacity_factor))
