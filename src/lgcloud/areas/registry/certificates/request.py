"""A certificate request: the one object the screens, the API and the approvals hand over, and its checks —
kind, persons or household, layout, items, requester and purpose — ending in the 抑止・支援措置 check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lgcloud.areas.registry import engine, engine_asof, restrictions
from lgcloud.areas.registry.certificates.codes import OPTION_DEFAULTS, OPTION_LABELS, REMOVED_KINDS, TITLES
from lgcloud.areas.registry.models import (
    CertificateKind,
    CertificateLayout,
    Household,
    Person,
    RequesterRelationship,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.documents import pdf


@dataclass(frozen=True)
class CertificateRequest:
    """What is asked for. `requester`: name, relationship (本人・同一世帯の者・代理人・第三者 or their codes),
    optionally birth_date, kana, person_no, and for an agent the principal (same keys)."""

    kind: str
    requester: Mapping[str, Any]
    purpose: str
    person_nos: Sequence[int] | None = None
    household_no: int | None = None
    members: Sequence[int] | None = None
    layout: str = CertificateLayout.HOUSEHOLD
    options: Mapping[str, Any] | None = None
    acknowledge_alerts: bool = False
    as_of: Any = None


@dataclass
class Subject:
    person: Person
    state: dict[str, Any]


@dataclass
class Prepared:
    """The request checked: the persons to certify with their state (as of `as_of`), the items resolved."""

    kind: str
    layout: str
    options: dict[str, bool]
    subjects: list[Subject]
    household_no: int | None
    whole_household: bool
    requester_name: str
    requester_relationship: str
    purpose: str
    as_of: dt.date | None


def _date_input(value: Any, field: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{label}「{value}」は YYYY-MM-DD の形式で入力してください。", field=field) from None


def _number(value: Any, field: str, label: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}「{value}」は数字で入力してください。", field=field) from None


def _choice(value: Any, choices: type[Any], field: str, label: str) -> str:
    text = str(value or "").strip()
    for v, lbl in choices.choices:
        if text in (v, lbl):
            return str(v)
    allowed = "、".join(str(lbl) for _v, lbl in choices.choices)
    raise ValidationFailed(f"{label}を選択してください（{allowed}）。", field=field)


_TRUE = {"1", "true", "on", "yes", "有", "あり"}
_FALSE = {"0", "false", "off", "no", "", "無", "なし"}


def resolve_options(options: Mapping[str, Any] | None) -> dict[str, bool]:
    """The defaults overlaid with the clerk's choices; an unknown item is named, not ignored."""
    resolved = dict(OPTION_DEFAULTS)
    for key, raw in (options or {}).items():
        if key not in OPTION_DEFAULTS:
            known = "、".join(f"{label}（{name}）" for name, label in OPTION_LABELS.items())
            raise ValidationFailed(f"記載事項「{key}」は選択できません。選択できる事項: {known}", field="options")
        if isinstance(raw, bool):
            resolved[key] = raw
        elif str(raw).strip().lower() in _TRUE:
            resolved[key] = True
        elif str(raw).strip().lower() in _FALSE:
            resolved[key] = False
        else:
            raise ValidationFailed(f"{OPTION_LABELS[key]}の記載は「有」か「無」で指定してください。", field="options")
    return resolved


def _state(person: Person, on: dt.date | None) -> dict[str, Any] | None:
    if on is None:
        state = {k: getattr(person, k) for k in engine.PERSON_ITEMS}
        state["person_no"] = person.person_no
        return state
    return engine_asof.person_as_of(person, on)


def _expected_status(kind: str) -> str:
    return Status.REMOVED if kind in REMOVED_KINDS else Status.RESIDENT


def _status_error(kind: str, person_no: int, status: str) -> ValidationFailed:
    if kind in REMOVED_KINDS:
        label = TITLES[CertificateKind(kind)]
        return ValidationFailed(f"宛名番号 {person_no} は住民です（除票ではありません）。{label}は交付できません。"
                                "住民票の写しか記載事項証明書を選択してください。", field="person_nos")
    label = TITLES[CertificateKind(kind)]
    return ValidationFailed(f"宛名番号 {person_no} は{Status(status).label}です。{label}は交付できません。"
                            "除票の写しを選択してください。", field="person_nos")


