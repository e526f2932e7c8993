"""カスタマイズ要望: filing, discussion, decisions, the comparison table and the statistics.

The secretariat suppresses customisation by lining up the members' requests
for the same thing side by side (比較一覧表) and deciding each one: customised
(実施, the requesting member alone pays, outside the joint contract), made
standard (標準機能化, for every member, possibly as a parameter of the
catalogue) or withdrawn (取下げ). Every operation is one transaction and writes
an audit record: on the requesting member's chain for what the member does,
on the platform chain for the secretariat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lgcloud.group.customization.models import (
    DECISIONS,
    BusinessArea,
    CustomizationComment,
    CustomizationRequest,
    Reason,
    Status,
)
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.params.models import Parameter
from lgcloud.platform.tenancy.codes import DATA_DIR
from lgcloud.platform.tenancy.models import Group, Municipality

TOPIC_MAX = 100
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
COMMENT_MAX = 2000
COST_MAX = 10**12  # 1兆円: anything above is a typing error
CASES_MAX = 10**8

_FULLWIDTH = str.maketrans("０１２３４５６７８９，－", "0123456789,-")
_SPACES = re.compile(r"\s+")


class RequestInvalid(ValidationFailed):
    """Several fields of a request are wrong: `errors` maps each field to its Japanese message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        first = next(iter(self.errors))
        super().__init__(" ".join(self.errors.values()), field=first)


# --- who may do what -------------------------------------------------------------------------------


def _admin_municipality(staff: Staff) -> Municipality:
    if not staff.has_cap(Cap.MUNICIPALITY_ADMIN) or staff.municipality is None:
        raise PermissionDenied("カスタマイズ要望を提出できるのは団体管理者だけです。")
    return staff.municipality


def _secretariat_group(staff: Staff) -> Group:
    if not staff.has_cap(Cap.GROUP_MANAGE) or staff.group is None:
        raise PermissionDenied("カスタマイズ要望を決定できるのは協議会事務局だけです。")
    return staff.group


def _reports_group(staff: Staff) -> Group:
    if not staff.has_cap(Cap.GROUP_REPORTS) or staff.group is None:
        raise PermissionDenied("この集計を見られるのは協議会事務局だけです。")
    return staff.group


def visible_requests(staff: Staff) -> QuerySet[CustomizationRequest]:
    """The requests `staff` may see: the secretariat its group's, an administrator its own municipality's."""
    qs = CustomizationRequest.objects.select_related("municipality", "group")
    if staff.has_cap(Cap.GROUP_MANAGE) and staff.group is not None:
        return qs.filter(group=staff.group)
    if staff.has_cap(Cap.MUNICIPALITY_ADMIN) and staff.municipality is not None:
        return qs.filter(municipality=staff.municipality)
    raise PermissionDenied("カスタマイズ要望を見る権限がありません。")


def get_request(staff: Staff, pk: int) -> CustomizationRequest:
    """One request, or NotFound when it does not exist or is not `staff`'s to see (no hint which)."""
    found = visible_requests(staff).filter(pk=pk).first()
    if found is None:
        raise NotFound("カスタマイズ要望が見つかりません。")
    return found


# --- parsing ---------------------------------------------------------------------------------------


def normalize_topic(raw: object) -> str:
    """Trim and collapse spaces (full-width too), so the same topic typed twice lines up."""
    return _SPACES.sub(" ", str(raw or "").replace("\u3000", " ")).strip()


def _choice(raw: object, choices: type[BusinessArea] | type[Reason], label: str) -> str:
    text = str(raw or "").strip()
    for value, text_label in choices.choices:
        if text in (value, text_label):
            return str(value)
    allowed = "、".join(str(lbl) for _v, lbl in choices.choices)
    if not text:
        raise ValidationFailed(f"{label}を選んでください（{allowed}）。")
    raise ValidationFailed(f"{label}は次のいずれかを指定してください: {allowed}（入力値: {text}）。")


