"""The 自治体クラウド groups nationwide and the adoption figures, read from the data shipped in tenancy/data/.

Everything is checked when first loaded: a group whose member count disagrees with its codes, a code
with a wrong check digit or missing from the code table, or a figure we cannot show in Japanese raises
DataInconsistent, so inconsistent data never reaches a page.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.codes import DATA_DIR, code_table, validate_municipality_code

GROUPS_FILE = "cloud_groups_2016.csv"
FACTS_FILE = "seed_facts.json"
POPULATION_DATE = dt.date(2015, 1, 1)
UNNAMED = "（名称なし）"
GROUP_COLUMNS = ("prefecture", "group_name", "start_fy", "members", "member_count", "population_2015_01_01",
                 "member_codes")

# seed_facts.json keeps the paper's prose in English; the pages are Japanese only, so every phrase
# needs a translation here (an unknown phrase is an error rather than English on a page).
_JA = {
    "2013-10 (嵐山町, 吉見町); 16 more during FY2014": "平成25年10月に嵐山町・吉見町、平成26年度中に残る16団体",
    "negotiating power with vendors": "事業者に対する交渉力の向上",
    "regular council as a forum for system staff": "定例の協議会がシステム担当職員の情報交換の場になる",
    "common BCP measures": "業務継続計画（BCP）対策の共通化",
    "intermediate standard layout data delivered at every fiscal year end":
        "毎年度末に中間標準レイアウトのデータを納品",
    "data center for disaster resilience": "災害に強いデータセンターの利用",
    "system duplication and network redundancy": "システムの二重化とネットワークの冗長化",
    "mutual backup agreement between municipalities": "団体間の相互バックアップ協定",
    "cost-share ratios that members accept despite population differences":
        "人口規模が異なっても構成団体が納得できる費用負担割合",
    "later members can join: written into the joint-use agreement and procurement spec from the start":
        "後から団体が加入できることを、当初から共同利用協定と調達仕様書に明記",
    "expected": "見込み",
}
_SYSTEM_JA = {"nhi_pension": "国民健康保険・国民年金", "tax": "税総合"}
_PHASE_JA = {"initial": "初期費用", "running_5_years": "運用経費（5年間）", "total": "合計"}


class DataInconsistent(RuntimeError):
    """The shipped open data contradicts itself; a deployment error, not a user error."""


@dataclass(frozen=True)
class Member:
    prefecture: str
    name: str
    code: str

    @property
    def full_name(self) -> str:
        return f"{self.prefecture}{self.name}"


@dataclass(frozen=True)
class CloudGroup:
    number: int  # 1-based position in the source, used as a page anchor
    prefectures: tuple[str, ...]
    name: str  # "" where the source gives no name
    start_fiscal_year: int
    members: tuple[Member, ...]
    population: int  # 2015-01-01, as published for the group

    @property
    def prefecture(self) -> str:
        return "・".join(self.prefectures)

    @property
    def display_name(self) -> str:
        return self.name or UNNAMED

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def member_codes(self) -> list[str]:
        return [m.code for m in self.members]

    @property
    def spans_prefectures(self) -> bool:
        return len(self.prefectures) > 1


@dataclass(frozen=True)
class Totals:
    groups: int
    members: int
    population: int


@dataclass(frozen=True)
class PrefectureCount:
    """Groups as the source lists them: a group spanning prefectures has its own row (奈良県・和歌山県)."""

    prefecture: str
    groups: int
    members: int
    population: int


@dataclass(frozen=True)
class MemberPrefectureCount:
    """Members by their own prefecture; no population, as the source gives it per group only."""

    prefecture: str
    groups: int
    members: int


@dataclass(frozen=True)
class AdoptionPoint:
    as_of: dt.date
    cloudified: int
    cloudified_or_planned: int


@dataclass(frozen=True)
class Adoption:
    points: tuple[AdoptionPoint, ...]
    target_fiscal_year: int
    target_municipalities: int
    cost_reduction_goal: float


@dataclass(frozen=True)
class Reduction:
    label: str
    ratio: float


@dataclass(frozen=True)
class CaseStudy:
    title: str
    group: CloudGroup
    scope: str
    start: str
    member_populations: tuple[tuple[str, float], ...]  # municipality name, thousands of people
    reductions: tuple[Reduction, ...]
    effects: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str
    published_on: dt.date


def read_group_rows() -> list[dict[str, str]]:
    with (DATA_DIR / GROUPS_FILE).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_facts() -> dict[str, Any]:
    with (DATA_DIR / FACTS_FILE).open(encoding="utf-8") as f:
        facts: dict[str, Any] = json.load(f)
    return facts


def _fail(where: str, message: str) -> DataInconsistent:
    return DataInconsistent(f"{where}: {message}")


@functools.cache
def prefecture_order() -> dict[str, int]:
    """Prefecture name → JIS prefecture number (北海道 1 … 沖縄県 47)."""
    return {e.prefecture: int(e.code[:2]) for e in code_table().values() if not e.city}


def _same_name(a: str, b: str) -> bool:
    # The paper writes 関ヶ原町, the code table 関ケ原町.
    return a.replace("ヶ", "ケ") == b.replace("ヶ", "ケ")


def _int(value: str | None, where: str, column: str) -> int:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        raise _fail(where, f"{column} が数値ではありません（{value!r}）")
    return int(text)


def _member(code: str, source_name: str, prefectures: tuple[str, ...], where: str) -> Member:
    try:
        code = validate_municipality_code(code)
    except ValidationFailed as e:
        raise _fail(where, e.message) from e
    entry = code_table().get(code)
    if entry is None or not entry.city:
        raise _fail(where, f"団体コード {code} は団体コード表（municipality_codes.csv）にありません")
    if entry.prefecture not in prefectures:
        raise _fail(where, f"団体コード {code} は{entry.prefecture}の団体で、グループの都道府県と合いません")
    name = source_name.removeprefix(entry.prefecture)
    if not source_name.startswith(entry.prefecture) or not _same_name(name, entry.city):
        raise _fail(where, f"構成団体「{source_name}」は団体コード {code}（{entry.full_name}）と合いません")
    return Member(prefecture=entry.prefecture, name=name, code=code)


def _group(number: int, row: dict[str, str]) -> CloudGroup:
    where = f"{GROUPS_FILE} {number + 1}行目"
    missing = [c for c in GROUP_COLUMNS if row.get(c) is None]
    if missing:
        raise _fail(where, f"列 {', '.join(missing)} がありません")
    name = row["group_name"].strip()
    where = f"{where}（{name or UNNAMED}）"
    prefectures = tuple(row["prefecture"].split())
    unknown = [p for p in prefectures if p not in prefecture_order()]
    if not prefectures or unknown:
        raise _fail(where, f"都道府県「{row['prefecture']}」が正しくありません")
    codes = [c for c in row["member_codes"].split(";") if c.strip()]
    names = [n for n in row["members"].split(";") if n.strip()]
    member_count = _int(row["member_count"], where, "member_count")
    if member_count != len(codes):
        raise _fail(where, f"member_count は {member_count} ですが、団体コードは {len(codes)} 件です")
    if len(names) != len(codes):
        raise _fail(where, f"構成団体名は {len(names)} 件ですが、団体コードは {len(codes)} 件です")
    members = tuple(_member(c.strip(), n.strip(), prefectures, where) for c, n in zip(codes, names, strict=True))
    if len({m.code for m in members}) != len(members):
        raise _fail(where, "同じ団体コードが重複しています")
    return CloudGroup(
        number=number, prefectures=prefectures, name=name,
        start_fiscal_year=_int(row["start_fy"], where, "start_fy"),
        members=members, population=_int(row["population_2015_01_01"], where, "population_2015_01_01"),
    )


def build_groups(rows: Iterable[dict[str, str]]) -> tuple[CloudGroup, ...]:
    built = tuple(_group(number, row) for number, row in enumerate(rows, start=1))
    seen: dict[str, CloudGroup] = {}
    for g in built:
        for m in g.members:
            if m.code in seen:
                raise _fail(GROUPS_FILE, f"{m.full_name}（{m.code}）が「{seen[m.code].display_name}」と"
                                         f"「{g.display_name}」の両方に入っています")
            seen[m.code] = g
    return built


@functools.cache
def groups() -> tuple[CloudGroup, ...]:
    return build_groups(read_group_rows())


@functools.cache
def facts() -> dict[str, Any]:
    return read_facts()


def totals() -> Totals:
    gs = groups()
    return Totals(groups=len(gs), members=sum(g.member_count for g in gs), population=sum(g.population for g in gs))


def published_totals() -> Totals:
    """The totals as printed in the paper (its population total disagrees with its own rows)."""
    try:
        p = facts()["cloud_groups_total_as_published"]
        return Totals(groups=int(p["groups"]), members=int(p["members"]), population=int(p["population_2015_01_01"]))
    except (KeyError, TypeError, ValueError) as e:
        raise _fail(FACTS_FILE, f"cloud_groups_total_as_published が読めません（{e!r}）") from e


def _prefecture_key(prefectures: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(prefecture_order()[p] for p in prefectures)


def counts_by_prefecture() -> list[PrefectureCount]:
    """Per prefecture as the source lists the groups, so the rows add up to the totals."""
    by: dict[tuple[str, ...], list[CloudGroup]] = {}
    for g in groups():
        by.setdefault(g.prefectures, []).append(g)
    return [
        PrefectureCount(prefecture="・".join(prefs), groups=len(gs), members=sum(g.member_count for g in gs),
                        population=sum(g.population for g in gs))
        for prefs, gs in sorted(by.items(), key=lambda item: _prefecture_key(item[0]))
    ]


def members_by_prefecture() -> list[MemberPrefectureCount]:
    """Per prefecture where the members are; a group spanning two prefectures counts in both."""
    group_numbers: dict[str, set[int]] = {}
    members: dict[str, int] = {}
    for g in groups():
        for m in g.members:
            group_numbers.setdefault(m.prefecture, set()).add(g.number)
            members[m.prefecture] = members.get(m.prefecture, 0) + 1
    return [
        MemberPrefectureCount(prefecture=p, groups=len(group_numbers[p]), members=members[p])
        for p in sorted(members, key=lambda p: prefecture_order()[p])
    ]


def _ja_punctuation(text: str) -> str:
    """「基幹系システム全般 (29業務)」→「基幹系システム全般（29業務）」, ", " → "、"."""
    return text.replace(", ", "、").replace(" (", "（").replace("(", "（").replace(")", "）")


def _ja(text: str, where: str) -> str:
    if text not in _JA:
        raise _fail(where, f"「{text}」の日本語表記がありません（nationwide/data.py の _JA に追加してください）")
    return _JA[text]


@functools.cache
def adoption() -> Adoption:
    where = f"{FACTS_FILE} cloud_adoption"
    try:
        raw = facts()["cloud_adoption"]
        points = tuple(
            AdoptionPoint(as_of=dt.date.fromisoformat(key), cloudified=int(value["cloudified"]),
                          cloudified_or_planned=int(value["cloudified_or_planned"]))
            for key, value in sorted(raw.items()) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key)
        )
        return Adoption(points=points, target_fiscal_year=int(raw["target"]["by_fiscal_year"]),
                        target_municipalities=int(raw["target"]["municipalities"]),
                        cost_reduction_goal=float(facts()["cost_reduction_goal"]["ratio"]))
    except (KeyError, TypeError, ValueError) as e:
        raise _fail(where, f"読めません（{e!r}）") from e


def _reductions(raw: dict[str, Any], where: str) -> tuple[Reduction, ...]:
    if "ratio" in raw:
        label = f"{int(raw['period_years'])}年間の経費"
        if raw.get("note"):
            label += f"（{_ja(raw['note'], where)}）"
        return (Reduction(label, float(raw["ratio"])),)
    out = []
    for system, phases in raw.items():
        if system not in _SYSTEM_JA or not set(phases) <= set(_PHASE_JA):
            raise _fail(where, f"削減効果の区分「{system}」を日本語で表示できません")
        out += [Reduction(f"{_SYSTEM_JA[system]}の{_PHASE_JA[p]}", float(r)) for p, r in phases.items()]
    return tuple(out)


def _case(raw: dict[str, Any], number: int) -> CaseStudy:
    where = f"{FACTS_FILE} cases[{number}]"
    try:
        populations = tuple((str(k), float(v)) for k, v in raw["member_population_thousands"].items())
        names = {n for n, _ in populations}
        if int(raw["members"]) != len(populations):
            raise _fail(where, f"members は {raw['members']} ですが、人口のある構成団体は {len(populations)} 件です")
        # The paper names one case after its members (愛知県岡崎市・豊橋市), so match groups by member names.
        matches = [g for g in groups() if {m.name for m in g.members} == names]
        if len(matches) != 1:
            raise _fail(where, f"「{raw['group']}」の構成団体と一致するグループが {len(matches)} 件あります")
        return CaseStudy(
            title=str(raw["group"]), group=matches[0], scope=_ja_punctuation(str(raw["scope"])),
            start=_ja(raw["start"], where) if raw.get("start") else "",
            member_populations=populations, reductions=_reductions(raw["cost_reduction"], where),
            effects=tuple(_ja(e, where) for e in raw.get("other_effects", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise _fail(where, f"読めません（{e!r}）") from e


@functools.cache
def case_studies() -> tuple[CaseStudy, ...]:
    return tuple(_case(raw, i) for i, raw in enumerate(facts().get("cases", [])))


@functools.cache
def source() -> Source:
    text = str(facts().get("source", ""))
    m = re.fullmatch(r"(?P<title>.+?) \((?P<publisher>.+), (?P<date>\d{4}-\d{2}-\d{2})\)", text)
    if m is None:
        raise _fail(FACTS_FILE, f"source「{text}」を読めません")
    return Source(m["title"], m["publisher"], dt.date.fromisoformat(m["date"]))


def clear_caches() -> None:
    for f in (groups, facts, adoption, case_studies, source, prefecture_order):
        f.cache_clear()


def check() -> None:
    """Load and validate everything once."""
    groups()
    published_totals()
    adoption()
    case_studies()
    source()