def _household_members(household: Household, on: dt.date | None) -> list[Subject]:
    candidates = {p.pk: p for p in Person.objects.filter(household=household)}
    if on is not None:
        candidates |= {p.pk: p for p in Person.objects.filter(snapshots__household_id_at=household.pk).distinct()}
    out = []
    for person in candidates.values():
        state = _state(person, on)
        if state is not None and state["household_id"] == household.pk:
            out.append(Subject(person, state))
    return out


def _order_key(s: Subject) -> tuple[bool, int, int]:
    return (s.state["relationship"] != HEAD, s.state["household_order"], s.person.person_no)


def _subjects(kind: str, person_nos: Sequence[int] | None, household_no: int | None, members: Sequence[int] | None,
              on: dt.date | None) -> list[Subject]:
    """The persons to certify, checked against the kind."""
    expected = _expected_status(kind)
    if (person_nos is None) == (household_no is None):
        raise ValidationFailed("対象者の宛名番号か世帯番号のどちらか一方を指定してください。", field="person_nos")
    if household_no is not None:
        household = Household.objects.filter(household_no=_number(household_no, "household_no", "世帯番号")).first()
        if household is None:
            raise NotFound(f"世帯番号 {household_no} の世帯はありません。")
        everyone = [s for s in _household_members(household, on) if s.state["status"] == expected]
        chosen = everyone
        if members is not None:
            wanted = [_number(n, "members", "宛名番号") for n in members]
            unknown = sorted(set(wanted) - {s.person.person_no for s in everyone})
            if unknown:
                what = "除票" if expected == Status.REMOVED else "住民"
                raise ValidationFailed(f"宛名番号 {'、'.join(map(str, unknown))} はこの世帯の{what}ではありません。",
                                       field="members")
            chosen = [s for s in everyone if s.person.person_no in set(wanted)]
        if not chosen:
            what = "除票" if expected == Status.REMOVED else "住民"
            raise ValidationFailed(f"世帯番号 {household_no} には証明できる{what}がいません。", field="household_no")
        return sorted(chosen, key=_order_key)
    if members is not None:
        raise ValidationFailed("世帯員の選択は世帯番号と組み合わせて指定してください。", field="members")
    numbers = list(dict.fromkeys(_number(n, "person_nos", "宛名番号") for n in person_nos or []))
    if not numbers:
        raise ValidationFailed("対象者の宛名番号を1人以上指定してください。", field="person_nos")
    found = {p.person_no: p for p in Person.objects.filter(person_no__in=numbers)}
    subjects = []
    for n in numbers:
        person = found.get(n)
        if person is None:
            raise NotFound(f"宛名番号 {n} の住民票はありません。")
        state = _state(person, on)
        if state is None:
            raise ValidationFailed(f"宛名番号 {n} は{format_wareki(on)}時点で記録がありません。", field="person_nos")
        if state["status"] != expected:
            raise _status_error(kind, n, state["status"])
        subjects.append(Subject(person, state))
    return subjects


