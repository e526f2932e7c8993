"""全国地方公共団体コード (JIS X 0402): the check digit and the messages for wrong input."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.codes import DATA_DIR, check_digit, code_table, lookup, validate_municipality_code


def _all_codes() -> list[str]:
    with (DATA_DIR / "municipality_codes.csv").open(encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f)]


ALL_CODES = _all_codes()
MUNICIPAL_CODES = sorted(c for c, e in code_table().items() if e.city)


def test_code_table_is_the_national_table() -> None:
    # 47 prefectures and well over 1,700 市区町村 (plus 政令市の区).
    assert len(ALL_CODES) > 1700
    assert len(set(ALL_CODES)) == len(ALL_CODES)
    assert code_table()["113018"].full_name == "埼玉県伊奈町"
    assert code_table()["011002"].city == "札幌市"


def test_every_code_in_the_table_passes_the_check_digit() -> None:
    failing = []
    for code in ALL_CODES:
        try:
            assert validate_municipality_code(code) == code
        except ValidationFailed:
            failing.append(code)
    assert failing == []


@pytest.mark.parametrize(
    ("first_five", "digit"),
    [
        ("11301", 8),  # 埼玉県伊奈町
        ("01100", 2),  # 北海道札幌市
        ("13101", 6),  # 東京都千代田区
        ("01205", 0),  # 北海道室蘭市 (remainder 1 → 10 → 0)
        ("47382", 1),  # 沖縄県与那国町 (remainder 0 → 11 → 1)
    ],
)
def test_check_digit_known_values(first_five: str, digit: int) -> None:
    assert check_digit(first_five) == digit


@given(valid=st.sampled_from(ALL_CODES), digit=st.integers(0, 9))
def test_changing_the_check_digit_of_a_valid_code_makes_it_invalid(valid: str, digit: int) -> None:
    changed = valid[:5] + str(digit)
    if digit == int(valid[5]):
        assert validate_municipality_code(changed) == valid
    else:
        with pytest.raises(ValidationFailed, match="検査数字"):
            validate_municipality_code(changed)


@given(first_five=st.text(alphabet="0123456789", min_size=5, max_size=5), digit=st.integers(0, 9))
def test_exactly_one_check_digit_fits_any_five_digits(first_five: str, digit: int) -> None:
    code = first_five + str(digit)
    if digit == check_digit(first_five):
        assert validate_municipality_code(code) == code
    else:
        with pytest.raises(ValidationFailed) as exc:
            validate_municipality_code(code)
        assert code in exc.value.message
        assert f"末尾は {check_digit(first_five)} になるはず" in exc.value.message


def test_full_width_digits_and_spaces_are_accepted() -> None:
    assert validate_municipality_code("１１３０１８") == "113018"
    assert validate_municipality_code(" 113018 ") == "113018"
    assert lookup("１１３２７１").city == "越生町"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("11301", "6桁の数字"),
        ("1130188", "6桁の数字"),
        ("", "6桁の数字"),
        ("11301A", "6桁の数字"),
        ("ABCDEF", "6桁の数字"),
        ("113-18", "6桁の数字"),
        ("113019", "検査数字が正しくありません"),
        ("113017", "検査数字が正しくありません"),
    ],
)
def test_wrong_codes_raise_a_japanese_message_naming_the_code(code: str, expected: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_municipality_code(code)
    assert expected in exc.value.message
    assert f"「{code}」" in exc.value.message
    assert exc.value.field == "municipality_code"
    assert exc.value.status_code == 400


@pytest.mark.parametrize("code", ["11301²", "١١٣٠١٨", "𝟏𝟏𝟑𝟎𝟏𝟖"])
def test_other_unicode_digits_are_refused_not_crashing(code: str) -> None:
    # str.isdigit() is true for these; they must be refused with the message, not a ValueError (500).
    with pytest.raises(ValidationFailed, match="6桁の数字"):
        validate_municipality_code(code)


def test_lookup_refuses_a_prefecture_code_and_an_unknown_code() -> None:
    with pytest.raises(ValidationFailed, match="団体コード表にありません"):
        lookup("010006")  # 北海道 itself, not a 市区町村
    unknown = "99999" + str(check_digit("99999"))
    with pytest.raises(ValidationFailed, match=f"「{unknown}」の市区町村は団体コード表にありません"):
        lookup(unknown)
    assert len(MUNICIPAL_CODES) > 1700
