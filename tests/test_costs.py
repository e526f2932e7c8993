"""Costs (費用の見える化): services on the demo costs, the screens, imports, exports, the API and
who may see what."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from lgcloud.group.costs import figures, importing, records, savings, sharing, whatif
from lgcloud.group.costs.models import CostRecord, SharedCost, SharingFormula
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.codes import check_digit
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Group, Municipality
from tests.conftest import api_client, logged_in

pytestmark = pytest.mark.django_db

INA, OGOSE = "113018", "113271"
LATER = "113263"  # 毛呂山町: not a member of the demo group


@pytest.fixture
def demo() -> Any:
    from lgcloud.group.costs.demo_data import costs
    from lgcloud.platform.demo.loader import load_foundation

    ctx = load_foundation()
    costs(ctx)
    return ctx


def _client(username: str) -> Client:
    return logged_in(Staff.objects.get(username=username))


@pytest.fixture
def secretariat(demo: Any) -> Client:
    return _client("secretariat")


@pytest.fixture
def admin(demo: Any) -> Client:
    return _client(f"{INA}-admin")


def _text(response: Any) -> str:
    return response.content.decode("utf-8")


def _csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(wb.worksheets[0].iter_rows(values_only=True))


# --- services on the demo costs ------------------------------------------------------------------


def test_demo_group_reduces_cost_by_44_6_percent_and_meets_the_goal(demo: Any) -> None:
    s = savings.savings(demo.group, 2014, 2018)
    assert s.reduction == Fraction(446, 1000)
    assert figures.percent(s.reduction) == Decimal("44.6")
    assert s.goal == Fraction(3, 10)
    assert s.goal_met
    assert s.years == 5 and len(s.members) == 18
    d = savings.savings_as_dict(s)
    assert d["reduction_percent"] == "44.6" and d["goal_met"] is True and d["illustrative"] is True


def test_savings_period_starting_before_any_member_joined(demo: Any) -> None:
    # FY2013 has a formula but nobody was a member on 1 April 2013: that year simply has no shares.
    s = savings.savings(demo.group, 2013, 2018)
    assert s.reduction is not None
    with pytest.raises(ValidationFailed, match="終了年度は開始年度以降"):
        savings.savings(demo.group, 2018, 2014)
    with pytest.raises(ValidationFailed, match="年度は西暦4桁"):
        savings.savings(demo.group, 0, 2018)


def test_cli_shares_json_sums_to_the_total(demo: Any) -> None:
    out = io.StringIO()
    call_command("costs", "shares", "--fiscal-year", "2026", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["fiscal_year"] == 2026 and data["total"] > 0
    assert len(data["members"]) == 18
    assert sum(m["share"] for m in data["members"]) == data["total"] == data["sum_of_shares"]
    assert data == json.loads(json.dumps(sharing.shares_as_dict(sharing.compute_shares(demo.group, 2026)),
                                         ensure_ascii=False))


def test_what_if_a_later_member_joins_every_share_decreases(demo: Any) -> None:
    c = whatif.what_if(demo.group, 2026, sharing.WhatIf(LATER, 33_000))
    existing = [r for r in c.rows if not r.hypothetical]
    assert len(existing) == 18
    assert all(r.changed is not None and r.current is not None and r.changed < r.current for r in existing)
    [new] = [r for r in c.rows if r.hypothetical]
    assert new.code == LATER and new.current is None and new.changed and new.changed > 0
    total = c.current.result.total
    assert sum(r.current or 0 for r in c.rows) == total
    assert sum(r.changed or 0 for r in c.rows) == total
    assert c.changed.result.total == total


def test_what_if_a_member_leaves_every_other_share_increases(demo: Any) -> None:
    c = whatif.what_if(demo.group, 2026, sharing.WhatIf(leave_code=OGOSE))
    leaving = [r for r in c.rows if r.changed is None]
    assert [r.code for r in leaving] == [OGOSE]
    others = [r for r in c.rows if r.code != OGOSE]
    assert all(r.changed is not None and r.current is not None and r.changed > r.current for r in others)
    assert sum(r.changed or 0 for r in c.rows) == c.current.result.total


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (sharing.WhatIf("113264", 30_000), "検査数字が正しくありません"),
        (sharing.WhatIf("11000" + str(check_digit("11000")), 30_000), "団体コード表にありません"),
        (sharing.WhatIf("12345", 30_000), "6桁の数字"),
        (sharing.WhatIf(LATER, None), "人口を入力してください"),
        (sharing.WhatIf(INA, 30_000), "既に構成団体です"),
        (sharing.WhatIf(leave_code=LATER), "構成団体ではありません"),
        (sharing.WhatIf(), "指定してください"),
    ],
)
def test_what_if_bad_input(demo: Any, change: sharing.WhatIf, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        whatif.what_if(demo.group, 2026, change)


def test_set_formula_refuses_bad_weights_and_writes_nothing(demo: Any) -> None:
    before = SharingFormula.objects.count()
    cases = [
        ({"equal": "0.3", "population": "0.3"}, "合計が1になっていません"),
        ({"equal": "0.2", "population": "0.5", "usage": {"coffee_cups": "0.3"}}, "メーター「coffee_cups」はありません"),
        ({"equal": "-0.2", "population": "1.2"}, "0以上1以下"),
        ({"equal": "NaN", "population": "0.5"}, "数値で入力してください"),
        ({"equal": "abc", "population": "0.5"}, "数値で入力してください"),
        # 7 decimal places would be rounded by the column and no longer sum to 1.
        ({"equal": "0.3333333", "population": "0.3333333", "usage": {"certificates_issued": "0.3333334"}},
         "小数点以下6桁"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationFailed, match=message):
            sharing.set_formula(demo.group, 2030, **kwargs)  # type: ignore[arg-type]
    assert SharingFormula.objects.count() == before


def test_import_refuses_odd_digits_and_huge_amounts(demo: Any) -> None:
    rows = [importing.COLUMNS,
            [INA, "²⁰²⁶", "共同化後", "運用費用", "研修", "1000", ""],
            [INA, "2026", "共同化後", "運用費用", "研修", "²", ""],
            [INA, "2026", "共同化後", "運用費用", "研修", "9" * 20, ""]]
    result = importing.import_costs(demo.group, rows)
    assert [(e.line, e.column) for e in result.errors] == [(2, "年度"), (3, "金額"), (4, "金額")]
    assert "大きすぎます" in result.errors[2].reason


# --- screens: dashboard, shares, what-if ---------------------------------------------------------


def test_dashboard_shows_charts_and_the_44_6_percent(secretariat: Client) -> None:
    r = secretariat.get("/costs/")
    assert r.status_code == 200
    html = _text(r)
    assert 'id="reduction-ratio">44.6%<' in html
    assert "目標（30%削減）を達成しています" in html
    assert "costs-headline--met" in html
    assert "例示データ" in html
    svgs = re.findall(r"<svg [^>]*>", html)
    assert len(svgs) == 4
    for tag in svgs:
        assert 'role="img"' in tag and "aria-label=" in tag
    assert html.count("<title id=\"chart-") == 4 and html.count("<desc id=\"chart-") == 4
    # A strict CSP applies: no inline styles anywhere on the page.
    assert not re.search(r"\sstyle=", html) and "<style" not in html
    # The figures behind the charts are in tables.
    assert 'id="table-members"' in html and 'id="table-per_resident"' in html and 'id="table-yearly"' in html
    assert "伊奈町" in html and "平成26年度" in html


def test_dashboard_period_form(secretariat: Client) -> None:
    r = secretariat.get("/costs/?start=2018&end=2014")
    assert r.status_code == 400
    assert "終了年度は開始年度以降" in _text(r)
    r = secretariat.get("/costs/?start=1999&end=2018")
    assert r.status_code == 400
    assert "開始年度は2000年度から" in _text(r)
    r = secretariat.get("/costs/?start=2019&end=2023")
    assert r.status_code == 200
    assert "平成31年度〜令和5年度" in _text(r)


def test_dashboard_without_costs_says_so(staff_of: dict[str, Staff], group: Group) -> None:
    from lgcloud.platform.accounts.roles import Role

    r = logged_in(staff_of[Role.GROUP_SECRETARIAT]).get("/costs/")
    assert r.status_code == 200
    assert "削減率を計算できません" in _text(r)
    assert "例示データ" not in _text(r)


def test_shares_page_checks_the_sum(secretariat: Client, demo: Any) -> None:
    r = secretariat.get("/costs/shares/?fy=2026")
    assert r.status_code == 200
    html = _text(r)
    total = records.shared_total(demo.group, 2026)
    assert f"共同費用の総額 {total:,}円 と一致しています" in html
    for label in ("均等割", "人口割", "利用割（証明書交付件数）"):
        assert label in html
    assert secretariat.get("/costs/shares/?fy=abc").status_code == 400


def test_shares_page_without_a_formula(staff_of: dict[str, Staff]) -> None:
    from lgcloud.platform.accounts.roles import Role

    r = logged_in(staff_of[Role.GROUP_SECRETARIAT]).get("/costs/shares/?fy=2026")
    assert r.status_code == 200
    assert "負担割合の算定式が登録されていません" in _text(r)


def test_what_if_page_side_by_side(secretariat: Client) -> None:
    first = secretariat.get("/costs/what-if/")
    assert first.status_code == 200 and "table-what_if" not in _text(first)
    r = secretariat.get(f"/costs/what-if/?fiscal_year=2026&join={LATER}&population=33000&leave=")
    assert r.status_code == 200
    html = _text(r)
    assert "毛呂山町" in html and "加入を想定" in html
    assert "現在の負担額（円）" in html and "変更後の負担額（円）" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("join=999999&population=100", "全国地方公共団体コード"),
        ("join=113264&population=100", "検査数字が正しくありません"),
        (f"join={LATER}&population=", "人口を入力してください"),
        (f"join={LATER}&population=-3", "人口は1以上"),
        (f"join={LATER}&population=abc", "人口は整数"),
        ("leave=113263", "構成団体ではありません"),
        ("join=&leave=", "指定してください"),
    ],
)
def test_what_if_page_bad_input_is_400_in_japanese(secretariat: Client, query: str, message: str) -> None:
    r = secretariat.get(f"/costs/what-if/?fiscal_year=2026&{query}")
    assert r.status_code == 400
    assert message in _text(r)


# --- formula ------------------------------------------------------------------------------------


def _formula_post(**extra: str) -> dict[str, str]:
    data = {"fiscal_year": "2030", "equal": "0.25", "population": "0.5", "population_exponent": "1",
            "population_source": "registered", "usage_certificates_issued": "0.25", "note": "見直し"}
    data.update(extra)
    return data


def test_formula_page_sets_a_formula(secretariat: Client, demo: Any) -> None:
    r = secretariat.get("/costs/formula/")
    assert r.status_code == 200 and "0.5849625007" in _text(r)
    r = secretariat.post("/costs/formula/", _formula_post())
    assert r.status_code == 302 and r["Location"].endswith("?saved=2030")
    f = SharingFormula.objects.get(group=demo.group, fiscal_year=2030)
    assert f.equal_weight == Decimal("0.25") and f.usage_weights == {"certificates_issued": "0.25"}
    assert "令和12年度からの算定式を登録しました" in _text(secretariat.get(r["Location"]))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"equal": "0.3"}, "合計が1になっていません"),
        ({"usage_coffee_cups": "0.1", "equal": "0.15"}, "メーター「coffee_cups」はありません"),
        ({"equal": "NaN"}, "数値で入力してください"),
        ({"equal": "0.2500001", "population": "0.4999999"}, "小数点以下6桁"),
        ({"population_exponent": "2"}, "規模補正指数は0以上1以下"),
        ({"equal": ""}, "均等割の比率"),
    ],
)
def test_formula_page_refuses_bad_weights(secretariat: Client, demo: Any, extra: dict[str, str],
                                          message: str) -> None:
    before = list(SharingFormula.objects.values_list("pk", "fiscal_year", "equal_weight"))
    r = secretariat.post("/costs/formula/", _formula_post(**extra))
    assert r.status_code == 400
    assert message in _text(r)
    assert list(SharingFormula.objects.values_list("pk", "fiscal_year", "equal_weight")) == before


# --- records and import --------------------------------------------------------------------------

GOOD = [
    ["団体コード", "年度", "区分", "費用種別", "費目", "金額", "備考"],
    [INA, "2027", "共同化後", "運用費用", "研修", "120000", "操作研修"],
    [OGOSE, "2027", "共同化前（基準）", "運用費用", "ハードウェア", "3,400,000", ""],
    ["共通", "2027", "", "運用費用", "ネットワーク", "1000000", "回線"],
]


def _csv_file(rows: list[list[str]], encoding: str = "utf-8", name: str = "costs.csv") -> SimpleUploadedFile:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return SimpleUploadedFile(name, buf.getvalue().encode(encoding), content_type="text/csv")


def _counts() -> tuple[int, int]:
    return CostRecord.objects.count(), SharedCost.objects.count()


def test_import_one_bad_row_writes_nothing_and_lists_errors(secretariat: Client) -> None:
    before = _counts()
    rows = [*GOOD, [OGOSE, "2027", "共同化後", "運用費用", "研修", "-5", ""]]
    r = secretariat.post("/costs/import/", {"file": _csv_file(rows)})
    assert r.status_code == 400
    html = _text(r)
    assert "何も登録していません" in html
    assert "金額にマイナスは入力できません" in html
    assert _counts() == before
    # The error list downloads as CSV: line, column, value, reason.
    errors = _csv(secretariat.get("/costs/import/?format=csv&table=errors"))
    assert errors == [["行", "項目", "値", "理由"], ["5", "金額", "-5", "金額にマイナスは入力できません。"]]
    # No commit is possible after a failed check.
    token = re.search(r'name="token" value="(\w+)"', html)
    assert token is None
    assert secretariat.post("/costs/import/", {"commit": "1", "token": "x"}).status_code == 400
    assert _counts() == before


def test_import_cp932_csv_dry_run_then_commit(secretariat: Client, demo: Any) -> None:
    before = _counts()
    r = secretariat.post("/costs/import/", {"file": _csv_file(GOOD, "cp932")})
    assert r.status_code == 200
    html = _text(r)
    assert "3行（構成団体の費用 2行、共同費用 1行）を検証しました" in html
    assert _counts() == before, "the check writes nothing"
    token = re.search(r'name="token" value="(\w+)"', html)
    assert token
    r = secretariat.post("/costs/import/", {"commit": "1", "token": token.group(1)})
    assert r.status_code == 302
    assert "3行を登録しました" in _text(secretariat.get(r["Location"]))
    assert _counts() == (before[0] + 2, before[1] + 1)
    rec = CostRecord.objects.get(municipality__code=OGOSE, fiscal_year=2027)
    assert rec.amount == 3_400_000 and rec.phase == "baseline" and rec.entered_by == "secretariat"
    assert SharedCost.objects.get(group=demo.group, fiscal_year=2027).amount == 1_000_000
    # The token is spent: a second commit is refused.
    assert secretariat.post("/costs/import/", {"commit": "1", "token": token.group(1)}).status_code == 400


def test_import_xlsx(secretariat: Client) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in GOOD:
        ws.append([int(c) if c.isdigit() and len(c) != 6 else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    r = secretariat.post("/costs/import/", {"file": SimpleUploadedFile("costs.xlsx", buf.getvalue())})
    assert r.status_code == 200, _text(r)
    assert "3行（構成団体の費用 2行、共同費用 1行）を検証しました" in _text(r)


def test_import_malformed_xlsx_is_a_japanese_error(secretariat: Client) -> None:
    before = _counts()
    r = secretariat.post("/costs/import/", {"file": SimpleUploadedFile("costs.xlsx", b"PK\x03\x04 not really")})
    assert r.status_code == 400
    assert "Excelファイルを読み込めません" in _text(r)
    r = secretariat.post("/costs/import/", {"file": SimpleUploadedFile("costs.txt", b"a,b")})
    assert r.status_code == 400 and ".csv か .xlsx" in _text(r)
    r = secretariat.post("/costs/import/", {})
    assert r.status_code == 400 and "ファイルを選んでください" in _text(r)
    assert _counts() == before


def test_records_page_lists_years_and_downloads_reimportable(secretariat: Client, demo: Any) -> None:
    r = secretariat.get("/costs/records/?fy=2012")
    assert r.status_code == 200
    html = _text(r)
    assert "平成24年度の構成団体の費用" in html
    rows = _xlsx(secretariat.get("/costs/records/?fy=2012&format=xlsx&table=records"))
    assert rows[0][:3] == ("団体コード", "団体名", "年度")
    assert len(rows) == 1 + 18 * 6  # 18 members × 6 baseline categories
    # The download is in the import format: it checks clean when imported back.
    table = _csv(secretariat.get("/costs/records/?fy=2012&format=csv&table=records"))
    assert importing.import_costs(demo.group, table, dry_run=True).ok
    years = _csv(secretariat.get("/costs/records/?format=csv&table=years"))
    assert years[0][0] == "年度" and years[1][1] == "2012"


# --- the municipal administrator's own costs -----------------------------------------------------


def test_admin_enters_own_cost_record(admin: Client) -> None:
    r = admin.post("/costs/mine/", {"fiscal_year": "2026", "phase": "actual", "kind": "running",
                                    "category": "training", "amount": "１,２３４,０００", "note": "職員研修"})
    assert r.status_code == 302
    rec = CostRecord.objects.get(municipality__code=INA, fiscal_year=2026, category="training")
    assert rec.amount == 1_234_000 and rec.entered_by == f"{INA}-admin" and not rec.illustrative
    # Entering it again updates the one record.
    admin.post("/costs/mine/", {"fiscal_year": "2026", "phase": "actual", "kind": "running",
                                "category": "training", "amount": "1000"})
    assert CostRecord.objects.get(municipality__code=INA, fiscal_year=2026, category="training").amount == 1000
    html = _text(admin.get("/costs/mine/?saved=1"))
    assert "費用を登録しました" in html
    assert OGOSE not in html and "越生町" not in html, "only the administrator's own municipality"
    rows = _csv(admin.get("/costs/mine/?format=csv&table=records"))
    assert {row[0] for row in rows[1:]} == {INA}


@pytest.mark.parametrize(("amount", "message"), [("-100", "マイナスは入力できません"),
                                                  ("abc", "0以上の整数"), ("12.5", "0以上の整数"),
                                                  ("", "金額を入力してください")])
def test_admin_bad_amount_is_400(admin: Client, amount: str, message: str) -> None:
    before = _counts()
    r = admin.post("/costs/mine/", {"fiscal_year": "2026", "phase": "actual", "kind": "running",
                                    "category": "training", "amount": amount})
    assert r.status_code == 400
    assert message in _text(r)
    assert _counts() == before


def test_admin_cannot_write_another_municipalitys_costs(admin: Client) -> None:
    # There is no municipality field: whatever is posted, the record is the administrator's own.
    admin.post("/costs/mine/", {"fiscal_year": "2026", "phase": "actual", "kind": "running",
                                "category": "network", "amount": "5", "municipality": OGOSE})
    assert not CostRecord.objects.filter(municipality__code=OGOSE, fiscal_year=2026, category="network").exists()
    assert CostRecord.objects.filter(municipality__code=INA, fiscal_year=2026, category="network").exists()


# --- fiscal support -----------------------------------------------------------------------------


def test_fiscal_support_for_the_administrator_uses_the_own_factor(admin: Client) -> None:
    ina = Municipality.objects.get(code=INA)
    with municipality_scope(ina, Actor(f"{INA}-admin", "municipal_admin", "web")):
        params.set_override(ina, "costs.fiscal_capacity_factor", 2026, "0.8", "財政力指数による")
    r = admin.get("/costs/fiscal-support/?fiscal_year=2026&plan=1000000&consultant=333333&migration=0&training=")
    assert r.status_code == 200
    html = _text(r)
    # 1,000,000 × 0.5 × 0.8 = 400,000; 333,333 × 0.5 × 0.8 = 133,333.2 → 133,333.
    assert "533,333円" in html
    assert "17,586" in html and "戸籍住民基本台帳費" in html  # トップランナー方式
    rows = _csv(admin.get("/costs/fiscal-support/?fiscal_year=2026&plan=1000000&consultant=333333"
                          "&format=csv&table=special_allocation"))
    assert rows[1] == ["共同化計画の策定", "1000000", "0.5", "0.8", "400000"]
    assert rows[-1] == ["合計", "1333333", "", "", "533333"]


def test_fiscal_support_secretariat_chooses_a_member(secretariat: Client) -> None:
    r = secretariat.get(f"/costs/fiscal-support/?municipality={OGOSE}&fiscal_year=2026&plan=1000000")
    assert r.status_code == 200
    assert "500,000円" in _text(r) and "越生町の特別交付税措置" in _text(r)
    r = secretariat.get(f"/costs/fiscal-support/?municipality={LATER}&fiscal_year=2026&plan=1")
    assert r.status_code == 400 and "構成団体を一覧から選んでください" in _text(r)
    r = secretariat.get(f"/costs/fiscal-support/?municipality={OGOSE}&fiscal_year=2026&plan=-1")
    assert r.status_code == 400 and "マイナスは入力できません" in _text(r)
    rows = _xlsx(secretariat.get("/costs/fiscal-support/?format=xlsx&table=top_runner"))
    assert rows[1][:4] == ("戸籍住民基本台帳費", 17586, 14705, 13265)


# --- permissions --------------------------------------------------------------------------------

SECRETARIAT_PAGES = ["/costs/", "/costs/shares/", "/costs/what-if/", "/costs/formula/", "/costs/records/",
                     "/costs/import/"]


@pytest.mark.parametrize("url", SECRETARIAT_PAGES)
def test_secretariat_pages_by_role(demo: Any, url: str) -> None:
    assert _client("secretariat").get(url).status_code == 200
    for username in (f"{INA}-admin", f"{INA}-clerk", f"{INA}-tax", "operator"):
        r = _client(username).get(url)
        assert r.status_code == 403, username
        assert "権限がありません" in _text(r)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_administrator_pages_by_role(demo: Any) -> None:
    assert _client(f"{INA}-admin").get("/costs/mine/").status_code == 200
    assert _client(f"{INA}-admin").get("/costs/fiscal-support/").status_code == 200
    assert _client("secretariat").get("/costs/fiscal-support/").status_code == 200
    assert _client("secretariat").get("/costs/mine/").status_code == 403
    for username in (f"{INA}-clerk", f"{INA}-welfare", "operator"):
        assert _client(username).get("/costs/mine/").status_code == 403
        assert _client(username).get("/costs/fiscal-support/").status_code == 403
    # Writes too: an administrator cannot set the group's formula or import the group's costs.
    admin = _client(f"{INA}-admin")
    assert admin.post("/costs/formula/", _formula_post()).status_code == 403
    assert admin.post("/costs/import/", {"file": _csv_file(GOOD)}).status_code == 403
    assert _client(f"{INA}-clerk").post("/costs/mine/", {"amount": "1"}).status_code == 403


def test_nav_entries(demo: Any) -> None:
    assert 'href="/costs/">費用・負担<' in _text(_client("secretariat").get("/"))
    assert 'href="/costs/mine/">費用<' in _text(_client(f"{INA}-admin").get("/"))
    clerk_home = _text(_client(f"{INA}-clerk").get("/"))
    assert "/costs/" not in clerk_home


# --- exports ------------------------------------------------------------------------------------


def test_dashboard_tables_download_as_csv_and_excel(secretariat: Client) -> None:
    rows = _csv(secretariat.get("/costs/?start=2014&end=2018&format=csv&table=members"))
    header, *body = rows
    assert header[:3] == ["団体コード", "団体名", "人口"]
    assert len([r for r in body if re.fullmatch(r"\d{6}", r[0] if r else "")]) == 18
    foot = next(r for r in body if r and r[1] == "グループ計")
    assert foot[-1] == "44.6"
    assert body[-1] == ["※例示データ（実際の費用ではありません）"]

    yearly = _xlsx(secretariat.get("/costs/?format=xlsx&table=yearly"))
    assert yearly[0][0] == "年度"
    assert yearly[1][:2] == ("平成26年度", 2014)
    assert isinstance(yearly[1][2], int)
    per_resident = _csv(secretariat.get("/costs/?format=csv&table=per_resident"))
    assert per_resident[0][-2:] == ["共同化前（円/人）", "共同化後（円/人）"]
    assert secretariat.get("/costs/?format=pdf").status_code == 400
    assert secretariat.get("/costs/?format=csv&table=nope").status_code == 404


def test_shares_download_sums_to_the_total(secretariat: Client, demo: Any) -> None:
    total = records.shared_total(demo.group, 2026)
    rows = _csv(secretariat.get("/costs/shares/?fy=2026&format=csv&table=shares"))
    header = rows[0]
    share_col = header.index("負担額（円）")
    members = [r for r in rows[1:] if r and re.fullmatch(r"\d{6}", r[0])]
    assert len(members) == 18
    assert sum(int(r[share_col]) for r in members) == total
    assert next(r for r in rows if r and r[1] == "合計")[share_col] == str(total)
    wb_rows = _xlsx(secretariat.get("/costs/shares/?fy=2026&format=xlsx&table=breakdown"))
    assert wb_rows[0][2] == "区分" and len([r for r in wb_rows[1:] if r[0]]) >= 18 * 3


def test_what_if_download(secretariat: Client) -> None:
    rows = _csv(secretariat.get(f"/costs/what-if/?fiscal_year=2026&join={LATER}&population=33000&leave="
                                "&format=csv&table=what_if"))
    assert rows[0][3:5] == ["現在の負担額（円）", "変更後の負担額（円）"]
    new = next(r for r in rows if r and r[0] == LATER)
    assert new[3] == "" and int(new[4]) > 0 and new[7] == "加入を想定"


# --- API ----------------------------------------------------------------------------------------


def test_api_shares_what_if_and_savings(demo: Any) -> None:
    c = api_client(Staff.objects.get(username="secretariat"))
    r = c.get("/api/v1/costs/shares?fiscal_year=2026")
    assert r.status_code == 200
    expected = json.loads(json.dumps(sharing.shares_as_dict(sharing.compute_shares(demo.group, 2026))))
    assert r.json() == expected
    assert sum(m["share"] for m in r.json()["members"]) == r.json()["total"]

    r = c.get(f"/api/v1/costs/what-if?fiscal_year=2026&join={LATER}&population=33000")
    assert r.status_code == 200
    data = r.json()
    existing = [m for m in data["members"] if not m["hypothetical"]]
    assert len(existing) == 18 and all(m["what_if"] < m["current"] for m in existing)
    assert sum(m["what_if"] for m in data["members"]) == data["total"]

    r = c.get("/api/v1/costs/savings?start=2014&end=2018")
    assert r.status_code == 200
    assert r.json()["reduction_percent"] == "44.6" and r.json()["goal_met"] is True


def test_api_errors_and_permissions(demo: Any) -> None:
    c = api_client(Staff.objects.get(username="secretariat"))
    r = c.get("/api/v1/costs/what-if?fiscal_year=2026&join=113264&population=1")
    assert r.status_code == 400 and "検査数字" in r.json()["detail"]
    assert c.get("/api/v1/costs/shares").status_code == 400  # fiscal_year is required
    assert c.get("/api/v1/costs/shares?fiscal_year=99999").status_code == 400
    assert c.get("/api/v1/costs/savings?start=2018&end=2014").status_code == 400
    for username in (f"{INA}-admin", f"{INA}-clerk", "operator"):
        other = api_client(Staff.objects.get(username=username))
        for url in ("/api/v1/costs/shares?fiscal_year=2026", "/api/v1/costs/savings",
                    f"/api/v1/costs/what-if?fiscal_year=2026&join={LATER}&population=1"):
            r = other.get(url)
            assert r.status_code == 403, (username, url)
            assert "権限がありません" in r.json()["detail"]
    assert Client().get("/api/v1/costs/savings").status_code == 401
