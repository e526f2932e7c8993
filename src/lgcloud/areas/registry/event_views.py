"""異動届の画面: one form per 異動, each posting to its service.

A view parses the form into the service's keyword arguments, calls the service (or, for a counter
contractor, approvals.prepare so that a clerk approves it later) and redirects to the person or the
household. Errors come back as the service's Japanese message next to the field it names (400), an
alert of 抑止・支援措置 as a confirmation step (409), a stale edit as the conflict message (409).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lgcloud.areas.registry import approvals, display, reading, transfer
from lgcloud.areas.registry.actions.address import address_setting, move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
from lgcloud.areas.registry.actions.common import get_person, person_items
from lgcloud.areas.registry.actions.household import composition_change, head_change, household_merge, household_split
from lgcloud.areas.registry.actions.move_in import birth, ex_officio_entry, move_in
from lgcloud.areas.registry.actions.person import (
    change_individual_number,
    change_residence_status,
    change_resident_code,
    correct,
    nationality_loss,
    naturalization,
)
from lgcloud.areas.registry.actions.removal import death, disappearance, ex_officio_removal, move_out
from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.forms import (
    FOREIGN_ITEMS,
    PERSON_ROW,
    RELATIONSHIP_TERMS,
    PersonRowForm,
    RegistryForm,
)
from lgcloud.areas.registry.models import EventKind, Sex, TransferKind, TransferMessage
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.web.decorators import staff

MAX_ROWS = 12
DATES = ("effective_on", "notified_on")
ADDRESS = ("address", "address_extra", "postal_code", "district", "address_code")


# --- parsing helpers ------------------------------------------------------------------------------


def _date(form: RegistryForm, name: str) -> str:
    label = str(form.fields[name].label) if name in form.fields else name
    day = reading.parse_date(form.raw(name), name, label)
    return day.isoformat() if day else ""


def _int(form: RegistryForm, name: str) -> int | None:
    raw = form.raw(name)
    if not raw:
        return None
    text = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text.isdigit():
        label = form.fields[name].label if name in form.fields else name
        raise ValidationFailed(f"{label}は数字で入力してください。", field=name)
    return int(text)


def _ints(form: RegistryForm, name: str) -> list[int]:
    return [int(v) for v in form.raw_list(name) if v.isdigit()]


def _address(form: RegistryForm) -> dict[str, str]:
    return {name: form.raw(name) for name in ADDRESS}


def _rels(form: RegistryForm, numbers: Sequence[int]) -> dict[int, str]:
    return {n: form.raw(f"rel_{n}") for n in numbers if form.raw(f"rel_{n}")}


def _versions(form: RegistryForm) -> dict[int, int] | None:
    seen = {}
    for key in form.data if form.is_bound else ():
        if key.startswith("version_") and key[8:].isdigit() and str(form.data[key]).isdigit():
            seen[int(key[8:])] = int(form.data[key])
    return reading.versions_by_pk(seen)


def _items(form: RegistryForm, names: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name == "kana_certified":
            out[name] = form.flag(name)
        elif name in ("birth_date", "stay_expires_on"):
            if form.raw(name):
                out[name] = _date(form, name)
        elif form.raw(name):
            out[name] = form.raw(name)
    return out


# --- the forms' context: who the 異動 is about -------------------------------------------------------


@dataclass
class Member:
    person_no: int
    name: str
    kana: str
    birth: str
    sex: str
    relationship: str
    version: str
    picked: bool = False
    rel_value: str = ""
    subject: bool = False  # the person the 異動 is about (on a person's form): not offered as new head


@dataclass
class Context:
    household: reading.HouseholdFile | None = None
    person: reading.PersonFile | None = None
    message: TransferMessage | None = None
    members: list[Member] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    @property
    def member_numbers(self) -> list[int]:
        return [m.person_no for m in self.members]


@dataclass
class Ctx:
    """What a form needs: the request's form, the context and the spec."""

    form: RegistryForm
    context: Context
    rows: list[PersonRowForm]