def _whole_number(raw: object, label: str, maximum: int, unit: str) -> int:
    if isinstance(raw, bool):
        raise ValidationFailed(f"{label}は0以上の整数で入力してください。")
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw if raw is not None else "").strip().translate(_FULLWIDTH).replace(",", "")
        text = text.removesuffix(unit).strip() if unit else text
        if not text:
            raise ValidationFailed(f"{label}を入力してください（0以上の整数）。")
        if not re.fullmatch(r"-?[0-9]+", text):
            raise ValidationFailed(f"{label}は0以上の整数で入力してください（入力値: {raw}）。")
        number = int(text)
    if number < 0:
        raise ValidationFailed(f"{label}は0以上で入力してください（入力値: {raw}）。")
    if number > maximum:
        raise ValidationFailed(f"{label}が大きすぎます（{maximum:,}{unit}以下で入力してください）。")
    return number


def _text(raw: object, label: str, maximum: int, *, required: bool, field: str | None = None) -> str:
    text = str(raw or "").strip()
    if required and not text:
        raise ValidationFailed(f"{label}を入力してください。", field=field)
    if len(text) > maximum:
        raise ValidationFailed(f"{label}は{maximum}文字以内で入力してください（{len(text)}文字）。", field=field)
    return text


def _parse_request(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field checked; all the errors at once, each naming its field."""
    parsers: dict[str, Any] = {
        "business_area": lambda v: _choice(v, BusinessArea, "業務"),
        "topic": lambda v: _text(normalize_topic(v), "件名", TOPIC_MAX, required=True),
        "description": lambda v: _text(v, "要望内容", DESCRIPTION_MAX, required=True),
        "reason": lambda v: _choice(v, Reason, "理由"),
        "estimated_cost": lambda v: _whole_number(v, "見積額（円）", COST_MAX, "円"),
        "cases_per_year": lambda v: _whole_number(v, "年間件数", CASES_MAX, "件"),
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, parse in parsers.items():
        try:
            values[name] = parse(data.get(name))
        except ValidationFailed as e:
            errors[name] = e.message
    if errors:
        raise RequestInvalid(errors)
    return values


# --- operations ------------------------------------------------------------------------------------


def _who(staff: Staff) -> str:
    where = staff.municipality or staff.group
    return f"{where}　{staff.role_label}" if where else staff.role_label


@transaction.atomic
def file_request(by: Staff, data: Mapping[str, Any]) -> CustomizationRequest:
    """A municipal administrator files a request for their own municipality.

    `data` holds the raw inputs (form or JSON): business_area, topic, description,
    reason, estimated_cost (yen), cases_per_year.
    """
    municipality = _admin_municipality(by)
    membership = municipality.current_membership()
    if membership is None:
        raise PermissionDenied(f"{municipality}はグループの構成団体ではないため、要望を提出できません。")
    values = _parse_request(data)
    group = membership.group
    duplicate = CustomizationRequest.objects.filter(
        group=group, municipality=municipality, business_area=values["business_area"], topic=values["topic"]
    ).first()
    if duplicate is not None:
        raise Conflict(
            f"同じ業務・件名の要望「{values['topic']}」を既に提出しています（状態: {duplicate.get_status_display()}）。"
            "内容を変える場合はその要望の意見欄に書いてください。",
            field="topic",
        )
    req = CustomizationRequest.objects.create(group=group, municipality=municipality, filed_by=by.username, **values)
    audit.record(
        "customization.filed",
        obj=req,
        municipality=municipality,
        detail={
            "topic": req.topic, "business_area": req.business_area, "reason": req.reason,
            "estimated_cost": req.estimated_cost, "cases_per_year": req.cases_per_year,
        },
    )
    return req


@transaction.atomic
def comment(request: CustomizationRequest, body: object, *, by: Staff) -> CustomizationComment:
    """Add to the discussion: the group's secretariat or the requesting member's administrator."""
    req = get_request(by, request.pk)  # NotFound for anyone else
    text = _text(body, "意見", COMMENT_MAX, required=True, field="body")
    note = CustomizationComment.objects.create(request=req, author=by.username, author_label=_who(by), body=text)
    from_member = by.municipality_id is not None
    audit.record(
        "customization.commented",
        obj=note,
        municipality=req.municipality if from_member else None,
        detail={"request": req.pk, "length": len(text)},
    )
    return note


def _parameter_name(raw: object) -> str:
    name = str(raw or "").strip()
    if name and not Parameter.objects.filter(name=name).exists():
        raise ValidationFailed(
            f"パラメータ「{name}」はパラメータカタログにありません。カタログにある名前を指定してください。",
            field="standard_parameter",
        )
    return name


@transaction.atomic
def decide(
    request: CustomizationRequest,
    decision: object,
    note: object = "",
    standard_parameter: object = None,
    *,
    by: Staff,
) -> CustomizationRequest:
    """The secretariat decides an open request once: customized, made_standard or withdrawn."""
    group = _secretariat_group(by)
    req = (
        CustomizationRequest.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .filter(pk=request.pk, group=group)
        .first()
    )
    if req is None:
        raise NotFound("カスタマイズ要望が見つかりません。")
    if not req.is_open:
        raise Conflict(
            f"この要望は{timezone.localtime(req.decided_at):%Y-%m-%d}に「{req.get_status_display()}」と決定済みです。"
            "決定をやり直すことはできません。"
        )
    choice = str(decision or "").strip()
    if choice not in DECISIONS:
        allowed = "、".join(f"{Status(d).label}（{d}）" for d in DECISIONS)
        raise ValidationFailed(f"決定は次のいずれかを指定してください: {allowed}", field="decision")
    text = _text(note, "決定理由", NOTE_MAX, required=False, field="note")
    parameter = _parameter_name(standard_parameter)
    if parameter and choice != Status.MADE_STANDARD:
        raise ValidationFailed("パラメータを指定できるのは「標準機能化」のときだけです。", field="standard_parameter")
    req.status = choice
    req.decision_note = text
    req.standard_parameter = parameter
    req.decided_by = by.username
    req.decided_at = timezone.now()
    req.save(update_fields=["status", "decision_note", "standard_parameter", "decided_by", "decided_at"])
    audit.record(
        "customization.decided",
        obj=req,
        municipality=None,
        detail={
            "municipality": req.municipality.code, "topic": req.topic, "decision": choice,
            "standard_parameter": parameter, "estimated_cost": req.estimated_cost,
            "member_pays_alone": req.member_pays_alone,
        },
    )
    return req


# --- the comparison table (比較一覧表) --------------------------------------------------------------


@dataclass
class ComparisonRow:
    business_area: str
    business_area_label: str
    topic: str
    cells: list[CustomizationRequest | None]  # one per member of the table, in column order

    @property
    def requests(self) -> list[CustomizationRequest]:
        return [c for c in self.cells if c is not None]

    @property
    def requesting_members(self) -> int:
        return len(self.requests)

    @property
    def total_cost(self) -> int:
        return sum(r.estimated_cost for r in self.requests)

    @property
    def open_count(self) -> int:
        return sum(1 for r in self.requests if r.is_open)


@dataclass
class ComparisonSection:
    business_area: str
    label: str
    rows: list[ComparisonRow] = field(default_factory=list)


@dataclass
class ComparisonTable:
    group: Group
    members: list[Municipality]
    rows: list[ComparisonRow] = field(default_factory=list)

    @property
    def sections(self) -> list[ComparisonSection]:
        out: list[ComparisonSection] = []
        for row in self.rows:
            if not out or out[-1].business_area != row.business_area:
                out.append(ComparisonSection(row.business_area, row.business_area_label))
            out[-1].rows.append(row)
        return out


_AREA_ORDER = {value: i for i, value in enumerate(BusinessArea.values)}


def comparison_table(group: Group, *, all_members: bool = False) -> ComparisonTable:
    """Rows by (business area, topic), one cell per member: that member's request or None.

    Columns are the members that filed at least one request (all current members
    with `all_members`), by municipality code.
    """
    requests = list(CustomizationRequest.objects.filter(group=group).select_related("municipality"))
    members = {r.municipality.pk: r.municipality for r in requests}
    if all_members:
        members.update({m.pk: m for m in group.members_on()})
    columns = sorted(members.values(), key=lambda m: m.code)
    index = {m.pk: i for i, m in enumerate(columns)}
    by_key: dict[tuple[str, str], list[CustomizationRequest | None]] = {}
    for r in requests:
        cells = by_key.setdefault((r.business_area, r.topic), [None] * len(columns))
        cells[index[r.municipality.pk]] = r
    table = ComparisonTable(group, columns)
    for (area, topic), cells in sorted(by_key.items(), key=lambda kv: (_AREA_ORDER.get(kv[0][0], 99), kv[0][1])):
        table.rows.append(ComparisonRow(area, BusinessArea(area).label, topic, cells))
    return table


# --- statistics ------------------------------------------------------------------------------------


@dataclass
class MemberCost:
    municipality: Municipality
    requested: int
    customized: int
    customized_cost: int  # what this member pays on its own, outside the joint contract


@dataclass
class Statistics:
    group: Group
    requested: int
    customized: int
    made_standard: int
    withdrawn: int
    open: int
    cost_requested: int
    cost_customized: int  # borne by each requesting member alone
    cost_made_standard: int
    cost_withdrawn: int
    cost_open: int
    per_member: list[MemberCost]

    @property
    def decided(self) -> int:
        return self.customized + self.made_standard + self.withdrawn

    @property
    def suppressed(self) -> int:
        """Requests that did not become a customisation (standardised or withdrawn)."""
        return self.made_standard + self.withdrawn

    @property
    def suppression_rate(self) -> float | None:
        """Share of decided requests that were not customised (抑制率), in percent."""
        return None if self.decided == 0 else round(100 * self.suppressed / self.decided, 1)

    @property
    def cost_avoided(self) -> int:
        return self.cost_made_standard + self.cost_withdrawn


def statistics(group: Group) -> Statistics:
    counts = {s.value: 0 for s in Status}
    costs = {s.value: 0 for s in Status}
    members: dict[int, MemberCost] = {}
    for r in CustomizationRequest.objects.filter(group=group).select_related("municipality"):
        counts[r.status] += 1
        costs[r.status] += r.estimated_cost
        mc = members.setdefault(r.municipality.pk, MemberCost(r.municipality, 0, 0, 0))
        mc.requested += 1
        if r.status == Status.CUSTOMIZED:
            mc.customized += 1
            mc.customized_cost += r.estimated_cost
    return Statistics(
        group=group,
        requested=sum(counts.values()),
        customized=counts[Status.CUSTOMIZED],
        made_standard=counts[Status.MADE_STANDARD],
        withdrawn=counts[Status.WITHDRAWN],
        open=counts[Status.OPEN],
        cost_requested=sum(costs.values()),
        cost_customized=costs[Status.CUSTOMIZED],
        cost_made_standard=costs[Status.MADE_STANDARD],
        cost_withdrawn=costs[Status.WITHDRAWN],
        cost_open=costs[Status.OPEN],
        per_member=sorted(members.values(), key=lambda m: m.municipality.code),
    )


def statistics_for(staff: Staff) -> Statistics:
    return statistics(_reports_group(staff))


def comparison_for(staff: Staff, *, all_members: bool = False) -> ComparisonTable:
    return comparison_table(_secretariat_group(staff), all_members=all_members)


def group_topics(municipality: Municipality) -> list[str]:
    """Topics already filed in the member's group: offered while filing, so the same thing lines up."""
    membership = municipality.current_membership()
    if membership is None:
        return []
    return sorted(
        set(CustomizationRequest.objects.filter(group=membership.group).values_list("topic", flat=True))
    )


def parameter_choices() -> list[tuple[str, str]]:
    return [(p.name, p.label) for p in Parameter.objects.all()]


@dataclass(frozen=True)
class ReferenceCase:
    """The published case the board is modelled on (seed facts: 富山県の自治体クラウド)."""

    requested: int
    customized: int
    made_standard: int
    withdrawn: int
    source: str


def reference_case() -> ReferenceCase | None:
    try:
        facts = json.loads((DATA_DIR / "seed_facts.json").read_text(encoding="utf-8"))
        case = facts["customization_suppression_toyama"]
        return ReferenceCase(
            int(case["requested"]), int(case["customized"]), int(case["made_standard"]), int(case["withdrawn"]),
            str(facts.get("source", "")),
        )
    except (OSError, KeyError, ValueError, TypeError):
        return None
