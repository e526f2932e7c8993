"""The lawful purposes for which a clerk may display a 個人番号 (番号法 第9条).

A 個人番号 may be used only for the 事務 the law lists (番号法 第9条第1項 and its 別表: the statutory uses)
and for the 事務 a municipality's own ordinance adds (第9条第2項: 独自利用事務). The display asks for one
purpose from this catalogue; free text such as "x" is refused. Which ordinance uses a member has is a
parameter (`registry.individual_number.ordinance_use.<code>`, off by default), so the difference between
members shows in the deviation report and no code branches on the member.

The statutory list below names the 事務 of a municipality's core systems; the 別表's item numbers are not
repeated here (they were renumbered in 2023): the audit record names the 事務.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of


@dataclass(frozen=True)
class Use:
    code: str
    label: str
    basis: str  # 根拠
    ordinance: bool = False  # 独自利用事務 (needs the member's ordinance: a parameter)


STATUTORY = "番号法第9条第1項・別表"
ORDINANCE = "番号法第9条第2項・条例"

USES: tuple[Use, ...] = (
    Use("resident_register", "住民基本台帳事務（個人番号の記載・確認）", "番号法第7条・住民基本台帳法"),
    Use("local_tax", "地方税の賦課徴収", STATUTORY),
    Use("national_health_insurance", "国民健康保険の資格・保険税", STATUTORY),
    Use("national_pension", "国民年金の資格・保険料免除", STATUTORY),
    Use("child_allowance", "児童手当の認定", STATUTORY),
    Use("long_term_care", "介護保険の資格・保険料・給付", STATUTORY),
    Use("late_elderly_medical", "後期高齢者医療", STATUTORY),
    Use("public_assistance", "生活保護の決定・実施", STATUTORY),
    Use("disability_welfare", "障害者福祉（自立支援給付等）", STATUTORY),
    Use("child_medical_subsidy", "子ども医療費助成", ORDINANCE, ordinance=True),
    Use("single_parent_medical_subsidy", "ひとり親家庭等医療費助成", ORDINANCE, ordinance=True),
    Use("disability_medical_subsidy", "重度心身障害者医療費助成", ORDINANCE, ordinance=True),
    Use("school_attendance_aid", "就学援助", ORDINANCE, ordinance=True),
)
BY_CODE = {u.code: u for u in USES}


def parameter_name(use: Use) -> str:
    return f"registry.individual_number.ordinance_use.{use.code}"


def _enabled(use: Use, on: dt.date) -> bool:
    if not use.ordinance:
        return True
    from lgcloud.platform.params import services as params

    return bool(params.value(parameter_name(use), fiscal_year_of(on)))


def available(on: dt.date | None = None) -> list[Use]:
    """The purposes this municipality may choose today (statutory ones and its ordinance's)."""
    from lgcloud.platform.params import services as params

    on = on or dt.date.today()
    ordinance = [u for u in USES if u.ordinance]
    enabled = params.values([parameter_name(u) for u in ordinance], fiscal_year_of(on))
    return [u for u in USES if not u.ordinance or enabled.get(parameter_name(u), False)]


def resolve(purpose: str, on: dt.date | None = None) -> Use:
    """The catalogue entry for a purpose given by code or by its exact label; anything else is refused."""
    text = (purpose or "").strip()
    use = BY_CODE.get(text) or next((u for u in USES if u.label == text), None)
    if use is None:
        choices = "、".join(u.code for u in available(on))
        if not text:
            raise ValidationFailed("個人番号を表示するには利用目的を入力してください（番号法で認められた事務から選びます）。",
                                   field="purpose")
        raise ValidationFailed(f"利用目的「{text[:40]}」は個人番号を利用できる事務ではありません。次から選んでください: "
                               f"{choices}", field="purpose")
    if not _enabled(use, on or dt.date.today()):
        raise ValidationFailed(f"「{use.label}」は条例で個人番号の利用が定められていないため選べません。", field="purpose")
    return use
