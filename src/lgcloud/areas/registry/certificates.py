"""証明書の交付 (住民票の写し・除票の写し・記載事項証明書): checks, the issued record and the PDF.

`issue_certificate` runs the 抑止・支援措置 check before its transaction (a refusal is audited and
committed there), then stores in one transaction the certificate with the exact PDF bytes and their
hash, the public index row the verification page reads, the audit record and the meter.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lgcloud.areas.registry import crypto, display, engine, restrictions
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.models import (
    Certificate,
    CertificateKind,
    CertificateLayout,
    EventKind,
    ForeignCategory,
    Household,
    IssuedCertificateIndex,
    Person,
    PersonSnapshot,
    RegistryEvent,
    RequesterRelationship,
    ResidentType,
    Sex,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.group.costs import meters
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of, format_wareki
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import current_actor, require_municipality
from lgcloud.platform.tenancy.models import Municipality

FEE_PARAMETER = "registry.certificate.fee"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
PERSONS_PER_PAGE = 4

# 記載事項の選択. The standard leaves 住民票コード and 個人番号 off unless asked for.
OPTION_DEFAULTS: dict[str, bool] = {
    "household_head": True,  # 世帯主・続柄
    "registered_domicile": True,  # 本籍・筆頭者
    "resident_code": False,
    "individual_number": False,
    "nationality": True,
    "residence_status": True,
    "period_of_stay": True,
    "stay_expires_on": True,
    "residence_card_number": True,
    "alias": True,
    "history": False,  # 異動の履歴 (and 異動前住所)
}
OPTION_LABELS: dict[str, str] = {
    "household_head": "世帯主・続柄",
    "registered_domicile": "本籍・筆頭者",
    "resident_code": "住民票コード",
    "individual_number": "個人番号",
    "nationality": "国籍・地域",
    "residence_status": "在留資格",
    "period_of_stay": "在留期間",
    "stay_expires_on": "在留期間の満了日",
    "residence_card_number": "在留カード等番号",
    "alias": "通称",
    "history": "異動の履歴",
}

_TITLES = {
    CertificateKind.RESIDENCE: "住民票の写し",
    CertificateKind.REMOVED_RECORD: "除票の写し",
    CertificateKind.ENTRY: "住民票記載事項証明書",
    CertificateKind.REMOVED_ENTRY: "除票記載事項証明書",
}
_REMOVED_KINDS = (CertificateKind.REMOVED_RECORD, CertificateKind.REMOVED_ENTRY)
_CODE_RE = re.compile(r"[A-Z2-7]{16}")


class CertificateFontMissing(LgcloudError):
    status_code = 503


# --- the verification code ---------------------------------------------------------------------


def new_verification_code() -> str:
    """80 random bits in base32 (16 characters, no 0/1/8/9 to misread)."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def normalize_code(text: str) -> str | None:
    """The code as typed or scanned (full-width, lower case, hyphens) → canonical, or None if it cannot be one."""
    code = unicodedata.normalize("NFKC", text or "").upper()
    code = re.sub(r"[\s\-ー－]", "", code)
    return code if _CODE_RE.fullmatch(code) else None


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def public_url() -> str:
    base = getattr(settings, "LGCLOUD_PUBLIC_URL", "") or os.environ.get("LGCLOUD_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    return base.rstrip("/")


def verification_url(code: str) -> str:
    return public_url() + reverse("verify:certificate", args=[code])


# --- the request -------------------------------------------------------------------------------


@dataclass
class _Subject:
    person: Person
    state: dict[str, Any]


@dataclass
class _Request:
    kind: str
    layout: str
    options: dict[str, bool]
    subjects: list[_Subject]
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
    return engine.person_as_of(person, on)


def _expected_status(kind: str) -> str:
    return Status.REMOVED if kind in _REMOVED_KINDS else Status.RESIDENT


def _status_error(kind: str, person_no: int, status: str) -> ValidationFailed:
    if kind in _REMOVED_KINDS:
        label = _TITLES[CertificateKind(kind)]
        return ValidationFailed(f"宛名番号 {person_no} は住民です（除票ではありません）。{label}は交付できません。"
                                "住民票の写しか記載事項証明書を選択してください。", field="person_nos")
    label = _TITLES[CertificateKind(kind)]
    return ValidationFailed(f"宛名番号 {person_no} は{Status(status).label}です。{label}は交付できません。"
                            "除票の写しを選択してください。", field="person_nos")


def _household_members(household: Household, on: dt.date | None) -> list[_Subject]:
    candidates = {p.pk: p for p in Person.objects.filter(household=household)}
    if on is not None:
        candidates |= {p.pk: p for p in Person.objects.filter(snapshots__household_id_at=household.pk).distinct()}
    out = []
    for person in candidates.values():
        state = _state(person, on)
        if state is not None and state["household_id"] == household.pk:
            out.append(_Subject(person, state))
    return out


def _order_key(s: _Subject) -> tuple[bool, int, int]:
    return (s.state["relationship"] != HEAD, s.state["household_order"], s.person.person_no)


def _subjects(kind: str, person_nos: Sequence[int] | None, household_no: int | None, members: Sequence[int] | None,
              on: dt.date | None) -> list[_Subject]:
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
        subjects.append(_Subject(person, state))
    return subjects


def _requester(data: Mapping[str, Any], subjects: list[_Subject]) -> tuple[str, str, restrictions.Requester,
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


def _prepare(*, kind: str, person_nos: Sequence[int] | None, household_no: int | None, members: Sequence[int] | None,
             layout: str, options: Mapping[str, Any] | None, requester: Mapping[str, Any], purpose: str,
             acknowledge_alerts: bool, as_of: Any) -> _Request:
    """Validate the request and run the 抑止・支援措置 check (outside any transaction of ours)."""
    restrictions.require(Cap.CERTIFICATE_ISSUE)
    register_font()  # a server without the font fails here, before anything is checked or audited
    kind = _choice(kind, CertificateKind, "kind", "証明書の種類")
    layout = _choice(layout, CertificateLayout, "layout", "様式（世帯連記式・個人票）")
    resolved = resolve_options(options)
    purpose = str(purpose or "").strip()
    if not purpose:
        raise ValidationFailed("使用目的を入力してください。", field="purpose")
    if len(purpose) > 200:
        raise ValidationFailed("使用目的は200文字以内で入力してください。", field="purpose")
    on = _date_input(as_of, "as_of", "基準日")
    if on is not None and on > timezone.localdate():
        raise ValidationFailed("基準日に未来の日付は指定できません。", field="as_of")
    subjects = _subjects(kind, person_nos, household_no, members, on)
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
    elif household_no is not None:
        number = _number(household_no, "household_no", "世帯番号")
    name, relationship, check_as, principal = _requester(requester, subjects)
    if relationship == RequesterRelationship.THIRD_PARTY and (resolved["resident_code"] or resolved["individual_number"]):
        raise ValidationFailed("第三者からの請求では、住民票コードと個人番号は記載できません。", field="options")
    persons = [s.person for s in subjects]
    restrictions.check("issue", persons, requester=check_as, acknowledge_alerts=acknowledge_alerts)
    if principal is not None:
        # The alerts were acknowledged (or there were none) in the check above; this one is for the refusal.
        restrictions.check("issue", persons, requester=principal, acknowledge_alerts=True)
    return _Request(kind=kind, layout=layout, options=resolved, subjects=subjects, household_no=number,
                    whole_household=whole, requester_name=name,
                    requester_relationship=relationship, purpose=purpose, as_of=on)


# --- services ----------------------------------------------------------------------------------


def _fee(on: dt.date, municipality: Municipality) -> int:
    return int(params.value(FEE_PARAMETER, fiscal_year_of(on), municipality))


def _audit_detail(req: _Request) -> dict[str, Any]:
    return {"kind": req.kind, "layout": req.layout, "persons": [s.person.person_no for s in req.subjects],
            "requester_relationship": req.requester_relationship,
            "options": sorted(k for k, v in req.options.items() if v)}


def issue_certificate(
    *,
    kind: str,
    person_nos: Sequence[int] | None = None,
    household_no: int | None = None,
    members: Sequence[int] | None = None,
    layout: str = CertificateLayout.HOUSEHOLD,
    options: Mapping[str, Any] | None = None,
    requester: Mapping[str, Any],
    purpose: str,
    acknowledge_alerts: bool = False,
    as_of: Any = None,
) -> tuple[Certificate, bytes]:
    """Issue (交付) one certificate. `requester`: name, relationship (本人・同一世帯の者・代理人・第三者 or their
    codes), optionally birth_date, kana, person_no, and for an agent the principal (same keys)."""
    req = _prepare(kind=kind, person_nos=person_nos, household_no=household_no, members=members, layout=layout,
                   options=options, requester=requester, purpose=purpose, acknowledge_alerts=acknowledge_alerts,
                   as_of=as_of)
    municipality = require_municipality()
    with transaction.atomic():
        issue_no = engine.next_number("certificate")
        code = new_verification_code()
        while IssuedCertificateIndex.objects.filter(code=code).exists():
            code = new_verification_code()
        issued_at = timezone.now()
        fee = _fee(timezone.localdate(issued_at), municipality)
        pdf, pages = render_pdf(req, municipality, issued_on=timezone.localdate(issued_at), fee=fee,
                                issue_no=issue_no, code=code)
        digest = hashlib.sha256(pdf).hexdigest()
        certificate = Certificate.objects.create(
            kind=req.kind, issue_no=issue_no, persons=[s.person.person_no for s in req.subjects],
            household_no=req.household_no, options=req.options, layout=req.layout, as_of=req.as_of,
            requester_name=req.requester_name, requester_relationship=req.requester_relationship,
            purpose=req.purpose, fee=fee, issued_at=issued_at, issued_by=current_actor().username,
            verification_code=code, content_sha256=digest, page_count=pages, pdf=pdf,
        )
        IssuedCertificateIndex.objects.create(code=code, municipality=municipality, issued_at=issued_at,
                                              kind=req.kind, content_sha256=digest, page_count=pages)
        audit.record("registry.certificate_issued", obj=certificate, purpose=req.purpose,
                     individual_number_shown=req.options["individual_number"],
                     detail={**_audit_detail(req), "issue_no": issue_no, "fee": fee, "pages": pages})
        meters.record(municipality, "certificates_issued")
    return certificate, pdf


def preview_certificate(
    *,
    kind: str,
    person_nos: Sequence[int] | None = None,
    household_no: int | None = None,
    members: Sequence[int] | None = None,
    layout: str = CertificateLayout.HOUSEHOLD,
    options: Mapping[str, Any] | None = None,
    requester: Mapping[str, Any],
    purpose: str,
    acknowledge_alerts: bool = False,
    as_of: Any = None,
) -> bytes:
    """The same document marked 「見本」, without number or code; nothing stored, audited as a read."""
    req = _prepare(kind=kind, person_nos=person_nos, household_no=household_no, members=members, layout=layout,
                   options=options, requester=requester, purpose=purpose, acknowledge_alerts=acknowledge_alerts,
                   as_of=as_of)
    municipality = require_municipality()
    today = timezone.localdate()
    with transaction.atomic():
        pdf, _pages = render_pdf(req, municipality, issued_on=today, fee=_fee(today, municipality))
        audit.record("registry.certificate_previewed", object_type="Person",
                     object_id=",".join(str(s.person.person_no) for s in req.subjects), purpose=req.purpose,
                     individual_number_shown=req.options["individual_number"], detail=_audit_detail(req))
    return pdf


def certificate_pdf(issue_no: int, *, purpose: str) -> tuple[Certificate, bytes]:
    """The stored PDF of an issued certificate, again (再出力); audited as a read."""
    restrictions.require(Cap.CERTIFICATE_ISSUE)
    if not str(purpose or "").strip():
        raise ValidationFailed("再出力の理由を入力してください。", field="purpose")
    certificate = Certificate.objects.filter(issue_no=int(issue_no)).first()
    if certificate is None:
        raise NotFound(f"発行番号 {issue_no} の証明書はありません。")
    restrictions.refuse_redownload(certificate.persons, certificate.issue_no)
    pdf = bytes(certificate.pdf)
    if hashlib.sha256(pdf).hexdigest() != certificate.content_sha256:
        raise LgcloudError(f"発行番号 {issue_no} の保存されたPDFが交付時の内容と一致しません。管理者に連絡してください。")
    with transaction.atomic():
        audit.record("registry.certificate_redownloaded", obj=certificate, purpose=str(purpose).strip()[:200],
                     individual_number_shown=bool(certificate.options.get("individual_number")),
                     detail={"issue_no": certificate.issue_no, "persons": certificate.persons})
    return certificate, pdf


# --- content -----------------------------------------------------------------------------------


@dataclass
class _Cell:
    label: str
    value: str
    wide: bool = False
    big: bool = False


def _partial(value: dt.date | None, precision: str) -> str:
    if value is None and precision != Precision.UNKNOWN:
        return ""
    return PartialDate(value, precision).display()


def _western(value: dt.date | None, precision: str) -> str:
    """西暦 with the same precision wording as PartialDate.display (foreign residents' birth dates)."""
    if value is None:
        return "不詳" if precision == Precision.UNKNOWN else ""
    if precision == Precision.MONTH:
        return f"{value.year}年{value.month}月日不詳"
    if precision == Precision.YEAR:
        return f"{value.year}年月日不詳"
    if precision == Precision.APPROXIMATE:
        return f"{value.year}年頃"
    return f"{value.year}年{value.month}月{value.day}日"


def _name(state: Mapping[str, Any]) -> str:
    kanji = f"{state['family_name']}　{state['given_name']}".strip("　")
    if state["resident_type"] == ResidentType.FOREIGN and state["alphabet_name"]:
        return f"{state['alphabet_name']}　{kanji}".strip("　")
    return kanji or state["alphabet_name"]


def _kana(state: Mapping[str, Any]) -> str:
    # An 振り仮名 not yet certified (記載) is printed masked, as the standard requires.
    if not state["kana_certified"]:
        return "********"
    return f"{state['family_name_kana']}　{state['given_name_kana']}".strip("　")


def _label(choices: type[Any], value: str) -> str:
    return str(dict(choices.choices).get(value, value or ""))


class _Heads:
    """世帯主 names, looked up once per household and date."""

    def __init__(self, on: dt.date | None) -> None:
        self.on = on
        self.cache: dict[tuple[int, dt.date | None], str] = {}

    def name(self, state: Mapping[str, Any]) -> str:
        if state["relationship"] == HEAD:
            return _name(state)
        hid = state["household_id"]
        if not hid:
            return ""
        day = self.on
        if state["status"] == Status.REMOVED and state["removed_on"]:
            before = state["removed_on"] - dt.timedelta(days=1)
            day = min(day, before) if day else before
        key = (hid, day)
        if key not in self.cache:
            self.cache[key] = self._lookup(hid, day)
        return self.cache[key]

    @staticmethod
    def _lookup(hid: int, day: dt.date | None) -> str:
        if day is None:
            head = Person.objects.filter(household_id=hid, status=Status.RESIDENT, relationship=HEAD).first()
            return head.full_name if head else ""
        household = Household.objects.filter(pk=hid).first()
        if household is None:
            return ""
        _items, members = engine.household_as_of(household, day)
        return next((_name(m) for m in members if m["relationship"] == HEAD), "")


def _person_cells(state: Mapping[str, Any], kind: str, options: Mapping[str, bool],
                  municipality: Municipality, past: _Past) -> list[_Cell]:
    foreign = state["resident_type"] == ResidentType.FOREIGN
    birth = (_western if foreign else _partial)(state["birth_date"], state["birth_date_precision"])
    cells = [
        _Cell("氏名", _name(state), wide=True, big=True),
        _Cell("フリガナ", _kana(state), wide=True),
        _Cell("生年月日", birth),
        _Cell("性別", _label(Sex, state["sex"])),
    ]
    if options["household_head"]:
        cells.append(_Cell("続柄", state["relationship"]))
    cells += [
        _Cell("住民となった年月日", _partial(state["became_resident_on"], state["became_resident_precision"])),
        _Cell("住所を定めた年月日", _partial(state["address_set_on"], state["address_set_precision"])),
        _Cell("届出年月日", format_wareki(state["notified_on"])),
        _Cell("転入前住所", past.moved_in_from, wide=True),
    ]
    if past.moved_from:
        cells.append(_Cell("異動前住所", past.moved_from, wide=True))
    if foreign:
        cells += [
            _Cell("外国人住民となった年月日", format_wareki(state["became_foreign_resident_on"])),
            _Cell("外国人住民の区分", _label(ForeignCategory, state["foreign_category"])),
        ]
        if options["nationality"]:
            cells.append(_Cell("国籍・地域", state["nationality"]))
        if options["residence_status"] and state["foreign_category"] == ForeignCategory.MID_LONG_TERM:
            cells.append(_Cell("在留資格", state["residence_status"]))
        if options["period_of_stay"] and state["period_of_stay"]:
            cells.append(_Cell("在留期間", state["period_of_stay"]))
        if options["stay_expires_on"] and state["stay_expires_on"]:
            cells.append(_Cell("在留期間の満了日", format_wareki(state["stay_expires_on"])))
        if options["residence_card_number"]:
            label = ("特別永住者証明書番号" if state["foreign_category"] == ForeignCategory.SPECIAL_PERMANENT
                     else "在留カード等番号")
            cells.append(_Cell(label, state["residence_card_number"]))
        if options["alias"] and state["alias"]:
            cells.append(_Cell("通称", state["alias"]))
    elif options["registered_domicile"]:
        cells += [_Cell("本籍", state["registered_domicile"], wide=True), _Cell("筆頭者", state["domicile_head"])]
    if options["resident_code"]:
        cells.append(_Cell("住民票コード", state["resident_code"]))
    if options["individual_number"]:
        enc = state["individual_number_enc"]
        cells.append(_Cell("個人番号", crypto.decrypt(municipality.code, enc) if enc else ""))
    if kind in _REMOVED_KINDS:
        reason = state["removal_reason"]
        if state["move_out_state"] == "planned":
            reason += "（予定）"
        removed = (_partial(state["death_date"], state["death_date_precision"]) if state["removal_reason"] == "死亡"
                   else format_wareki(state["removed_on"]))
        cells += [_Cell("消除事由", reason), _Cell("消除日", removed)]
        if state["moved_to"]:
            cells.append(_Cell("転出先", state["moved_to"], wide=True))
    return cells


# The items a certificate's 異動の履歴 shows changing, each with the option that must be on (None: always).
_HISTORY_ITEMS: dict[str, str | None] = {
    "family_name": None, "given_name": None, "family_name_kana": None, "given_name_kana": None,
    "alphabet_name": None, "address": None, "address_extra": None, "relationship": "household_head",
    "registered_domicile": "registered_domicile", "domicile_head": "registered_domicile", "alias": "alias",
    "nationality": "nationality", "residence_status": "residence_status", "period_of_stay": "period_of_stay",
    "stay_expires_on": "stay_expires_on", "residence_card_number": "residence_card_number",
}


_MOVE_IN_KINDS = {EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN}


@dataclass
class _Past:
    """What a certificate needs of a person's 履歴: 転入前住所, 異動前住所, and the 異動 lines."""

    moved_in_from: str
    moved_from: str
    lines: list[_Cell]


def _past(person: Person, state: Mapping[str, Any], on: dt.date | None, options: Mapping[str, bool]) -> _Past:
    """From the snapshots up to `on`: 転入前住所 (set by the last 転入), 異動前住所 (the address before the last
    move since then), and one line per 異動 with what changed (only items the certificate carries)."""
    snapshots = [s for s in PersonSnapshot.objects.filter(person=person).select_related("event").order_by("history_no")
                 if on is None or s.effective_on <= on]
    cancelled = set(RegistryEvent.objects.filter(cancels_id__in=[s.event_id for s in snapshots])
                    .values_list("cancels_id", flat=True))
    shown = [name for name, option in _HISTORY_ITEMS.items() if option is None or options[option]]
    past = _Past(str(state.get("previous_address") or ""), "", [])
    previous: Mapping[str, Any] | None = None
    for snap in snapshots:
        ev = snap.event
        live = ev.pk not in cancelled
        if live and (previous is None or ev.kind in _MOVE_IN_KINDS):
            past.moved_in_from, past.moved_from = str(snap.data.get("previous_address") or ""), ""
        elif live and previous is not None:
            before = f"{previous.get('address') or ''}　{previous.get('address_extra') or ''}".strip("　")
            if before and before != f"{snap.data.get('address') or ''}　{snap.data.get('address_extra') or ''}".strip("　"):
                past.moved_from = before
        changes = [] if previous is None else [
            f"{display.label_of(name)}「{old}」→「{new}」" for name in shown
            if (old := display.value_text(name, previous)) != (new := display.value_text(name, snap.data))]
        text = f"{format_wareki(ev.effective_on)}　{EventKind(ev.kind).label}"
        if ev.notified_on:
            text += f"（届出 {format_wareki(ev.notified_on)}）"
        if not live:
            text += "［取消］"
        if changes:
            text += "　" + "、".join(changes)
        past.lines.append(_Cell(f"履歴{snap.history_no}", text, wide=True))
        if live:
            previous = snap.data
    return past


def _header_cells(state: Mapping[str, Any], options: Mapping[str, bool], heads: _Heads) -> list[_Cell]:
    cells = [_Cell("住所", state["address"], wide=True)]
    if state["address_extra"]:
        cells.append(_Cell("方書", state["address_extra"], wide=True))
    if options["household_head"]:
        cells.append(_Cell("世帯主", heads.name(state), wide=True))
    return cells


def _certification(req: _Request) -> str:
    if req.kind == CertificateKind.ENTRY:
        return "上記の事項は、住民票の記載事項と相違ないことを証明する。"
    if req.kind == CertificateKind.REMOVED_ENTRY:
        return "上記の事項は、除票の記載事項と相違ないことを証明する。"
    if req.kind == CertificateKind.REMOVED_RECORD:
        return "この写しは、除票の原本と相違ないことを証明する。"
    if req.whole_household:
        return "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    return "この写しは、住民票の原本と相違ないことを証明する。"


def _title(req: _Request) -> str:
    title = _TITLES[CertificateKind(req.kind)]
    if req.layout == CertificateLayout.HOUSEHOLD and req.kind == CertificateKind.RESIDENCE:
        title += "（世帯全員）" if req.whole_household else "（世帯の一部）"
    return title


# --- PDF ---------------------------------------------------------------------------------------

FONT_NAME = "IPAexMincho"
FONT_FILE = "ipaexm.ttf"
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho"),
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
)

PAGE_W, PAGE_H = A4
MARGIN_X = 40.0
TOP = PAGE_H - 40
BOTTOM = 34.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
LABEL_W = 96.0
PAD = 4.0
FONT_SIZE = 9.0
BIG_FONT_SIZE = 11.5
MIN_FONT_SIZE = 7.0
ROW_H = 15.0
WRAP_LINE_H = 8.6
BLOCK_GAP = 8.0
TITLE_H = 40.0
FOOTER_H = 150.0
GREY = Color(0.93, 0.93, 0.93)
SEAL_RED = Color(0.8, 0.1, 0.1)


def find_font() -> Path:
    """The IPAex Mincho file: a configured path, Debian's location, or anywhere under the font directories."""
    configured = getattr(settings, "LGCLOUD_CERTIFICATE_FONT", "") or os.environ.get("LGCLOUD_CERTIFICATE_FONT")
    if configured and Path(configured).is_file():
        return Path(configured)
    for folder in FONT_DIRS:
        if (folder / FONT_FILE).is_file():
            return folder / FONT_FILE
    for folder in FONT_DIRS[2:]:
        if folder.is_dir():
            for found in folder.rglob(FONT_FILE):
                return found
    raise CertificateFontMissing(
        "証明書に埋め込む日本語フォント（IPAex明朝 ipaexm.ttf）が見つからないため、証明書を作成できません。"
        "サーバーに fonts-ipaexfont-mincho をインストールしてください（apt-get install fonts-ipaexfont-mincho）。"
    )


@functools.cache
def register_font() -> str:
    # A TTFont is embedded as a subset of the glyphs used, so the PDF reads the same everywhere.
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(find_font())))
    return FONT_NAME


