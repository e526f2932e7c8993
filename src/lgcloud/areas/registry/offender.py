"""Is the requester the person a 支援措置 protects from? However they present themselves.

The requester (a name, a フリガナ, a birth date, or a resident's 宛名番号) is matched against every name the
protected-from person is known by — the measure's name and フリガナ, their former names and aliases, and when
they are a resident the names of their record and its history — with the normalisation search uses
(full-/half-width, hiragana/katakana, spaces). A full match (a name and the birth date, or the offender's own
record) refuses; a partial match (a name without or with another birth date, or the birth date with a similar
name) refuses until a second clerk with the lift permission decides (`OffenderReview`).

異体字 (高橋/髙橋) are not folded yet: the register has no maintained variant table (issue 15, item 10).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry.models import OffenderReview, Person, ReviewStatus, SupportMeasure
from lgcloud.areas.registry.normalize import normalize
from lgcloud.platform.accounts.roles import Cap, capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import current_actor, require_municipality

_SPLIT = re.compile(r"[\s\u3000・,，、/／]+")


@dataclass(frozen=True)
class Requester:
    """Who asks (for a certificate, or at the counter): a resident, or a name and birth date."""

    person_id: int | None = None
    name: str = ""
    kana: str = ""
    birth_date: dt.date | None = None


class Match(Enum):
    NONE = 0
    PARTIAL = 1
    FULL = 2


@dataclass(frozen=True)
class Verdict:
    match: Match
    reason: str = ""


def _names_of_record(person_id: int | None) -> tuple[set[str], set[str], dt.date | None]:
    """(normalised names incl. kana and past ones, name tokens, birth date) of a resident's record."""
    if not person_id:
        return set(), set(), None
    p = Person.objects.filter(pk=person_id).only(
        "family_name", "given_name", "family_name_kana", "given_name_kana", "former_family_name",
        "former_family_name_kana", "alias", "alias_kana", "alphabet_name", "search_names", "search_kanas",
        "birth_date").first()
    if p is None:
        return set(), set(), None
    names = {n for n in (p.search_names + "\n" + p.search_kanas).split("\n") if n}
    names |= {normalize(p.family_name + p.given_name), normalize(p.family_name_kana + p.given_name_kana),
              normalize(p.former_family_name + p.given_name), normalize(p.former_family_name_kana + p.given_name_kana),
              normalize(p.alias), normalize(p.alias_kana), normalize(p.alphabet_name)}
    tokens = {normalize(t) for t in (p.family_name, p.given_name, p.family_name_kana, p.given_name_kana,
                                     p.former_family_name, p.former_family_name_kana)}
    tokens |= {normalize(t) for t in _SPLIT.split(p.alphabet_name)}
    return {n for n in names if n}, {t for t in tokens if t}, p.birth_date