@dataclass(frozen=True)
class Spec:
    slug: str
    label: str
    service: Callable[..., EventResult]
    build: Callable[[Ctx], dict[str, Any]]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    needs: str = ""  # "" | "household" | "person" | "message"
    operation: str | None = None  # the approvals operation a counter contractor prepares
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    pick: str = ""  # the members' checkbox column (person_nos), e.g. 「転出する」
    rel: str = ""  # the members' 続柄 column, e.g. 「新しい続柄」
    prefill_rel: bool = False
    after: str = "household"  # "household" | "new_household" | "person"
    aliases: Mapping[str, str] = field(default_factory=dict)
    optional: bool = False
    head_choices: tuple[str, ...] = ()  # select fields offered the household's members
    ack: bool = True  # the service takes acknowledge_alerts (it runs the 抑止 check)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for _legend, names in self.groups for n in names)


# --- the builders: form → the service's keyword arguments ---------------------------------------------


def _dates(form: RegistryForm, *names: str) -> dict[str, str]:
    return {n: _date(form, n) for n in (names or DATES)}


def _common(c: Ctx, *, versions: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"reason": c.form.raw("reason")}
    if versions:
        out["versions"] = _versions(c.form)
    return out


def _household_no(c: Ctx) -> int:
    assert c.context.household is not None
    return c.context.household.household.household_no


def _person_no(c: Ctx) -> int:
    assert c.context.person is not None
    return c.context.person.person.person_no


def _row_items(row: PersonRowForm) -> dict[str, Any]:
    items = row.items()
    for name in ("birth_date", "stay_expires_on"):
        if name in items:
            items[name] = _date(row, name)
    return items


MOVE_IN_KINDS = (EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN)


def check_move_in_kind(kind: str | None) -> None:
    if kind and kind not in MOVE_IN_KINDS:
        allowed = "、".join(f"{k.label}（{k.value}）" for k in MOVE_IN_KINDS)
        raise ValidationFailed(f"転入の種別は {allowed} のいずれかです。", field="kind")


def build_move_in(c: Ctx) -> dict[str, Any]:
    persons, returning = [], {}
    for row in c.rows:
        if row.blank():
            continue
        if row.raw("re_person_no"):
            returning[_int(row, "re_person_no") or 0] = {"relationship": row.raw("relationship")}
            continue
        persons.append(_row_items(row))
    kwargs: dict[str, Any] = {
        "persons": persons, "address": _address(c.form), **_dates(c.form),
        "household_no": _int(c.form, "household_no"), "reason": c.form.raw("reason"),
    }
    if returning:
        kwargs["re_move_in"] = returning
    if "move_in_kind" in c.form.fields and c.form.raw("move_in_kind"):
        check_move_in_kind(c.form.raw("move_in_kind"))
        kwargs["kind"] = c.form.raw("move_in_kind")
    if c.form.raw("previous_address") or "move_in_kind" in c.form.fields:
        kwargs["previous_address"] = c.form.raw("previous_address")
    return kwargs


def build_move_in_from_certificate(c: Ctx) -> dict[str, Any]:
    assert c.context.message is not None
    return {"message_id": c.context.message.pk, "address": _address(c.form), **_dates(c.form),
            "household_no": _int(c.form, "household_no"), "relationships": _rels(c.form, c.context.member_numbers)}


def build_move_within(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "address": _address(c.form), **_dates(c.form), **_common(c)}


def build_move_out(c: Ctx) -> dict[str, Any]:
    leaving = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in leaving]
    return {"person_nos": leaving, "destination": c.form.raw("destination"),
            "destination_code": c.form.raw("destination_code") or None, **_dates(c.form),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, staying),
            **_common(c)}


def build_household_split(c: Ctx) -> dict[str, Any]:
    moving = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in moving]
    address = _address(c.form)
    return {"person_nos": moving, "new_head_person_no": _int(c.form, "new_head_person_no"),
            "address": address if address["address"] else None, "relationships": _rels(c.form, moving),
            "remaining_head_person_no": _int(c.form, "remaining_head_person_no"),
            "remaining_relationships": _rels(c.form, staying), **_dates(c.form), **_common(c)}