def _width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, FONT_NAME, size))


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and _width(line + ch, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]


def _fit(text: str, width: float, size: float) -> tuple[float, list[str]]:
    """Shrink to fit one line; wrap at the smallest size when even that is too wide."""
    s = size
    while s >= MIN_FONT_SIZE:
        if _width(text, s) <= width:
            return s, [text]
        s -= 1
    return MIN_FONT_SIZE, _wrap(text, width, MIN_FONT_SIZE)


@dataclass
class _Laid:
    label: str
    value: str
    x: float
    label_w: float
    value_w: float
    label_fit: tuple[float, list[str]]
    value_fit: tuple[float, list[str]]


@dataclass
class _Row:
    cells: list[_Laid]
    height: float


def _lay_row(cells: list[_Cell]) -> _Row:
    span = CONTENT_W / len(cells)
    laid = []
    height = ROW_H + (4 if any(c.big for c in cells) else 0)
    for i, c in enumerate(cells):
        value_w = span - LABEL_W
        lf = _fit(c.label, LABEL_W - 2 * PAD, FONT_SIZE - 0.5)
        vf = _fit(c.value, value_w - 2 * PAD, BIG_FONT_SIZE if c.big else FONT_SIZE)
        for size, lines in (lf, vf):
            if len(lines) > 1:
                height = max(height, len(lines) * WRAP_LINE_H + 6)
            else:
                height = max(height, size + 6)
        laid.append(_Laid(c.label, c.value, MARGIN_X + i * span, LABEL_W, value_w, lf, vf))
    return _Row(laid, height)


