"""No 500 for any input: huge integers, huge terms, oversized bodies, control characters (issue: registry
hardening, bad input). The generated counterpart over every operation is tests/test_api_schemathesis.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lgcloud.platform.accounts.roles import Role
from tests.conftest import api_client, logged_in

HUGE = "9" * 30  # beyond 64 bits


@pytest.fixture
def clerk(staff_of: dict[str, Any]) -> Client:
    return api_client(staff_of[Role.COUNTER_CLERK])


def _japanese_error(r: Any, status: int = 400) -> None:
    assert r.status_code == status, r.content[:300]
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])


@pytest.mark.parametrize("path", [f"/api/v1/registry/persons/{HUGE}", f"/api/v1/registry/households/{HUGE}",
                                  f"/api/v1/registry/persons/{HUGE}/history"])
def test_integers_beyond_64_bits_in_paths(clerk: Client, path: str) -> None:
    r = clerk.get(path)  # 400 (PostgreSQL: out of range) or 404 (SQLite: no such number), in Japanese; never 500
    _japanese_error(r, r.status_code if r.status_code in (400, 404) else 400)


def test_integers_beyond_64_bits_in_queries(staff_of: dict[str, Any]) -> None:
    admin = api_client(staff_of[Role.MUNICIPAL_ADMIN])
    _japanese_error(admin.get(f"/api/v1/parameters?fiscal_year={HUGE}"))
    _japanese_error(admin.get("/api/v1/parameters?fiscal_year=-5"))


def test_integers_beyond_64_bits_in_bodies(clerk: Client) -> None:
    body = {"household_no": int(HUGE), "address": {"address": "埼玉県北足立郡伊奈町小室1"}, "effective_on": "2026-04-01",
            "notified_on": "2026-04-01", "versions": {HUGE: 1}}
    r = clerk.post("/api/v1/registry/events/move_within", data=body, content_type="application/json")
    # SQLite: 400 (out of range); PostgreSQL compares the number as numeric and finds no such household: 404.
    _japanese_error(r, r.status_code if r.status_code in (400, 404) else 400)


def test_a_50000_character_search_term(clerk: Client) -> None:
    r = clerk.post("/api/v1/registry/search", data={"name": "ア" * 50_000}, content_type="application/json")
    _japanese_error(r)


def test_a_body_over_the_size_limit(clerk: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = clerk.post("/api/v1/registry/search", data={"name": "ア" * 20_000}, content_type="application/json")
    _japanese_error(r, 413)


def test_web_routes_answer_huge_numbers_with_a_japanese_400(staff_of: dict[str, Any]) -> None:
    r = logged_in(staff_of[Role.COUNTER_CLERK]).get(f"/registry/persons/{HUGE}/")
    assert r.status_code in (400, 404)


@pytest.mark.parametrize("bad", ["山田\x00", "山田\u202e太郎", "山田\u200f", "山田\x07", "山田😀", "山田\u200d", "山田\ue000"])
def test_control_characters_are_refused_in_names_and_addresses(clerk: Client, bad: str) -> None:
    person = {"family_name": bad, "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
              "birth_date": "1980-01-01", "sex": "male", "relationship": "世帯主"}
    body = {"persons": [person], "address": {"address": "埼玉県北足立郡伊奈町小室1"}, "effective_on": "2026-04-01",
            "notified_on": "2026-04-01", "previous_address": "東京都"}
    _japanese_error(clerk.post("/api/v1/registry/events/move_in", data=body, content_type="application/json"))
    person["family_name"] = "山田"
    body["address"] = {"address": f"埼玉県北足立郡伊奈町{bad}"}
    _japanese_error(clerk.post("/api/v1/registry/events/move_in", data=body, content_type="application/json"))


def test_an_address_longer_than_its_item_is_refused_not_cut(clerk: Client) -> None:
    person = {"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
              "birth_date": "1980-01-01", "sex": "male", "relationship": "世帯主"}
    body = {"persons": [person], "address": {"address": "埼玉県" + "あ" * 300}, "effective_on": "2026-04-01",
            "notified_on": "2026-04-01", "previous_address": "東京都"}
    _japanese_error(clerk.post("/api/v1/registry/events/move_in", data=body, content_type="application/json"))