def build_household_merge(c: Ctx) -> dict[str, Any]:
    return {"from_household_no": _household_no(c), "into_household_no": _int(c.form, "into_household_no"),
            "relationships": _rels(c.form, c.context.member_numbers), **_dates(c.form), **_common(c)}


def build_head_change(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "new_head_person_no": _int(c.form, "new_head_person_no"),
            "relationships": _rels(c.form, c.context.member_numbers), **_dates(c.form), **_common(c)}


def build_composition_change(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "relationships": _rels(c.form, c.context.member_numbers),
            **_dates(c.form), **_common(c)}


BIRTH_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified", "sex",
               "relationship", "resident_type", "registered_domicile", "domicile_head", "individual_number",
               "resident_code", *FOREIGN_ITEMS)


def build_birth(c: Ctx) -> dict[str, Any]:
    return {"child": _items(c.form, [n for n in BIRTH_ITEMS if n in c.form.fields]),
            "household_no": _household_no(c), **_dates(c.form),
            "mother_person_no": _int(c.form, "mother_person_no"), "reason": c.form.raw("reason")}


def _others(c: Ctx) -> list[int]:
    person = _person_no(c)
    return [n for n in c.context.member_numbers if n != person]


def build_death(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "death_date": _date(c.form, "death_date"),
            "death_date_precision": c.form.raw("death_date_precision") or "day",
            "notified_on": _date(c.form, "notified_on"), "new_head_person_no": _int(c.form, "new_head_person_no"),
            "relationships": _rels(c.form, _others(c)), **_common(c)}


def build_disappearance(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), **_dates(c.form, "declared_on", "notified_on"),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, _others(c)),
            **_common(c, versions=False)}


def build_ex_officio_removal(c: Ctx) -> dict[str, Any]:
    removed = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in removed]
    return {"person_nos": removed, **_dates(c.form, "effective_on"), "reason": c.form.raw("reason"),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, staying)}


CORRECTION_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "former_family_name",
                    "birth_date", "birth_date_precision", "sex", "registered_domicile", "domicile_head",
                    "alphabet_name", "alias", "nationality", "residence_card_number")


def build_correction(c: Ctx) -> dict[str, Any]:
    items = _items(c.form, [n for n in CORRECTION_ITEMS if n != "birth_date_precision"])
    if c.form.raw("birth_date_precision"):
        items["birth_date_precision"] = c.form.raw("birth_date_precision")
    return {"kind": c.form.raw("correction_kind"), "person_no": _person_no(c), "items": items,
            "reason": c.form.raw("reason"), "corrects_event_id": _int(c.form, "corrects_event_id"),
            "effective_on": _date(c.form, "correction_on") or None, "versions": _versions(c.form)}