def _lay_block(cells: list[_Cell]) -> list[_Row]:
    """Wide items take a row; the others go two to a row, in order."""
    rows: list[_Row] = []
    pending: list[_Cell] = []
    for c in cells:
        if c.wide:
            if pending:
                rows.append(_lay_row(pending))
                pending = []
            rows.append(_lay_row([c]))
        else:
            pending.append(c)
            if len(pending) == 2:
                rows.append(_lay_row(pending))
                pending = []
    if pending:
        rows.append(_lay_row(pending))
    return rows


def _height(rows: list[_Row]) -> float:
    return sum(r.height for r in rows)


@dataclass
class _Page:
    header: list[_Row]
    blocks: list[list[_Row]]


def _capacity(header: list[_Row]) -> float:
    return TOP - TITLE_H - _height(header) - BLOCK_GAP - (BOTTOM + 16)


def _blocks_height(blocks: list[list[_Row]]) -> float:
    return sum(_height(b) + BLOCK_GAP for b in blocks)


def _paginate(header: list[_Row], blocks: list[list[_Row]]) -> list[_Page]:
    """Up to four persons a page as space allows; the last page keeps room for the 認証文."""
    cap = _capacity(header)
    pages: list[list[list[_Row]]] = [[]]
    for b in blocks:
        if pages[-1] and (len(pages[-1]) == PERSONS_PER_PAGE or _blocks_height([*pages[-1], b]) > cap):
            pages.append([])
        pages[-1].append(b)
    while len(pages[-1]) > 1 and _blocks_height(pages[-1]) + FOOTER_H > cap:
        moved: list[list[_Row]] = []
        while len(pages[-1]) > 1 and _blocks_height(pages[-1]) + FOOTER_H > cap:
            moved.insert(0, pages[-1].pop())
        pages.append(moved)
    return [_Page(header, p) for p in pages]


