"""Cost-sharing rules (pure, no database): hand-computed shares to the yen, the HARP size correction,
largest-remainder ties, a property test, and refused weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgcloud.group.costs import rules
from lgcloud.group.costs.rules import HARP_EXPONENT, MemberInput, Weights
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.metering import METERS

CERTS = "certificates_issued"
WEIGHTS = Weights(equal=Decimal("0.2"), population=Decimal("0.5"), usage={CERTS: Decimal("0.3")})


def _members(populations: tuple[int, int, int]) -> list[MemberInput]:
    # Codes in ascending order: A < B < C (ties in the remainders go to the smaller code).
    return [
        MemberInput("113018", "A町", populations[0], {CERTS: 100}),
        MemberInput("113271", "B町", populations[1], {CERTS: 200}),
        MemberInput("113417", "C町", populations[2], {CERTS: 700}),
    ]


def test_three_members_shares_by_hand() -> None:
    # Total 1,000,000 yen. Weights: equal 0.2 (200,000), population 0.5 (500,000), usage 0.3 (300,000).
    # Populations 10,000 / 30,000 / 60,000 (total 100,000); certificates 100 / 200 / 700 (total 1,000).
    #
    #            equal (200,000 ÷ 3)   population (500,000 × p/100,000)   usage (300,000 × u/1,000)   exact
    #   A        66,666.666…           50,000                              30,000                      146,666.666…
    #   B        66,666.666…           150,000                             60,000                      276,666.666…
    #   C        66,666.666…           300,000                             210,000                     576,666.666…
    #
    # Floors 146,666 + 276,666 + 576,666 = 999,998: 2 yen left. Every remainder is 2/3, a three-way tie,
    # broken by code: A and B get one yen more. Shares: 146,667 / 276,667 / 576,666 = 1,000,000.
    result = rules.compute_shares(1_000_000, _members((10_000, 30_000, 60_000)), WEIGHTS)
    by = result.by_code()
    assert [line.share for line in result.lines] == [146_667, 276_667, 576_666]
    assert sum(line.share for line in result.lines) == 1_000_000
    assert [line.rounded_up for line in result.lines] == [True, True, False]

    a = {p.name: p for p in by["113018"].parts}
    assert a["equal"].exact_yen == Fraction(200_000, 3)
    assert a["population"].exact_yen == 50_000 and a["population"].ratio == Fraction(1, 10)
    assert a["usage:" + CERTS].exact_yen == 30_000 and a["usage:" + CERTS].basis == 100
    assert by["113417"].exact_yen == Fraction(1_730_000, 3)  # 576,666.666…
    assert result.notes == []


def test_three_members_shares_by_hand_with_the_harp_exponent() -> None:
    # HARP: twice the population pays 1.5 times. Populations 10,000 / 20,000 / 40,000 double each time,
    # so the weighted populations are w, 1.5w, 2.25w = 4 : 6 : 9 (of 19).
    #
    #            equal             population (500,000 × k/19)     usage        exact
    #   A        66,666.666…       105,263.157… (2,000,000/19)     30,000       201,929.824… (11,510,000/57)
    #   B        66,666.666…       157,894.736… (3,000,000/19)     60,000       284,561.403… (16,220,000/57)
    #   C        66,666.666…       236,842.105… (4,500,000/19)     210,000      513,508.771… (29,270,000/57)
    #
    # Floors 201,929 + 284,561 + 513,508 = 999,998: 2 yen left, to the largest remainders A (.82) and
    # C (.77); B (.40) stays. Shares: 201,930 / 284,561 / 513,509 = 1,000,000.
    harp = Weights(equal=Decimal("0.2"), population=Decimal("0.5"), usage={CERTS: Decimal("0.3")},
                   population_exponent=HARP_EXPONENT)
    result = rules.compute_shares(1_000_000, _members((10_000, 20_000, 40_000)), harp)
    assert [line.share for line in result.lines] == [201_930, 284_561, 513_509]
    assert sum(line.share for line in result.lines) == 1_000_000
    assert [line.rounded_up for line in result.lines] == [True, False, True]
    # The exponent is log2(1.5) to 10 places (2^e = 1.5 × (1 − 1.5e-11)), so the exact amounts differ from the
    # hand values by a few millionths of a yen: far from moving any remainder across a yen.
    for line, hand in zip(result.lines, [Fraction(11_510_000, 57), Fraction(16_220_000, 57),
                                         Fraction(29_270_000, 57)], strict=True):
        assert abs(line.exact_yen - hand) < Fraction(1, 10_000)


@pytest.mark.parametrize("population", [1, 3, 1_000, 12_345, 44_000, 1_250_000, 3_800_000])
def test_harp_twice_the_population_pays_one_and_a_half_times(population: int) -> None:
    ratio = rules.weighted_population(2 * population, HARP_EXPONENT) / rules.weighted_population(population,
                                                                                                  HARP_EXPONENT)
    assert abs(float(ratio) - 1.5) < 1e-9


def test_harp_population_only_two_members() -> None:
    # Population 10,000 and 20,000, population weight 1: weighted 1 : 1.5, so 400,000 and 600,000 of 1,000,000.
    w = Weights(equal=Decimal(0), population=Decimal(1), population_exponent=HARP_EXPONENT)
    result = rules.compute_shares(1_000_000, [MemberInput("113018", "A", 10_000), MemberInput("113271", "B", 20_000)], w)
    assert [line.share for line in result.lines] == [400_000, 600_000]


def test_exponent_one_is_the_plain_population() -> None:
    assert rules.weighted_population(44_000, Decimal(1)) == 44_000
    assert rules.weighted_population(0, HARP_EXPONENT) == 0


def test_largest_remainder_ties_go_to_the_smaller_key_whatever_the_order() -> None:
    exact = [Fraction(10, 3)] * 3  # 3.333… each: floors 9, 1 yen left, a three-way tie
    assert rules.largest_remainder(10, exact, ["b", "a", "c"]) == ([3, 4, 3], [False, True, False])
    assert rules.largest_remainder(10, exact, ["c", "b", "a"]) == ([3, 3, 4], [False, False, True])
    # Two yen left over four equal remainders: the two smallest keys.
    shares, up = rules.largest_remainder(6, [Fraction(6, 4)] * 4, ["d", "a", "c", "b"])
    assert shares == [1, 2, 1, 2] and sum(shares) == 6 and up == [False, True, False, True]


def test_largest_remainder_prefers_the_largest_remainder_over_the_key() -> None:
    # Remainders .2, .5, .3 → the one yen left goes to the .5, although its key sorts last.
    shares, up = rules.largest_remainder(7, [Fraction(12, 10), Fraction(35, 10), Fraction(23, 10)], ["a", "z", "b"])
    assert shares == [1, 4, 2] and up == [False, True, False]


def test_shares_do_not_depend_on_member_order() -> None:
    members = _members((10_000, 30_000, 60_000))
    forward = {line.code: line.share for line in rules.compute_shares(1_000_000, members, WEIGHTS).lines}
    backward = {line.code: line.share for line in rules.compute_shares(1_000_000, members[::-1], WEIGHTS).lines}
    assert forward == backward


def test_zero_usage_is_shared_equally_with_a_note() -> None:
    members = [MemberInput("113018", "A", 10, {}), MemberInput("113271", "B", 30, {})]
    w = Weights(equal=Decimal(0), population=Decimal("0.5"), usage={CERTS: Decimal("0.5")})
    result = rules.compute_shares(1000, members, w)
    assert [line.share for line in result.lines] == [125 + 250, 375 + 250]
    assert any("利用量の合計が0" in n for n in result.notes)


# --- property ------------------------------------------------------------------------------------


@st.composite
def weights(draw: st.DrawFn) -> Weights:
    # Three parts in millionths that sum to exactly 1.
    a = draw(st.integers(0, 1_000_000))
    b = draw(st.integers(0, 1_000_000 - a))
    c = 1_000_000 - a - b
    exponent = draw(st.sampled_from([Decimal(1), HARP_EXPONENT, Decimal("0.5"), Decimal(0), Decimal("0.9999")]))
    return Weights(equal=Decimal(a) / 1_000_000, population=Decimal(b) / 1_000_000, usage={CERTS: Decimal(c) / 1_000_000},
                   population_exponent=exponent)


members_strategy = st.lists(
    st.tuples(st.integers(0, 4_000_000), st.integers(0, 1_000_000)), min_size=1, max_size=8
).map(lambda rows: [MemberInput(f"{100000 + i}", f"M{i}", pop, {CERTS: use}) for i, (pop, use) in enumerate(rows)])


@settings(deadline=None, max_examples=200)
@given(total=st.integers(0, 10**12), members=members_strategy, w=weights())
def test_shares_are_whole_non_negative_yen_summing_to_the_total(total: int, members: list[MemberInput],
                                                                w: Weights) -> None:
    result = rules.compute_shares(total, members, w)
    shares = [line.share for line in result.lines]
    assert all(isinstance(s, int) and s >= 0 for s in shares)
    assert sum(shares) == total
    # Each share is its exact amount rounded down or up by less than one yen.
    for line in result.lines:
        assert line.exact_yen - 1 < line.share < line.exact_yen + 1


# --- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "message"),
    [
        (Weights(Decimal("0.3"), Decimal("0.3")), "合計が1になっていません"),
        (Weights(Decimal("0.5"), Decimal("0.6"), {CERTS: Decimal("-0.1")}), "0以上1以下"),
        (Weights(Decimal("-0.2"), Decimal("1.2")), "0以上1以下"),
        (Weights(Decimal("0.2"), Decimal("0.8"), population_exponent=Decimal("1.5")), "規模補正指数"),
    ],
)
def test_bad_weights_are_refused(w: Weights, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        w.validate(known_meters=set(METERS))
    with pytest.raises(ValidationFailed, match=message):
        rules.compute_shares(1000, [MemberInput("113018", "A", 1)], w)


def test_unknown_meter_is_refused() -> None:
    w = Weights(Decimal("0.2"), Decimal("0.5"), {"coffee_cups": Decimal("0.3")})
    with pytest.raises(ValidationFailed, match="メーター「coffee_cups」はありません"):
        w.validate(known_meters=set(METERS))


def test_negative_inputs_are_refused() -> None:
    members = [MemberInput("113018", "A", 1)]
    with pytest.raises(ValidationFailed, match="0以上"):
        rules.compute_shares(-1, members, WEIGHTS)
    with pytest.raises(ValidationFailed, match="人口は0以上"):
        rules.compute_shares(1000, [MemberInput("113018", "A", -5)], WEIGHTS)
    with pytest.raises(ValidationFailed, match="構成団体がありません"):
        rules.compute_shares(1000, [], WEIGHTS)
    with pytest.raises(ValidationFailed, match="調査額は0以上"):
        rules.special_allocation_estimate(-1, Decimal("0.5"), Decimal(1))


def test_special_allocation_estimate_truncates_to_the_yen() -> None:
    # 調査額 × 0.5 × 財政力補正: 1,234,567 × 0.5 × 0.9 = 555,555.15 → 555,555.
    assert rules.special_allocation_estimate(1_234_567, Decimal("0.5"), Decimal("0.9")) == 555_555


def test_reduction_ratio() -> None:
    # Baseline 100/year over 5 years = 500; 277 spent → 1 − 277/500 = 44.6%.
    assert rules.reduction_ratio(100, 277, 5) == Fraction(446, 1000)
    with pytest.raises(ValidationFailed):
        rules.reduction_ratio(0, 1, 5)