def _names_of_text(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    names, tokens = set(), set()
    for text in texts:
        if not text:
            continue
        names.add(normalize(text))
        parts = [normalize(t) for t in _SPLIT.split(text.strip()) if t]
        if len(parts) > 1:
            tokens |= set(parts)
    return {n for n in names if n}, {t for t in tokens if t}


def offender_identity(measure: SupportMeasure) -> tuple[set[str], set[str], dt.date | None]:
    other = [line.strip() for line in measure.offender_other_names.splitlines()]
    names, tokens = _names_of_text([measure.offender_name, measure.offender_kana, *other])
    r_names, r_tokens, r_birth = _names_of_record(measure.offender_person_id)
    return names | r_names, tokens | r_tokens, measure.offender_birth_date or r_birth


def requester_identity(requester: Requester) -> tuple[set[str], set[str], dt.date | None]:
    names, tokens = _names_of_text([requester.name, requester.kana])
    r_names, r_tokens, r_birth = _names_of_record(requester.person_id)
    return names | r_names, tokens | r_tokens, requester.birth_date or r_birth


def _close(a: str, b: str) -> bool:
    """Edit distance at most 1 (one character typed differently, added or left out), for names of 3 or more."""
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _similar(r_names: set[str], r_tokens: set[str], o_names: set[str], o_tokens: set[str]) -> bool:
    if r_tokens & o_tokens:
        return True
    for r in r_names:
        for o in o_names:
            if len(r) >= 2 and len(o) >= 2 and (r in o or o in r or _close(r, o)):
                return True
        if any(len(t) >= 2 and t in r for t in o_tokens):
            return True
    return False


def match(measure: SupportMeasure, requester: Requester) -> Verdict:
    if requester.person_id and measure.offender_person_id == requester.person_id:
        return Verdict(Match.FULL, "加害者とされる者の住民票（宛名番号）")
    o_names, o_tokens, o_birth = offender_identity(measure)
    r_names, r_tokens, r_birth = requester_identity(requester)
    same_name = bool(r_names & o_names)
    same_birth = o_birth is not None and r_birth is not None and o_birth == r_birth
    if same_name and same_birth:
        return Verdict(Match.FULL, "氏名（フリガナ）と生年月日")
    if same_name:
        why = "生年月日が異なります" if r_birth and o_birth else "生年月日を確認できません"
        return Verdict(Match.PARTIAL, f"氏名（フリガナ）が一致（{why}）")
    if same_birth and (not r_names or _similar(r_names, r_tokens, o_names, o_tokens)):
        return Verdict(Match.PARTIAL, "生年月日と氏名の一部が一致")
    return Verdict(Match.NONE)


def requester_key(requester: Requester) -> str:
    return "|".join([normalize(requester.name), normalize(requester.kana),
                     requester.birth_date.isoformat() if requester.birth_date else "", str(requester.person_id or "")])


def requester_json(requester: Requester) -> dict[str, Any]:
    return {"name": requester.name[:200], "kana": requester.kana[:200],
            "birth_date": requester.birth_date.isoformat() if requester.birth_date else None,
            "person_id": requester.person_id}


def decided(measure: SupportMeasure, action: str, persons: list[int], requester: Requester) -> OffenderReview | None:
    """The latest decision for this very request, if any (a clearance counts only until it expires)."""
    review = (OffenderReview.objects.filter(measure=measure, action=action, persons=sorted(persons),
                                            requester_key=requester_key(requester))
              .exclude(status=ReviewStatus.PENDING).order_by("-decided_at").first())
    if review is None:
        return None
    if review.status == ReviewStatus.CLEARED and (review.valid_until is None or review.valid_until < timezone.now()):
        return None
    return review


def open_review(measure: SupportMeasure, action: str, persons: list[int], requester: Requester,
                reason: str) -> OffenderReview:
    """A pending review for this request (one per request; the same request again finds it)."""
    key = requester_key(requester)
    existing = OffenderReview.objects.filter(measure=measure, action=action, persons=sorted(persons),
                                             requester_key=key, status=ReviewStatus.PENDING).first()
    if existing is not None:
        return existing
    return OffenderReview.objects.create(measure=measure, action=action, persons=sorted(persons),
                                         requester=requester_json(requester), requester_key=key, reason=reason[:300],
                                         requested_by=current_actor().username)


def _require_lift() -> None:
    actor = current_actor()
    if actor.channel not in ("cli", "system") and Cap.RESTRICTION_LIFT not in capabilities(actor.role):
        raise PermissionDenied("この判断には抑止・支援措置の解除の権限が必要です。")


def pending_count() -> int:
    """How many requests wait for a decision (a number only, for the home page)."""
    return OffenderReview.objects.filter(status=ReviewStatus.PENDING).count()


def pending_reviews() -> list[OffenderReview]:
    _require_lift()
    with transaction.atomic():
        found = list(OffenderReview.objects.filter(status=ReviewStatus.PENDING).select_related("measure"))
        audit.record("registry.offender_reviews_viewed", object_type="OffenderReview",
                     object_id=",".join(str(r.pk) for r in found[:50]), detail={"count": len(found)})
    return found


@transaction.atomic
def decide(review_id: int, *, offender: bool, note: str) -> OffenderReview:
    """The second clerk's decision: the requester is (refuse) or is not (clear, for a while) the offender."""
    _require_lift()
    review = OffenderReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound("指定した確認はありません。")
    if review.status != ReviewStatus.PENDING:
        raise Conflict("この確認は既に判断されています。")
    if not str(note or "").strip():
        raise ValidationFailed("判断の理由を入力してください（本人確認書類など）。", field="note")
    actor = current_actor().username
    if actor == review.requested_by:
        raise ValidationFailed("受付をした職員とは別の職員が判断してください。", field="decided_by")
    now = timezone.now()
    review.status = ReviewStatus.REFUSED if offender else ReviewStatus.CLEARED
    review.decided_by, review.decided_at, review.note = actor, now, str(note).strip()[:300]
    if not offender:
        today = timezone.localdate()
        minutes = params.value("registry.restriction.temporary_lift_minutes",
                               today.year if today.month >= 4 else today.year - 1, require_municipality())
        review.valid_until = now + dt.timedelta(minutes=int(minutes))
    review.save(update_fields=["status", "decided_by", "decided_at", "note", "valid_until"])
    audit.record(f"registry.offender_review_{review.status}", obj=review,
                 object_id=review.pk, purpose=review.note[:200],
                 detail={"measure": review.measure_id, "action": review.action, "persons": review.persons})
    return review