def _requester(data: Mapping[str, Any], subjects: list[Subject]) -> tuple[str, str, restrictions.Requester,
                                                                            restrictions.Requester | None]:
    """Name and relationship as recorded, the requester to check, and the principal an agent acts for."""
    relationship = _choice(data.get("relationship"), RequesterRelationship, "requester.relationship",
                           "請求者と対象者の関係")
    person = None
    if data.get("person_no"):
        person = Person.objects.filter(
            person_no=_number(data["person_no"], "requester.person_no", "請求者の宛名番号")).first()
        if person is None:
            raise NotFound(f"請求者の宛名番号 {data['person_no']} の住民票はありません。")
    name = str(data.get("name") or "").strip() or (person.full_name if person else "")
    if not name:
        raise ValidationFailed("請求者の氏名を入力してください。", field="requester.name")
    if len(name) > 200:
        raise ValidationFailed("請求者の氏名は200文字以内で入力してください。", field="requester.name")
    birth = _date_input(data.get("birth_date"), "requester.birth_date", "請求者の生年月日")
    if person is not None:
        if relationship == RequesterRelationship.SELF and person.pk not in {s.person.pk for s in subjects}:
            raise ValidationFailed("本人からの請求ですが、請求者が証明の対象者に含まれていません。",
                                   field="requester.relationship")
        if relationship == RequesterRelationship.SAME_HOUSEHOLD and person.household_id not in {
                s.state["household_id"] for s in subjects}:
            raise ValidationFailed("請求者は対象者と同一の世帯ではありません。", field="requester.relationship")
    check_as = restrictions.Requester(person_id=person.pk if person else None, name=name,
                                      kana=str(data.get("kana") or "").strip(),
                                      birth_date=birth or (person.birth_date if person else None))
    principal = None
    raw = data.get("principal")
    if raw:
        if not isinstance(raw, Mapping):
            raise ValidationFailed("委任者は氏名・生年月日などの項目で指定してください。", field="requester.principal")
        if relationship != RequesterRelationship.AGENT:
            raise ValidationFailed("委任者は代理人による請求の場合にだけ指定します。", field="requester.principal")
        principal_person = None
        if raw.get("person_no"):
            principal_person = Person.objects.filter(
                person_no=_number(raw["person_no"], "requester.principal.person_no", "委任者の宛名番号")).first()
        principal = restrictions.Requester(
            person_id=principal_person.pk if principal_person else None,
            name=str(raw.get("name") or "").strip() or (principal_person.full_name if principal_person else ""),
            kana=str(raw.get("kana") or "").strip(),
            birth_date=_date_input(raw.get("birth_date"), "requester.principal.birth_date", "委任者の生年月日")
            or (principal_person.birth_date if principal_person else None),
        )
    return name, relationship, check_as, principal


def prepare(request: CertificateRequest) -> Prepared:
    """Validate the request and run the 抑止・支援措置 check (outside any transaction of ours)."""
    restrictions.require(Cap.CERTIFICATE_ISSUE)
    pdf.register_font()  # a server without the font fails here, before anything is checked or audited
    kind = _choice(request.kind, CertificateKind, "kind", "証明書の種類")
    layout = _choice(request.layout, CertificateLayout, "layout", "様式（世帯連記式・個人票）")
    resolved = resolve_options(request.options)
    purpose = str(request.purpose or "").strip()
    if not purpose:
        raise ValidationFailed("使用目的を入力してください。", field="purpose")
    if len(purpose) > 200:
        raise ValidationFailed("使用目的は200文字以内で入力してください。", field="purpose")
    on = _date_input(request.as_of, "as_of", "基準日")
    if on is not None and on > timezone.localdate():
        raise ValidationFailed("基準日に未来の日付は指定できません。", field="as_of")
    subjects = _subjects(kind, request.person_nos, request.household_no, request.members, on)
    households = {s.state["household_id"] for s in subjects}
    number, whole = None, False
    if layout == CertificateLayout.HOUSEHOLD:
        household = Household.objects.filter(pk=next(iter(households))).first() if len(households) == 1 else None
        if household is None:
            raise ValidationFailed("世帯連記式は同じ世帯の人だけで作成できます。個人票を選択するか、対象者を見直してください。",
                                   field="layout")
        number = household.household_no
        everyone = {s.person.pk for s in _household_members(household, on) if s.state["status"] == _expected_status(kind)}
        whole = everyone == {s.person.pk for s in subjects}
        subjects.sort(key=_order_key)
    elif request.household_no is not None:
        number = _number(request.household_no, "household_no", "世帯番号")
    name, relationship, check_as, principal = _requester(request.requester, subjects)
    if relationship == RequesterRelationship.THIRD_PARTY and (resolved["resident_code"] or resolved["individual_number"]):
        raise ValidationFailed("第三者からの請求では、住民票コードと個人番号は記載できません。", field="options")
    persons = [s.person for s in subjects]
    restrictions.check("issue", persons, requester=check_as, acknowledge_alerts=request.acknowledge_alerts)
    if principal is not None:
        # The alerts were acknowledged (or there were none) in the check above; this one is for the refusal.
        restrictions.check("issue", persons, requester=principal, acknowledge_alerts=True)
    return Prepared(kind=kind, layout=layout, options=resolved, subjects=subjects, household_no=number,
                    whole_household=whole, requester_name=name,
                    requester_relationship=relationship, purpose=purpose, as_of=on)
