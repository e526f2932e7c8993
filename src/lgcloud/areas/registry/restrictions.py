"""抑止 and 支援措置: who may not be changed, issued for or looked up, and the protected-from person.

`check` runs before the operation's transaction: a refusal is audited (and committed) and then raised;
alerts are returned, or raised as RestrictionAlert until the clerk acknowledges them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import offender, protection
from lgcloud.areas.registry.models import (
    Household,
    Person,
    RestrictedAction,
    Restriction,
    RestrictionMode,
    SupportMeasure,
    SupportStatus,
)
from lgcloud.areas.registry.offender import Requester
from lgcloud.platform.accounts.roles import Cap, capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.db import fixed
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import current_actor, municipality_scope, require_municipality

F = TypeVar("F", bound=Callable[..., Any])


class RestrictionRefused(PermissionDenied):
    """A refusal. Its audit record (and the offender review it opens) is written where it cannot be rolled
    back: at once when no caller's transaction is open, else by `persist` once the caller's transaction has
    unwound (`refusals_recorded`, the API and the screens)."""

    def __init__(self, message: str, write: Callable[[], None] | None = None) -> None:
        super().__init__(message)
        self._write = write
        self.recorded = write is None

    def settle(self) -> None:
        self.persist()

    def persist(self) -> bool:
        if self.recorded or self._write is None or in_callers_transaction():
            return self.recorded
        self._write()
        self.recorded = True
        return True


def in_callers_transaction() -> bool:
    """True inside an atomic block someone opened (a test case's own wrapping transaction does not count)."""
    blocks = transaction.get_connection().atomic_blocks
    return bool(blocks) and not getattr(blocks[-1], "_from_testcase", False)


@contextmanager
def refusals_recorded() -> Iterator[None]:
    """Around a transaction that may refuse: the refusal's record is written after the rollback."""
    try:
        yield
    except RestrictionRefused as e:
        e.persist()
        raise


class RestrictionAlert(Conflict):
    """An alert the clerk must acknowledge (resubmit with acknowledge_alerts) before going on."""

    def __init__(self, alerts: list[str]) -> None:
        super().__init__("確認が必要です: " + " / ".join(alerts))
        self.alerts = alerts


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later; the last day of the month when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def require(cap: str) -> None:
    actor = current_actor()
    if actor.channel in ("cli", "system"):
        return
    if cap not in capabilities(actor.role):
        raise PermissionDenied("この操作を行う権限がありません。")


def _fiscal_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _param(name: str, on: dt.date) -> int:
    value = params.value(name, _fiscal_year(on), require_municipality())
    return int(value)


# --- checking ------------------------------------------------------------------------------------


def _restrictions_for(persons: list[Person], action: str) -> list[Restriction]:
    households = sorted({p.household_id for p in persons if p.household_id})
    pks = sorted({p.pk for p in persons})
    whose = [f"{{t}}.{column} IN {{in}}" for column, ids in (("person_id", pks), ("household_id", households)) if ids]
    if not whose:
        return []
    # Fixed SQL (text built once per shape): every 照会 and 異動 asks this.
    return fixed.select(Restriction, "{t}.action = %s AND {t}.removed = %s AND {t}.starts_on <= %s AND ("
                        + " OR ".join(whose) + ")",
                        [action, False, timezone.localdate(), *(ids for ids in (pks, households) if ids)])


def active_support_measures(persons: Iterable[Person]) -> list[SupportMeasure]:
    persons = list(persons)
    return support_measures_of({p.pk for p in persons}, {p.person_no for p in persons})


def support_measures_of(ids: set[int], numbers: set[int]) -> list[SupportMeasure]:
    """The 支援措置 not ended that protect any of these persons (by id as applicant, by 宛名番号 as accompanying)."""
    measures = fixed.select(SupportMeasure, "NOT ({t}.status = %s)", [SupportStatus.ENDED])  # fixed SQL: every 照会
    return [m for m in measures if m.applicant_id in ids or numbers & set(m.accompanying)]


def protected_person_ids() -> set[int]:
    """Every person a 支援措置 not ended protects (applicants and accompanying persons)."""
    measures = list(SupportMeasure.objects.exclude(status=SupportStatus.ENDED).values_list("applicant_id",
                                                                                           "accompanying"))
    ids = {applicant for applicant, _ in measures}
    numbers = {int(n) for _, accompanying in measures for n in accompanying or []}
    if numbers:
        ids |= set(Person.objects.filter(person_no__in=numbers).values_list("pk", flat=True))
    return ids


def may_see_protected_locations() -> bool:
    """Only a reader with the lift permission (or the system itself) finds protected persons by where they live."""
    actor = current_actor()
    return actor.channel in ("cli", "system") or Cap.RESTRICTION_LIFT in capabilities(actor.role)


def _refuse(message: str, persons: list[Person], action: str, detail: Mapping[str, Any],
            review: tuple[SupportMeasure, Requester, str] | None = None) -> None:
    municipality, actor = require_municipality(), current_actor()
    numbers = [p.person_no for p in persons]

    def write() -> None:
        with municipality_scope(municipality, actor), transaction.atomic():
            extra: dict[str, Any] = {}
            if review is not None:
                measure, requester, reason = review
                extra["review"] = offender.open_review(measure, action, numbers, requester, reason).pk
            audit.record(f"registry.refused.{action}", object_type="Person",
                         object_id=",".join(map(str, numbers)), purpose=message[:200],
                         detail={"alert": True, **detail, **extra})

    refusal = RestrictionRefused(message, write)
    refusal.persist()
    raise refusal


def refuse_redownload(person_nos: list[int], issue_no: int) -> None:
    """A certificate of a person under a 支援措置 is not handed out again while the measure is in force (it may
    have been issued before the measure, to anyone)."""
    persons = list(Person.objects.filter(person_no__in=person_nos))
    measures = active_support_measures(persons)
    if measures:
        _refuse("支援措置の対象者が記載された証明書のため、再出力できません。改めて交付の手続をしてください。",
                persons, RestrictedAction.ISSUE, {"certificate": issue_no, "support_measure": measures[0].pk})


def _offender_check(measure: SupportMeasure, persons: list[Person], action: str, requester: Requester) -> str | None:
    """Refuse the offender, and a partial match until a second clerk decides; the note of a cleared review."""
    verdict = offender.match(measure, requester)
    base = {"support_measure": measure.pk, "match": verdict.reason}
    if verdict.match is offender.Match.FULL:
        _refuse("支援措置の対象者について、加害者とされる者からの請求・照会です。交付・回答できません。",
                persons, action, base)
    if verdict.match is offender.Match.PARTIAL:
        numbers = [p.person_no for p in persons]
        review = offender.decided(measure, action, numbers, requester)
        if review is not None and review.status == "refused":
            _refuse("支援措置の対象者について、加害者とされる者と判断された請求者です。交付・回答できません。",
                    persons, action, {**base, "review": review.pk})
        if review is None:
            _refuse(f"支援措置の加害者とされる者と一部が一致します（{verdict.reason}）。解除の権限を持つ別の職員の"
                    "判断があるまで交付・回答できません（判断待ちの一覧に登録しました）。",
                    persons, action, base, review=(measure, requester, verdict.reason))
        return f"加害者とされる者と一部が一致しましたが、{review.decided_by}が加害者ではないと判断しています（{review.note}）。"  # type: ignore[union-attr]
    return None


def check(action: str, persons: list[Person], *, requester: Requester | None = None,
          acknowledge_alerts: bool = False, measures: list[SupportMeasure] | None = None) -> list[str]:
    """Refuse (audited) or return/raise the alerts that apply to `action` on these persons.

    `measures`: the persons' active 支援措置 when the caller has already read them."""
    now = timezone.now()
    today = timezone.localdate()
    alerts: list[str] = []
    for measure in active_support_measures(persons) if measures is None else measures:
        if requester is not None:
            note = _offender_check(measure, persons, action, requester)
            if note:
                alerts.append(note)
        label = measure.get_status_display()
        alerts.append(f"{label}の対象者が含まれています（{measure.ends_on:%Y-%m-%d}まで）。請求者の本人確認と理由を確認してください。")
        if measure.ends_on < today:
            alerts.append(f"支援措置の期間（{measure.ends_on:%Y-%m-%d}まで）が終了しています。延長または終了の手続をしてください。")
    for r in _restrictions_for(persons, action):
        if r.lifted_until and r.lifted_until > now:
            continue
        who = f"宛名番号 {r.person.person_no}" if r.person else f"世帯番号 {r.household.household_no}"  # type: ignore[union-attr]
        text = f"{who}に{r.get_action_display()}の抑止（{r.reason}）が設定されています。"
        if r.ends_on and r.ends_on < today:
            alerts.append(f"{who}の抑止は終了予定日（{r.ends_on:%Y-%m-%d}）を過ぎています。解除の要否を確認してください。")
        if r.mode == RestrictionMode.REFUSE:
            _refuse(text + "処理できません。", persons, action, {"restriction": r.pk})
        alerts.append(text)
    if alerts:
        with transaction.atomic():
            audit.record(f"registry.alert.{action}", object_type="Person",
                         object_id=",".join(str(p.person_no) for p in persons), purpose=alerts[0][:200],
                         detail={"alerts": alerts, "acknowledged": acknowledge_alerts})
        if not acknowledge_alerts:
            raise RestrictionAlert(alerts)
    return alerts


def persons_of(kwargs: Mapping[str, Any]) -> list[Person]:
    """The persons an event service's arguments name (person_no, person_nos, household numbers)."""
    numbers: set[int] = set()
    for key in ("person_no", "new_head_person_no", "mother_person_no"):
        if kwargs.get(key):
            numbers.add(int(kwargs[key]))
    numbers |= {int(n) for n in kwargs.get("person_nos") or []}
    numbers |= {int(n) for n in (kwargs.get("re_move_in") or {})}
    persons = list(Person.objects.filter(person_no__in=numbers))
    households = [int(kwargs[k]) for k in ("household_no", "from_household_no", "into_household_no") if kwargs.get(k)]
    if households:
        seen = {p.pk for p in persons}
        persons += [p for p in fixed.select(
            Person, "{t}.household_id IN (SELECT id FROM " + Household._meta.db_table + " WHERE municipality_id = %s "
            "AND household_no IN {in})", [require_municipality().pk, households]) if p.pk not in seen]
    return persons


class _DryRun(Exception):
    pass


def _validate_first(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Run the service in a transaction that is always rolled back: an input error it finds is raised (so the
    clerk corrects the input before acknowledging alerts); anything else leaves the alert to be raised."""
    try:
        with transaction.atomic():
            fn(*args, **kwargs)
            raise _DryRun
    except (_DryRun, RestrictionAlert, RestrictionRefused, Conflict):
        return
    except (ValidationFailed, NotFound):
        raise


def guarded(action: str) -> Callable[[F], Callable[..., Any]]:
    """Run the 抑止 check for the named persons before the service's own transaction opens."""

    def decorate(fn: F) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, acknowledge_alerts: bool = False, **kwargs: Any) -> Any:
            persons = persons_of(kwargs)
            if persons:
                try:
                    check(action, persons, acknowledge_alerts=acknowledge_alerts)
                except RestrictionAlert:
                    _validate_first(fn, args, kwargs)  # bad input is said before any alert is
                    raise
            return fn(*args, **kwargs)

        return wrapper

    return decorate


# --- 抑止 management -------------------------------------------------------------------------------


def _person_or_household(person_no: int | None, household_no: int | None) -> tuple[Person | None, Household | None]:
    if bool(person_no) == bool(household_no):
        raise ValidationFailed("抑止の対象は個人（宛名番号）か世帯（世帯番号）のどちらか一方を指定してください。", field="person_no")
    if person_no:
        person = Person.objects.filter(person_no=person_no).first()
        if person is None:
            raise NotFound(f"宛名番号 {person_no} の住民票はありません。")
        return person, None
    household = Household.objects.filter(household_no=int(household_no or 0)).first()
    if household is None:
        raise NotFound(f"世帯番号 {household_no} の世帯はありません。")
    return None, household


@transaction.atomic
def set_restriction(*, action: str, mode: str, starts_on: dt.date, reason: str, person_no: int | None = None,
                    household_no: int | None = None, ends_on: dt.date | None = None) -> Restriction:
    require(Cap.RESTRICTION_SET)
    if action not in RestrictedAction.values:
        raise ValidationFailed("抑止の対象業務を選択してください（異動・発行・照会）。", field="action")
    if mode not in RestrictionMode.values:
        raise ValidationFailed("抑止の種別を選択してください（エラー・警告）。", field="mode")
    if not reason.strip():
        raise ValidationFailed("抑止の理由を入力してください。", field="reason")
    if ends_on and ends_on < starts_on:
        raise ValidationFailed("終了予定日は開始日以降にしてください。", field="ends_on")
    person, household = _person_or_household(person_no, household_no)
    r = Restriction.objects.create(person=person, household=household, action=action, mode=mode, starts_on=starts_on,
                                   ends_on=ends_on, reason=reason.strip()[:300], set_by=current_actor().username)
    audit.record("registry.restriction_set", obj=r, detail={"action": action, "mode": mode})
    return r


def _restriction(pk: int) -> Restriction:
    r = Restriction.objects.select_for_update().filter(pk=pk, removed=False).first()
    if r is None:
        raise NotFound("指定した抑止はありません（解除済みの可能性があります）。")
    return r


@transaction.atomic
def remove_restriction(pk: int) -> Restriction:
    require(Cap.RESTRICTION_LIFT)
    r = _restriction(pk)
    r.removed, r.removed_by = True, current_actor().username
    r.save(update_fields=["removed", "removed_by"])
    audit.record("registry.restriction_removed", obj=r)
    return r


@transaction.atomic
def lift_temporarily(pk: int) -> Restriction:
    """一時解除: the block re-locks by itself after the municipality's parameter."""
    require(Cap.RESTRICTION_TEMP_LIFT)
    r = _restriction(pk)
    minutes = _param("registry.restriction.temporary_lift_minutes", timezone.localdate())
    r.lifted_until = timezone.now() + dt.timedelta(minutes=minutes)
    r.lifted_by = current_actor().username
    r.save(update_fields=["lifted_until", "lifted_by"])
    audit.record("registry.restriction_lifted_temporarily", obj=r, detail={"minutes": minutes})
    return r


# --- 支援措置 --------------------------------------------------------------------------------------


@transaction.atomic
def register_support_measure(*, applicant_person_no: int, starts_on: dt.date, provisional: bool = False,
                             accompanying: list[int] | None = None, offender_person_no: int | None = None,
                             offender_name: str = "", offender_kana: str = "", offender_birth_date: dt.date | None = None,
                             offender_address: str = "", addresses: str = "", note: str = "",
                             offender_other_names: str = "") -> SupportMeasure:
    require(Cap.SUPPORT_MEASURE)
    applicant = Person.objects.filter(person_no=applicant_person_no).first()
    if applicant is None:
        raise NotFound(f"宛名番号 {applicant_person_no} の住民票はありません。")
    offender = None
    if offender_person_no:
        offender = Person.objects.filter(person_no=offender_person_no).first()
        if offender is None:
            raise NotFound(f"宛名番号 {offender_person_no} の住民票はありません。")
    if offender is None and not offender_name.strip():
        raise ValidationFailed("加害者とされる者の氏名を入力してください。", field="offender_name")
    accompanying = [int(n) for n in accompanying or []]
    unknown = set(accompanying) - set(Person.objects.filter(person_no__in=accompanying).values_list("person_no", flat=True))
    if unknown:
        raise ValidationFailed(f"併せて支援を求める者の宛名番号 {sorted(unknown)} がありません。", field="accompanying")
    months = _param("registry.support_measure.period_months", starts_on)
    m = SupportMeasure.objects.create(
        applicant=applicant, accompanying=accompanying,
        status=SupportStatus.PROVISIONAL if provisional else SupportStatus.ACTIVE,
        starts_on=starts_on, ends_on=add_months(starts_on, months) - dt.timedelta(days=1),
        offender_person=offender, offender_name=offender_name.strip() or (offender.full_name if offender else ""),
        offender_kana=offender_kana.strip(), offender_birth_date=offender_birth_date or (offender.birth_date if offender else None),
        offender_address=offender_address, offender_other_names=offender_other_names.strip(), addresses=addresses,
        note=note, set_by=current_actor().username,
    )
    audit.record("registry.support_measure_registered", obj=m, detail={"provisional": provisional})
    protection.notify(m)  # every member holding a record of a protected person
    return m


def _measure(pk: int) -> SupportMeasure:
    m = SupportMeasure.objects.select_for_update().filter(pk=pk).first()
    if m is None:
        raise NotFound("指定した支援措置はありません。")
    return m


@transaction.atomic
def confirm_support_measure(pk: int) -> SupportMeasure:
    """仮支援措置 → 支援措置 once the review is done."""
    require(Cap.SUPPORT_MEASURE)
    m = _measure(pk)
    if m.status != SupportStatus.PROVISIONAL:
        raise Conflict("仮支援措置ではありません。")
    m.status = SupportStatus.ACTIVE
    m.save(update_fields=["status"])
    audit.record("registry.support_measure_confirmed", obj=m)
    return m


@transaction.atomic
def extend_support_measure(pk: int, today: dt.date | None = None) -> SupportMeasure:
    require(Cap.SUPPORT_MEASURE)
    today = today or timezone.localdate()
    m = _measure(pk)
    if m.status == SupportStatus.ENDED:
        raise Conflict("終了した支援措置は延長できません。新たに申出を受け付けてください。")
    window = _param("registry.support_measure.extension_window_days", today)
    if today < m.ends_on - dt.timedelta(days=window):
        raise ValidationFailed(f"延長の申出は終了日（{m.ends_on:%Y-%m-%d}）の{window}日前から受け付けます。", field="today")
    months = _param("registry.support_measure.period_months", today)
    m.ends_on = add_months(m.ends_on, months)
    m.extensions += 1
    m.save(update_fields=["ends_on", "extensions"])
    audit.record("registry.support_measure_extended", obj=m, detail={"ends_on": m.ends_on.isoformat()})
    return m


@transaction.atomic
def end_support_measure(pk: int) -> SupportMeasure:
    require(Cap.SUPPORT_MEASURE)
    m = _measure(pk)
    m.status = SupportStatus.ENDED
    m.save(update_fields=["status"])
    audit.record("registry.support_measure_ended", obj=m)
    return m


def support_alerts(today: dt.date | None = None) -> list[tuple[SupportMeasure, str]]:
    """Measures within the extension window or past their end date: the clerk is told every day."""
    today = today or timezone.localdate()
    window = _param("registry.support_measure.extension_window_days", today)
    out = []
    for m in SupportMeasure.objects.exclude(status=SupportStatus.ENDED).select_related("applicant"):
        if m.ends_on < today:
            out.append((m, f"支援措置の期間が{m.ends_on:%Y-%m-%d}に終了しています。延長か終了の手続をしてください。"))
        elif m.ends_on - dt.timedelta(days=window) <= today:
            out.append((m, f"支援措置の期間が{m.ends_on:%Y-%m-%d}に終了します。延長の申出を受け付けられます。"))
    return out
