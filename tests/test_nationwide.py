"""全国状況 (open data): figures computed from the shipped data, public pages, CSV and JSON downloads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from lgcloud.group.nationwide import data
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from tests.conftest import logged_in

SAITAMA = "埼玉県町村情報システム共同化推進協議会"
PAGES = ["/open-data/", "/open-data/groups/", "/open-data/prefectures/", "/open-data/cases/"]


@pytest.fixture
def fresh_data() -> Iterator[None]:
    """Caches cleared before and after, so a corrupted load never leaks into other tests."""
    data.clear_caches()
    yield
    data.clear_caches()


def _text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode("utf-8")


def _csv_rows(client: Client) -> list[list[str]]:
    body = client.get("/open-data/groups.csv").content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))


# --- data layer ---------------------------------------------------------------------------------


def test_totals_are_computed_from_the_rows_and_match_the_published_counts() -> None:
    totals, published = data.totals(), data.published_totals()
    assert (totals.groups, totals.members) == (56, 347) == (published.groups, published.members)
    assert totals.population == 9_947_042
    assert published.population == 9_607_302
    assert sum(g.population for g in data.groups()) == totals.population
    assert len({m.code for g in data.groups() for m in g.members}) == 347


def test_groups_carry_members_with_linked_codes() -> None:
    saitama = next(g for g in data.groups() if g.name == SAITAMA)
    assert (saitama.prefecture, saitama.start_fiscal_year, saitama.member_count) == ("埼玉県", 2012, 18)
    assert saitama.members[0] == data.Member("埼玉県", "伊奈町", "113018")
    assert saitama.population == 347_241
    unnamed = [g for g in data.groups() if not g.name]
    assert unnamed and all(g.display_name == "（名称なし）" for g in unnamed)
    spanning = {g.prefecture for g in data.groups() if g.spans_prefectures}
    assert spanning == {"奈良県・和歌山県", "福岡県・長崎県", "熊本県・宮崎県"}


def test_counts_per_prefecture_add_up_to_the_totals() -> None:
    rows = data.counts_by_prefecture()
    totals = data.totals()
    assert sum(r.groups for r in rows) == totals.groups
    assert sum(r.members for r in rows) == totals.members
    assert sum(r.population for r in rows) == totals.population
    assert rows[0].prefecture == "北海道"
    by_name = {r.prefecture: r for r in rows}
    assert (by_name["岐阜県"].groups, by_name["岐阜県"].members) == (2, 36)
    members = {r.prefecture: r for r in data.members_by_prefecture()}
    assert sum(r.members for r in members.values()) == 347
    assert members["長崎県"].members == 1  # the one 長崎県 member of 北部九州情報化推進協議会


def test_adoption_figures() -> None:
    adoption = data.adoption()
    assert [(p.cloudified, p.cloudified_or_planned) for p in adoption.points] == [(728, 931), (842, 999)]
    assert (adoption.target_fiscal_year, adoption.target_municipalities) == (2017, 1000)


def test_case_studies_are_linked_to_their_groups() -> None:
    cases = data.case_studies()
    assert [c.title for c in cases] == [SAITAMA, "愛知県岡崎市・豊橋市", "新潟県市町村情報システム共同利用連絡会議"]
    assert [c.group.member_count for c in cases] == [18, 2, 5]
    assert cases[1].group.name == ""  # the paper names this group after its two cities only
    assert cases[0].reductions[0].ratio == pytest.approx(0.446)


def test_a_member_count_that_disagrees_with_the_codes_raises(monkeypatch: pytest.MonkeyPatch, fresh_data: None) -> None:
    rows = data.read_group_rows()
    rows[13] = {**rows[13], "member_count": "17"}
    monkeypatch.setattr(data, "read_group_rows", lambda: rows)
    with pytest.raises(data.DataInconsistent, match=r"15行目（埼玉県町村.*member_count は 17 ですが、団体コードは 18 件"):
        data.groups()


def test_a_wrong_check_digit_raises(monkeypatch: pytest.MonkeyPatch, fresh_data: None) -> None:
    rows = data.read_group_rows()
    rows[0] = {**rows[0], "member_codes": rows[0]["member_codes"].replace("016918", "016917", 1)}
    monkeypatch.setattr(data, "read_group_rows", lambda: rows)
    with pytest.raises(data.DataInconsistent, match=r"016917.*検査数字"):
        data.check()


def test_a_code_of_another_municipality_raises(monkeypatch: pytest.MonkeyPatch, fresh_data: None) -> None:
    rows = data.read_group_rows()
    # 越生町 (113271) has a valid check digit but is not 北海道別海町.
    rows[0] = {**rows[0], "member_codes": rows[0]["member_codes"].replace("016918", "113271", 1)}
    monkeypatch.setattr(data, "read_group_rows", lambda: rows)
    with pytest.raises(data.DataInconsistent, match="113271"):
        data.groups()


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_public_and_japanese(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert '<html lang="ja">' in text and "自治体クラウド" in text
    assert "<caption" in text and 'scope="col"' in text
    assert "style=" not in text and "<style" not in text
    assert "<script>" not in text and "nationwide/nationwide.css" in text


@pytest.mark.django_db
def test_pages_work_for_logged_in_staff_too(make_staff: Callable[..., Staff]) -> None:
    client = logged_in(make_staff(Role.OPERATOR, username="operator"))
    for url in PAGES:
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_half_way_through_two_factor_still_reach_the_open_data(make_staff: Callable[..., Staff]) -> None:
    client = Client()
    client.force_login(make_staff(Role.OPERATOR, username="operator"), backend="lgcloud.platform.accounts.backends.StaffBackend")
    assert client.get("/open-data/").status_code == 200


@pytest.mark.django_db
def test_index_shows_the_figures_and_both_population_totals() -> None:
    text = _text(Client(), "/open-data/")
    for figure in ("728", "842", "931", "999", "1,000", "56", "347", "9,947,042", "9,607,302"):
        assert figure in text, figure
    assert "公表資料の中で数字が合っていません" in text
    assert "339,740人の差" in text
    for page in ("groups", "prefectures", "cases"):
        assert f'href="/open-data/{page}/"' in text
    assert 'href="/open-data/groups.csv"' in text and 'href="/open-data/groups.json"' in text


@pytest.mark.django_db
def test_group_catalogue_lists_every_group_and_member() -> None:
    text = _text(Client(), "/open-data/groups/")
    assert text.count('<tr id="group-') == 56
    for g in data.groups():
        assert g.display_name in text
        for m in g.members:
            assert m.code in text
    assert "（名称なし）" in text
    assert "伊奈町" in text and "9,607,302" in text and "公表資料の中で数字が合っていません" in text


@pytest.mark.django_db
def test_prefecture_page_shows_counts_and_the_note() -> None:
    text = _text(Client(), "/open-data/prefectures/")
    assert "奈良県・和歌山県" in text and "1,313,174人" in text  # 岐阜県
    assert "9,947,042人" in text and "9,607,302人" in text and "公表資料の中で数字が合っていません" in text


@pytest.mark.django_db
def test_cases_page_is_in_japanese() -> None:
    text = _text(Client(), "/open-data/cases/")
    assert SAITAMA in text and "44.6%" in text and "相互バックアップ" in text and "見込み" in text
    assert "negotiating" not in text and "expected" not in text


@pytest.mark.django_db
def test_post_is_refused() -> None:
    assert Client().post("/open-data/").status_code == 405


# --- downloads ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_has_bom_header_and_one_row_per_group() -> None:
    response = Client().get("/open-data/groups.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = _csv_rows(Client())
    assert rows[0] == ["都道府県", "グループ名", "開始年度", "構成団体コード", "構成団体数", "人口（2015年1月1日）"]
    body = rows[1:]
    assert len(body) == 56
    assert sum(int(r[4]) for r in body) == 347
    assert sum(int(r[5]) for r in body) == 9_947_042
    saitama = next(r for r in body if r[1] == SAITAMA)
    codes = saitama[3].split(";")
    assert len(codes) == 18 and codes[0] == "113018"
    assert saitama[0] == "埼玉県" and saitama[2] == "2012" and saitama[4] == "18"
    assert all(len(r[3].split(";")) == int(r[4]) for r in body)
    assert any(r[1] == "" for r in body) and not any("（名称なし）" in r[1] for r in body)


@pytest.mark.django_db
def test_json_download() -> None:
    response = Client().get("/open-data/groups.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "埼玉県".encode() in response.content  # ensure_ascii=False: no \u escapes
    rows = json.loads(response.content.decode("utf-8"))
    assert len(rows) == 56
    assert set(rows[0]) == {"prefecture", "name", "start_fiscal_year", "member_codes", "member_count", "population"}
    assert sum(r["member_count"] for r in rows) == 347
    assert sum(r["population"] for r in rows) == 9_947_042
    saitama = next(r for r in rows if r["name"] == SAITAMA)
    assert saitama["member_codes"][0] == "113018" and len(saitama["member_codes"]) == 18
    assert isinstance(saitama["start_fiscal_year"], int) and saitama["population"] == 347_241
    assert any(r["name"] == "" for r in rows)