def _draw_text(c: Canvas, fit: tuple[float, list[str]], x: float, y_top: float, height: float) -> None:
    size, lines = fit
    c.setFont(FONT_NAME, size)
    line_h = WRAP_LINE_H if len(lines) > 1 else size
    y = y_top - (height - len(lines) * line_h) / 2 - line_h + (line_h - size) / 2 + size * 0.12
    for line in lines:
        c.drawString(x, y, line)
        y -= line_h


def _draw_rows(c: Canvas, rows: list[_Row], y_top: float) -> float:
    y = y_top
    for row in rows:
        for cell in row.cells:
            c.setFillColor(GREY)
            c.rect(cell.x, y - row.height, cell.label_w, row.height, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.rect(cell.x, y - row.height, cell.label_w + cell.value_w, row.height, stroke=1, fill=0)
            c.line(cell.x + cell.label_w, y, cell.x + cell.label_w, y - row.height)
            _draw_text(c, cell.label_fit, cell.x + PAD, y, row.height)
            _draw_text(c, cell.value_fit, cell.x + cell.label_w + PAD, y, row.height)
        y -= row.height
    c.setLineWidth(1.2)
    c.rect(MARGIN_X, y, CONTENT_W, y_top - y, stroke=1, fill=0)
    c.setLineWidth(0.5)
    return y


@dataclass
class _Footer:
    certification: str
    issued_on: dt.date
    mayor: str
    fee: int
    issue_no: int | None
    code: str | None


def _draw_seal(c: Canvas, mayor: str, x: float, y: float, size: float) -> None:
    # Stands in for the municipality's 電子公印 until its image is configured.
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(1.5)
    c.rect(x, y, size, size, stroke=1, fill=0)
    text = mayor + "之印"
    per_line = max(1, (len(text) + 1) // 2)
    lines = [text[i:i + per_line] for i in range(0, len(text), per_line)]
    fsize = min(10.0, (size - 8) / per_line)
    c.setFont(FONT_NAME, fsize)
    ty = y + size / 2 + (len(lines) - 1) * fsize / 2 - fsize / 3
    for line in lines:
        c.drawCentredString(x + size / 2, ty, line)
        ty -= fsize * 1.1
    c.restoreState()


def _draw_footer(c: Canvas, f: _Footer) -> None:
    top = BOTTOM + 16 + FOOTER_H - 8
    c.setFont(FONT_NAME, 10.5)
    c.drawString(MARGIN_X, top - 12, f.certification)
    c.drawString(MARGIN_X + 24, top - 34, format_wareki(f.issued_on))
    c.setFont(FONT_NAME, 13)
    seal = 46.0
    seal_x = PAGE_W - MARGIN_X - seal
    c.drawRightString(seal_x - 10, top - 62, f.mayor)
    _draw_seal(c, f.mayor, seal_x, top - 80, seal)
    qr_size = 72.0
    qr_y = BOTTOM + 20
    text_x = MARGIN_X + qr_size + 12
    if f.code:
        widget = QrCodeWidget(verification_url(f.code), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, MARGIN_X, qr_y)
        code_line = f"照合番号　{format_code(f.code)}"
        url_line = f"照合ページ　{verification_url(f.code)}"
    else:
        c.setDash(3, 3)
        c.rect(MARGIN_X, qr_y, qr_size, qr_size, stroke=1, fill=0)
        c.setDash()
        code_line = "照合番号　（見本のため付番しません）"
        url_line = "照合ページ　（見本）"
    y = qr_y + qr_size - 10
    c.setFont(FONT_NAME, 10)
    c.drawString(text_x, y, code_line)
    c.setFont(FONT_NAME, 7.5)
    c.drawString(text_x, y - 13, url_line)
    c.setFont(FONT_NAME, 9.5)
    c.drawString(text_x, y - 28, f"手数料　{f.fee:,}円")
    c.drawString(text_x, y - 42, f"発行番号　{_issue_no_text(f.issue_no)}")
    c.setFont(FONT_NAME, 7.5)
    c.drawString(text_x, y - 56, "照合ページでは、この証明書の発行の事実とPDFファイルの同一性を確認できます（個人情報は表示されません）。")


def _issue_no_text(issue_no: int | None) -> str:
    return f"第{issue_no}号" if issue_no is not None else "（見本）"


def _draw_watermark(c: Canvas) -> None:
    c.saveState()
    c.setFillColor(Color(0.55, 0.55, 0.55, alpha=0.35))
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(35)
    c.setFont(FONT_NAME, 160)
    c.drawCentredString(0, -55, "見本")
    c.restoreState()


def render_pdf(req: _Request, municipality: Municipality, *, issued_on: dt.date, fee: int,
               issue_no: int | None = None, code: str | None = None) -> tuple[bytes, int]:
    """The certificate as PDF bytes and its page count. Without issue_no and code it is a 見本 (preview)."""
    register_font()
    heads = _Heads(req.as_of)
    blocks = []
    for s in req.subjects:
        past = _past(s.person, s.state, req.as_of, req.options)
        cells = _person_cells(s.state, req.kind, req.options, municipality, past)
        blocks.append(_lay_block(cells + (past.lines if req.options["history"] else [])))
    if req.layout == CertificateLayout.HOUSEHOLD:
        pages = _paginate(_lay_block(_header_cells(req.subjects[0].state, req.options, heads)), blocks)
    else:
        pages = [_Page(_lay_block(_header_cells(s.state, req.options, heads)), [b])
                 for s, b in zip(req.subjects, blocks, strict=True)]
    sample = code is None
    footer = _Footer(_certification(req), issued_on, f"{municipality.name}長", fee, issue_no, code)
    title = _title(req)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, lang="ja")
    c.setTitle(title + ("（見本）" if sample else ""))
    c.setAuthor(f"{municipality.prefecture}{municipality.name}")
    c.setCreator("lgcloud")
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        c.setLineWidth(0.5)
        c.setFont(FONT_NAME, 16)
        c.drawCentredString(PAGE_W / 2, TOP - 18, title)
        y = _draw_rows(c, page.header, TOP - TITLE_H) - BLOCK_GAP
        for block in page.blocks:
            y = _draw_rows(c, block, y) - BLOCK_GAP
        if number == total:
            _draw_footer(c, footer)
        c.setFont(FONT_NAME, 9)
        c.drawCentredString(PAGE_W / 2, BOTTOM - 12, f"{number}/{total}")
        c.drawRightString(PAGE_W - MARGIN_X, BOTTOM - 12, f"発行番号 {_issue_no_text(issue_no)}")
        if sample:
            _draw_watermark(c)
        c.showPage()
    c.save()
    return buffer.getvalue(), total