def build_individual_number(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "individual_number": c.form.raw("individual_number"),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_resident_code(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "resident_code": c.form.raw("resident_code"),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_residence_status(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "residence_status": c.form.raw("residence_status"),
            "period_of_stay": c.form.raw("period_of_stay"), "stay_expires_on": _date(c.form, "stay_expires_on"),
            "residence_card_number": c.form.raw("residence_card_number"), "renewal": c.form.flag("renewal"),
            **_dates(c.form, "effective_on"), **_common(c)}


NATURALIZATION_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "registered_domicile",
                        "domicile_head")


def build_naturalization(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "japanese": _items(c.form, NATURALIZATION_ITEMS),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_nationality_loss(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "foreign": _items(c.form, FOREIGN_ITEMS),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_cancellation(c: Ctx) -> dict[str, Any]:
    return {"event_id": _int(c.form, "event_id"), "reason": c.form.raw("reason")}


# --- the specs ---------------------------------------------------------------------------------------

_ADDR = ("新しい住所", ADDRESS)
_WHEN = ("異動日と届出日", (*DATES, "reason"))
_HEAD = ("世帯主が抜ける場合", ("new_head_person_no",))

SPECS: dict[str, Spec] = {s.slug: s for s in (
    Spec("move_in", "転入", move_in, build_move_in, operation="move_in",
         description="他の市区町村・国外からの転入、再転入。家族は1人ずつ入力し、続柄を記入します。",
         groups=(("転入", ("move_in_kind", "previous_address", "household_no")), ("転入先の住所", ADDRESS), _WHEN),
         labels={"household_no": "既存の世帯に入る場合の世帯番号"}),
    Spec("ex_officio_entry", "職権記載", ex_officio_entry, build_move_in,
         description="届出によらず、実態調査等により職権で住民票を作成します。",
         groups=(("職権記載", ("previous_address", "household_no")), ("住所", ADDRESS), _WHEN),
         labels={"household_no": "既存の世帯に入る場合の世帯番号", "previous_address": "従前の住所（分かる場合）"}),
    Spec("move_in_from_certificate", "転入（転出証明書情報）", transfer.move_in_from_certificate,
         build_move_in_from_certificate, needs="message", operation="move_in_from_certificate",
         description="グループの構成団体から届いた転出証明書情報をもとに転入を記録します。",
         groups=(("転入先の住所", ADDRESS), ("異動日と届出日", DATES), ("世帯", ("household_no",))),
         labels={"household_no": "既存の世帯に入る場合の世帯番号"}, rel="転入後の続柄", prefill_rel=True),
    Spec("move_within", "転居", move_within, build_move_within, needs="household", operation="move_within",
         description="世帯全員が市区町村の中で住所を変えます。", groups=(_ADDR, _WHEN)),
    Spec("address_setting", "住所設定", address_setting, build_move_within, needs="household",
         description="住居表示の実施などで、転居せずに住所が変わります。", groups=(_ADDR, _WHEN)),
    Spec("move_out", "転出", move_out, build_move_out, needs="household", operation="move_out",
         description="転出予定日で除票になります。転出先がグループの構成団体なら転出証明書情報を送ります。",
         groups=(("転出先", ("destination", "destination_code")), _HEAD, _WHEN),
         labels={"effective_on": "転出予定日"}, pick="転出する", rel="残る世帯員の新しい続柄（世帯主が転出する場合）",
         head_choices=("new_head_person_no",), after="household"),
    Spec("household_split", "世帯分離", household_split, build_household_split, needs="household",
         operation="household_split", description="世帯員の一部が新しい世帯をつくります（住所を変えない場合は住所欄を空欄）。",
         groups=(("新しい世帯", ("new_head_person_no", "remaining_head_person_no")),
                 ("新しい世帯の住所（同じ住所なら空欄）", ADDRESS), _WHEN),
         labels={"new_head_person_no": "新しい世帯の世帯主", "address": "住所"}, pick="分離する",
         rel="新しい続柄", head_choices=("new_head_person_no", "remaining_head_person_no"), after="new_household",
         optional=True),
    Spec("household_merge", "世帯合併", household_merge, build_household_merge, needs="household",
         operation="household_merge", description="この世帯の全員が他の世帯に入り、この世帯は消除されます。",
         groups=(("合併先", ("into_household_no",)), _WHEN), rel="合併後の続柄"),
    Spec("head_change", "世帯主変更", head_change, build_head_change, needs="household",
         operation="head_change", description="新しい世帯主を選び、全員の続柄を新しい世帯主から見た続柄で記入します。",
         groups=(("新しい世帯主", ("new_head_person_no",)), _WHEN), rel="新しい続柄",
         head_choices=("new_head_person_no",)),
    Spec("composition_change", "世帯構成変更", composition_change, build_composition_change,
         needs="household", operation="composition_change", description="世帯主は変えずに続柄を変更します（例: 同居人 → 妻（未届））。",
         groups=(_WHEN,), rel="続柄", prefill_rel=True),
    Spec("birth", "出生", birth, build_birth, needs="household", operation="birth",
         description="戸籍の届出の通知により、出生した子をこの世帯に記載します。",
         groups=(("出生した子", ("family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified",
                             "sex", "relationship", "mother_person_no", "resident_type", "registered_domicile",
                             "domicile_head", "individual_number", "resident_code")),
                 ("外国人住民の場合", FOREIGN_ITEMS), _WHEN),
         labels={"effective_on": "出生日", "relationship": "続柄（世帯主から見て）"}, head_choices=("mother_person_no",)),
    Spec("death", "死亡", death, build_death, needs="person", operation="death",
         description="死亡の届出（戸籍の通知）により消除します。",
         groups=(("死亡", ("death_date", "death_date_precision", "notified_on", "reason")), _HEAD),
         rel="残る世帯員の新しい続柄（世帯主が死亡した場合）", head_choices=("new_head_person_no",), after="person"),
    Spec("disappearance", "失踪", disappearance, build_disappearance, needs="person",
         description="失踪宣告により消除します。",
         groups=(("失踪宣告", ("declared_on", "notified_on", "reason")), _HEAD),
         rel="残る世帯員の新しい続柄（世帯主の場合）", head_choices=("new_head_person_no",), after="person"),
    Spec("ex_officio_removal", "職権消除", ex_officio_removal, build_ex_officio_removal, needs="household",
         description="実態調査で居住の事実がない場合などに、職権で消除します。",
         groups=(("職権消除", ("effective_on", "reason")), _HEAD), pick="消除する",
         rel="残る世帯員の新しい続柄（世帯主を消除する場合）", head_choices=("new_head_person_no",),
         labels={"reason": "職権消除の理由"}),
    Spec("correction", "職権修正・軽微な修正・誤記修正", correct, build_correction, needs="person",
         description="修正する項目だけを入力します（空欄の項目は変わりません）。",
         groups=(("修正", ("correction_kind", "corrects_event_id", "correction_on", "reason")),
                 ("修正後の内容", CORRECTION_ITEMS)),
         labels={"reason": "修正の理由"}, aliases={"kind": "correction_kind", "effective_on": "correction_on",
                                                 "items": "family_name"},
         optional=True, after="person"),
    Spec("individual_number", "個人番号の記載・変更", change_individual_number, build_individual_number,
         needs="person", groups=(("個人番号", ("individual_number", "effective_on", "reason")),), after="person"),
    Spec("resident_code", "住民票コードの記載・変更", change_resident_code, build_resident_code,
         needs="person", groups=(("住民票コード", ("resident_code", "effective_on", "reason")),), after="person"),
    Spec("residence_status", "在留資格変更・在留期間更新", change_residence_status, build_residence_status,
         needs="person", description="出入国在留管理庁からの通知により記載します。",
         groups=(("在留資格", ("renewal", "residence_status", "period_of_stay", "stay_expires_on",
                            "residence_card_number", "effective_on", "reason")),), after="person",
         labels={"stay_expires_on": "在留期間の満了日"}),
    Spec("naturalization", "帰化", naturalization, build_naturalization, needs="person",
         description="外国人住民が帰化し、日本人住民の住民票になります。",
         groups=(("帰化後の氏名と本籍", NATURALIZATION_ITEMS), ("異動日", ("effective_on", "reason"))), after="person",
         labels={"registered_domicile": "本籍"}),
    Spec("nationality_loss", "国籍喪失", nationality_loss, build_nationality_loss, needs="person",
         description="日本の国籍を失い、外国人住民の住民票になります。",
         groups=(("外国人住民の事項", FOREIGN_ITEMS), ("異動日", ("effective_on", "reason"))), after="person"),
    Spec("cancellation", "異動の取消し", cancel_event, build_cancellation, needs="person",
         description="誤って記録した異動を取り消します。取消しも異動として記録されます（後の異動から順に取り消します）。",
         groups=(("取消し", ("event_id", "reason")),), labels={"reason": "取消しの理由"}, after="person",
         ack=False),
)}

# Which forms appear on a household's or a person's page.
HOUSEHOLD_EVENTS = ("move_within", "move_out", "household_split", "household_merge", "head_change",
                    "composition_change", "birth", "address_setting", "ex_officio_removal")
PERSON_EVENTS = ("death", "correction", "individual_number", "resident_code", "residence_status", "naturalization",
                 "nationality_loss", "cancellation", "disappearance")


def mode_for(user: Any, spec: Spec) -> str | None:
    """'change' for a clerk, 'prepare' for a counter contractor (when approvals take this 異動), else None."""
    if user.has_cap(Cap.REGISTRY_CHANGE):
        return "change"
    if user.has_cap(Cap.REGISTRY_PREPARE) and spec.operation:
        return "prepare"
    return None


def available(user: Any, slugs: Sequence[str]) -> list[tuple[str, str]]:
    return [(s, SPECS[s].label) for s in slugs if mode_for(user, SPECS[s])]


# --- loading the context -------------------------------------------------------------------------------


def _number(request: HttpRequest, name: str) -> int | None:
    raw = (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name) or ""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        label = {"household_no": "世帯番号", "person_no": "宛名番号", "message_id": "転出証明書情報"}.get(name, name)
        raise ValidationFailed(f"{label}は数字で入力してください。", field=f"ctx_{name}")
    return int(raw)


def _member(state: Mapping[str, Any], version: Any) -> Member:
    return Member(person_no=state["person_no"], name=display.name_text(state), kana=display.kana_text(state),
                  birth=display.birth_text(state), sex=display.value_text("sex", state),
                  relationship=state.get("relationship") or "", version=str(version))


def load_context(request: HttpRequest, spec: Spec) -> Context:
    purpose = f"{spec.label}の入力"
    ctx = Context()
    if spec.needs == "message":
        number = _number(request, "message_id")
        if number is None:
            raise ValidationFailed("受信箱から転出証明書情報を選んでください。", field="ctx_message_id")
        ctx.message = next((m for m in transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE) if m.pk == number), None)
        if ctx.message is None:
            raise ValidationFailed("この転出証明書情報はありません（処理済みの可能性があります）。", field="ctx_message_id")
        for item in ctx.message.payload.get("persons", []):
            ctx.members.append(_member({**item, "person_no": item["sender_person_no"]}, ""))
        return ctx
    if spec.needs == "person":
        number = _number(request, "person_no")
        if number is None:
            raise ValidationFailed("宛名番号を入力してください。", field="ctx_person_no")
        ctx.person = reading.open_person(number, acknowledge_alerts=True, purpose=purpose)
        ctx.alerts = ctx.person.alerts
        person = ctx.person.person
        if person.household_id and spec.head_choices:
            ctx.household = reading.open_household(person.household.household_no,  # type: ignore[union-attr]
                                                    acknowledge_alerts=True, purpose=purpose)
            ctx.members = [_member(s, s["version"]) for s in ctx.household.members]
        else:
            ctx.members = [_member(reading.current_state(person), person.version)]
        for m in ctx.members:
            m.subject = m.person_no == person.person_no
        return ctx
    if spec.needs == "household":
        number = _number(request, "household_no")
        if number is None and _number(request, "person_no") is not None:
            person = get_person(_number(request, "person_no") or 0)
            number = person.household.household_no if person.household else None
        if number is None:
            raise ValidationFailed("世帯番号か宛名番号を入力してください。", field="ctx_household_no")
        ctx.household = reading.open_household(number, acknowledge_alerts=True, purpose=purpose)
        ctx.alerts = ctx.household.alerts
        ctx.members = [_member(s, s["version"]) for s in ctx.household.members]
    return ctx


# --- the view ---------------------------------------------------------------------------------------------


def _form(request: HttpRequest, spec: Spec, ctx: Context) -> Ctx:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"notified_on": timezone.localdate().isoformat(), "resident_type": "japanese",
                               "birth_date_precision": "day"}
    form = RegistryForm(data, names=spec.names, labels=spec.labels, optional=spec.optional, initial=initial)
    others = [m for m in ctx.members if not m.subject]
    choices = [(str(m.person_no), f"{m.name}（宛名番号 {m.person_no}・{m.relationship}）") for m in others]
    for name in spec.head_choices:
        if name == "mother_person_no":
            women = [c for c, m in zip(choices, others, strict=True) if m.sex == Sex.FEMALE.label]
            form.fields[name].widget.choices = [form.fields[name].widget.choices[0], *women]
        else:
            form.fields[name].widget.choices = [("", "選んでください"), *choices]
    if "destination_code" in form.fields:
        form.fields["destination_code"].widget.choices = [form.fields["destination_code"].widget.choices[0],
                                                          *_group_members()]
    if "corrects_event_id" in form.fields or "event_id" in form.fields:
        events = _events_of(ctx)
        for name in ("corrects_event_id", "event_id"):
            if name in form.fields:
                form.fields[name].widget.choices = [form.fields[name].widget.choices[0], *events]
    picked = set(form.raw_list("person_nos")) if form.is_bound else set()
    for m in ctx.members:
        if form.is_bound:
            m.picked = str(m.person_no) in picked
            m.rel_value = form.raw(f"rel_{m.person_no}")
            m.version = form.raw(f"version_{m.person_no}") or m.version
        elif spec.prefill_rel:
            m.rel_value = m.relationship
    rows: list[PersonRowForm] = []
    if spec.build is build_move_in:
        count = 1
        if data is not None and str(data.get("rows", "")).isdigit():
            count = max(1, min(int(data["rows"]), MAX_ROWS))
        if data is not None and "add_row" in data:
            count = min(count + 1, MAX_ROWS)
        rows = [PersonRowForm(data, prefix=f"p{i}", initial=initial) for i in range(count)]
    return Ctx(form, ctx, rows)


def _group_members() -> list[tuple[str, str]]:
    me = require_municipality()
    membership = me.current_membership()
    if membership is None:
        return []
    return [(m.code, f"{m.prefecture}{m.name}") for m in membership.group.members_on().exclude(pk=me.pk)
            .order_by("code")]


def _events_of(ctx: Context) -> list[tuple[str, str]]:
    if ctx.person is None:
        return []
    out = []
    for s in reversed(ctx.person.snapshots):
        ev = s.event
        if ev.kind == EventKind.CANCELLATION or ev.pk in ctx.person.cancelled:
            continue
        out.append((str(ev.pk), f"履歴{s.history_no} {EventKind(ev.kind).label}（異動日 "
                                f"{display.wareki(ev.effective_on)}）"))
    return out


def _place_error(c: Ctx, spec: Spec, e: LgcloudError) -> tuple[str | None, str]:
    """Put the message next to its field; returns where it went (None: the top of the form)."""
    name = spec.aliases.get(e.field or "", e.field or "")
    name = {"new_head": "new_head_person_no", "from_household_no": "household_no", "kind": "move_in_kind"}.get(
        name, name)
    if c.rows and name in PERSON_ROW:
        index = _row_of(c, name, e.message)
        if index is not None:
            c.rows[index].show_error(name, e.message)
            return f"p{index}-{name}", e.message
    if c.form.show_error(name, e.message):
        return name, e.message
    return None, e.message


def _row_of(c: Ctx, name: str, message: str) -> int | None:
    """Which person row an item error belongs to: 「2人目」 in the message, else the first row that fails on it."""
    filled = [i for i, r in enumerate(c.rows) if not r.blank()]
    m = re.search(r"(\d+)人目", message)
    if m and int(m.group(1)) - 1 < len(filled):
        return filled[int(m.group(1)) - 1]
    for i in filled:
        row = c.rows[i]
        if name in ("relationship", "re_person_no") and not row.raw(name):
            return i
        try:
            person_items(_row_items(row), new=True)
        except LgcloudError as err:
            if err.field == name:
                return i
    return filled[0] if filled else None


def _after(spec: Spec, ctx: Context, kwargs: Mapping[str, Any], result: EventResult) -> str:
    if spec.after != "person":
        active = [h for h in result.households if h.status == "active"]
        current = ctx.household.household.pk if ctx.household else None
        chosen = None
        if spec.after == "new_household":
            chosen = next((h for h in active if h.pk != current), None)
        chosen = chosen or next((h for h in active if h.pk == current), None) or (active[0] if active else None)
        if chosen is not None:
            return reverse("registry:household", args=[chosen.household_no])
    number = kwargs.get("person_no") or (kwargs.get("person_nos") or [None])[0]
    if number is None and result.persons:
        number = result.persons[0].person_no
    if number is None and ctx.person is not None:
        number = ctx.person.person.person_no
    return reverse("registry:person", args=[number]) if number else reverse("registry:index")


def _prepare_payload(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What a contractor's entry stores for approval: JSON values, no versions (the clerk approves later)."""
    return {k: v for k, v in kwargs.items() if k != "versions"}


@login_required
@require_http_methods(["GET", "POST"])
def event_form(request: HttpRequest, slug: str) -> HttpResponse:
    spec = SPECS.get(slug)
    if spec is None:
        raise Http404
    user = staff(request)
    mode = mode_for(user, spec)
    if mode is None:
        raise PermissionDenied("この異動を入力する権限がありません。")
    try:
        ctx = load_context(request, spec)
    except ValidationFailed as e:
        quiet = request.method == "GET" and not request.GET  # first visit: just ask for the number
        return render(request, "registry/event_lookup.html", {
            "spec": spec, "error": "" if quiet else e.message, "value": request.GET.dict(),
        }, status=200 if quiet else 400)
    c = _form(request, spec, ctx)
    status, alerts, errors = 200, [], []
    if request.method == "POST" and "add_row" not in request.POST:
        acknowledged = request.POST.get("acknowledge_alerts") == "1"
        try:
            kwargs = spec.build(c)
            if mode == "change":
                ack = {"acknowledge_alerts": acknowledged} if spec.ack else {}
                result = spec.service(**kwargs, **ack)
            else:
                prepared = approvals.prepare(spec.operation or "", _prepare_payload(kwargs))
        except RestrictionAlert as e:
            status, alerts = 409, e.alerts
        except LgcloudError as e:
            status = e.status_code
            errors.append(_place_error(c, spec, e))
        else:
            if mode == "prepare":
                messages.success(request, f"{spec.label}を受付しました（受付番号 {prepared.pk}）。職員の承認で確定します。")
                return redirect("registry:approvals")
            messages.success(request, f"{spec.label}を記録しました。")
            return redirect(_after(spec, ctx, kwargs, result))
    return render(request, "registry/event_form.html", {
        "spec": spec, "form": c.form, "ctx": ctx, "mode": mode, "alerts": alerts,
        "top_errors": [m for f, m in errors if f is None], "field_errors": _field_errors(c),
        "groups": [(legend, [c.form[n] for n in names]) for legend, names in spec.groups],
        "rows": [_row_context(i, row) for i, row in enumerate(c.rows)], "row_count": len(c.rows),
        "relationship_terms": RELATIONSHIP_TERMS, "residence_statuses": RESIDENCE_STATUSES,
        "member_columns": bool(spec.pick or spec.rel), "shown_members": [m for m in ctx.members if not m.subject],
    }, status=status)


def _field_errors(c: Ctx) -> list[tuple[str, str, str]]:
    """(input id, label, message) of every field error, for the summary at the top of the form."""
    out = []
    for i, form in [(None, c.form), *enumerate(c.rows)]:
        for bound in form:
            for message in bound.errors:
                label = f"{i + 1}人目の{bound.label}" if i is not None else str(bound.label)
                out.append((str(bound.auto_id), label, str(message)))
    return out


ROW_BASIC = tuple(n for n in PERSON_ROW if n not in FOREIGN_ITEMS and n != "re_person_no")


def _row_context(i: int, row: PersonRowForm) -> dict[str, Any]:
    foreign = [row[n] for n in FOREIGN_ITEMS]
    return {"n": i + 1, "basic": [row[n] for n in ROW_BASIC], "foreign": foreign, "re": row["re_person_no"],
            "open": any(b.errors or row.raw(b.name) for b in foreign) or row.raw("resident_type") == "foreign"}


@login_required
def event_menu(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not (user.has_cap(Cap.REGISTRY_CHANGE) or user.has_cap(Cap.REGISTRY_PREPARE)):
        raise PermissionDenied("異動を入力する権限がありません。")
    groups = [
        ("届出（新しく住民になる）", available(user, ("move_in", "ex_officio_entry"))),
        ("世帯の異動（世帯番号か宛名番号を指定）", available(user, HOUSEHOLD_EVENTS)),
        ("個人の異動（宛名番号を指定）", available(user, PERSON_EVENTS)),
    ]
    return render(request, "registry/event_menu.html", {"groups": [(t, items) for t, items in groups if items],
                                                        "specs": SPECS})


