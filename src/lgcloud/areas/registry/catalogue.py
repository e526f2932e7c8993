"""The catalogue of 異動: one entry per operation, read by the screens (/registry/events/<slug>/), the API
(/api/v1/registry/events/<slug>) and the approval queue of a counter contractor's entries.

An entry names the operation's slug and Japanese label, its service, the EventKind(s) it records, the
capability it needs, whether a counter contractor (委託事業者) may prepare it for a clerk's approval, its
acknowledgement rule (the 抑止 action its service checks: alerts of that action and of 支援措置 answer 409 until
acknowledged; None: no check), the API's request body (`schemas`) and the screen's form (builder, field groups,
labels, which members to pick, where the screen goes after). A new 異動 is one entry here plus its service.
(転出確定 is not an operation: the inbox records it when a 転入通知 arrives.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lgcloud.areas.registry import schemas
from lgcloud.areas.registry.actions.address import address_setting, move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
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
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.event_forms import (
    ADDRESS,
    CORRECTION_ITEMS,
    DATES,
    NATURALIZATION_ITEMS,
    Ctx,
    build_birth,
    build_cancellation,
    build_composition_change,
    build_correction,
    build_death,
    build_disappearance,
    build_ex_officio_removal,
    build_head_change,
    build_household_merge,
    build_household_split,
    build_individual_number,
    build_move_in,
    build_move_in_from_certificate,
    build_move_out,
    build_move_within,
    build_nationality_loss,
    build_naturalization,
    build_residence_status,
    build_resident_code,
)
from lgcloud.areas.registry.forms import FOREIGN_ITEMS
from lgcloud.areas.registry.models import EventKind, RestrictedAction
from lgcloud.areas.registry.transfer import move_in_from_certificate
from lgcloud.platform.accounts.roles import Cap


@dataclass(frozen=True)
class Operation:
    slug: str  # the screen's and the API's path, and the approval queue's operation name
    label: str
    service: Callable[..., EventResult]
    kinds: tuple[str, ...]  # the EventKind(s) it records
    schema: type[schemas.Body]  # the API's request body
    build: Callable[[Ctx], dict[str, Any]]  # the screen's form → the service's keyword arguments
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # the screen's field groups (legend, field names)
    capability: str = Cap.REGISTRY_CHANGE
    contractor: bool = False  # a counter contractor (Cap.REGISTRY_PREPARE) may prepare it for a clerk's approval
    acknowledge: str | None = RestrictedAction.CHANGE  # the 抑止 action checked; its alerts need acknowledge_alerts
    page: str = ""  # which page offers it: "entry" (the menu) | "household" | "person" | "" (the inbox)
    on_removed: bool = False  # also offered on a removed person's page
    summary: str = ""  # the API route's summary (default: the label)
    needs: str = ""  # what the screen opens first: "" | "household" | "person" | "message"
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    pick: str = ""  # the members' checkbox column (person_nos), e.g. 「転出する」
    rel: str = ""  # the members' 続柄 column, e.g. 「新しい続柄」
    prefill_rel: bool = False
    after: str = "household"  # "household" | "new_household" | "person"
    aliases: Mapping[str, str] = field(default_factory=dict)
    optional: bool = False
    head_choices: tuple[str, ...] = ()  # select fields offered the household's members

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for _legend, names in self.groups for n in names)

    @property
    def ack(self) -> bool:
        """The service takes acknowledge_alerts (it runs the 抑止 check)."""
        return self.acknowledge is not None

    @property
    def capabilities(self) -> tuple[str, ...]:
        """Who may enter it: the capability, or a counter contractor's when it may prepare it."""
        return (self.capability, Cap.REGISTRY_PREPARE) if self.contractor else (self.capability,)

    @property
    def operation(self) -> str | None:
        """The approval queue's operation name when a counter contractor may prepare it."""
        return self.slug if self.contractor else None


_ADDR = ("新しい住所", ADDRESS)
_WHEN = ("異動日と届出日", (*DATES, "reason"))
_HEAD = ("世帯主が抜ける場合", ("new_head_person_no",))
_IN_HOUSEHOLD = {"household_no": "既存の世帯に入る場合の世帯番号"}

OPERATIONS: dict[str, Operation] = {op.slug: op for op in (
    Operation(
        "move_in", "転入", move_in, (EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN),
        schemas.MoveInIn, build_move_in, contractor=True, page="entry", summary="転入（国外からの転入・再転入を含む）",
        description="他の市区町村・国外からの転入、再転入。家族は1人ずつ入力し、続柄を記入します。",
        groups=(("転入", ("move_in_kind", "previous_address", "household_no")), ("転入先の住所", ADDRESS), _WHEN),
        labels=_IN_HOUSEHOLD),
    Operation(
        "ex_officio_entry", "職権記載", ex_officio_entry, (EventKind.EX_OFFICIO_ENTRY,), schemas.ExOfficioEntryIn,
        build_move_in, page="entry", description="届出によらず、実態調査等により職権で住民票を作成します。",
        groups=(("職権記載", ("previous_address", "household_no")), ("住所", ADDRESS), _WHEN),
        labels={**_IN_HOUSEHOLD, "previous_address": "従前の住所（分かる場合）"}),
    Operation(
        "move_in_from_certificate", "転入（転出証明書情報）", move_in_from_certificate, (EventKind.MOVE_IN,),
        schemas.MoveInFromCertificateIn, build_move_in_from_certificate, contractor=True, needs="message",
        summary="転入（転出証明書情報から）", description="グループの構成団体から届いた転出証明書情報をもとに転入を記録します。",
        groups=(("転入先の住所", ADDRESS), ("異動日と届出日", DATES), ("世帯", ("household_no",))),
        labels=_IN_HOUSEHOLD, rel="転入後の続柄", prefill_rel=True),
    Operation(
        "move_within", "転居", move_within, (EventKind.MOVE_WITHIN,), schemas.MoveWithinIn, build_move_within,
        contractor=True, page="household", needs="household", description="世帯全員が市区町村の中で住所を変えます。",
        groups=(_ADDR, _WHEN)),
    Operation(
        "move_out", "転出", move_out, (EventKind.MOVE_OUT,), schemas.MoveOutIn, build_move_out, contractor=True,
        page="household", needs="household",
        description="転出予定日で除票になります。転出先がグループの構成団体なら転出証明書情報を送ります。",
        groups=(("転出先", ("destination", "destination_code")), _HEAD, _WHEN),
        labels={"effective_on": "転出予定日"}, pick="転出する", rel="残る世帯員の新しい続柄（世帯主が転出する場合）",
        head_choices=("new_head_person_no",)),
    Operation(
        "household_split", "世帯分離", household_split, (EventKind.HOUSEHOLD_SPLIT,), schemas.HouseholdSplitIn,
        build_household_split, contractor=True, page="household", needs="household",
        description="世帯員の一部が新しい世帯をつくります（住所を変えない場合は住所欄を空欄）。",
        groups=(("新しい世帯", ("new_head_person_no", "remaining_head_person_no")),
                ("新しい世帯の住所（同じ住所なら空欄）", ADDRESS), _WHEN),
        labels={"new_head_person_no": "新しい世帯の世帯主", "address": "住所"}, pick="分離する",
        rel="新しい続柄", head_choices=("new_head_person_no", "remaining_head_person_no"), after="new_household",
        optional=True),
    Operation(
        "household_merge", "世帯合併", household_merge, (EventKind.HOUSEHOLD_MERGE,), schemas.HouseholdMergeIn,
        build_household_merge, contractor=True, page="household", needs="household",
        description="この世帯の全員が他の世帯に入り、この世帯は消除されます。",
        groups=(("合併先", ("into_household_no",)), _WHEN), rel="合併後の続柄"),
    Operation(
        "head_change", "世帯主変更", head_change, (EventKind.HEAD_CHANGE,), schemas.HeadChangeIn, build_head_change,
        contractor=True, page="household", needs="household",
        description="新しい世帯主を選び、全員の続柄を新しい世帯主から見た続柄で記入します。",
        groups=(("新しい世帯主", ("new_head_person_no",)), _WHEN), rel="新しい続柄",
        head_choices=("new_head_person_no",)),
    Operation(
        "composition_change", "世帯構成変更", composition_change, (EventKind.COMPOSITION_CHANGE,),
        schemas.CompositionChangeIn, build_composition_change, contractor=True, page="household", needs="household",
        description="世帯主は変えずに続柄を変更します（例: 同居人 → 妻（未届））。",
        groups=(_WHEN,), rel="続柄", prefill_rel=True),
    Operation(
        "birth", "出生", birth, (EventKind.BIRTH,), schemas.BirthIn, build_birth, contractor=True, page="household",
        needs="household", summary="出生（effective_on は出生日）",
        description="戸籍の届出の通知により、出生した子をこの世帯に記載します。",
        groups=(("出生した子", ("family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified",
                            "sex", "relationship", "mother_person_no", "resident_type", "registered_domicile",
                            "domicile_head", "individual_number", "resident_code")),
                ("外国人住民の場合", FOREIGN_ITEMS), _WHEN),
        labels={"effective_on": "出生日", "relationship": "続柄（世帯主から見て）"}, head_choices=("mother_person_no",)),
    Operation(
        "address_setting", "住所設定", address_setting, (EventKind.ADDRESS_SETTING,), schemas.MoveWithinIn,
        build_move_within, page="household", needs="household",
        description="住居表示の実施などで、転居せずに住所が変わります。", groups=(_ADDR, _WHEN)),
    Operation(
        "ex_officio_removal", "職権消除", ex_officio_removal, (EventKind.EX_OFFICIO_REMOVAL,),
        schemas.ExOfficioRemovalIn, build_ex_officio_removal, page="household", needs="household",
        description="実態調査で居住の事実がない場合などに、職権で消除します。",
        groups=(("職権消除", ("effective_on", "reason")), _HEAD), pick="消除する",
        rel="残る世帯員の新しい続柄（世帯主を消除する場合）", head_choices=("new_head_person_no",),
        labels={"reason": "職権消除の理由"}),
    Operation(
        "death", "死亡", death, (EventKind.DEATH,), schemas.DeathIn, build_death, contractor=True, page="person",
        needs="person", description="死亡の届出（戸籍の通知）により消除します。",
        groups=(("死亡", ("death_date", "death_date_precision", "notified_on", "reason")), _HEAD),
        rel="残る世帯員の新しい続柄（世帯主が死亡した場合）", head_choices=("new_head_person_no",), after="person"),
    Operation(
        "correction", "職権修正・軽微な修正・誤記修正", correct,
        (EventKind.EX_OFFICIO_CORRECTION, EventKind.MINOR_CORRECTION, EventKind.CLERICAL_CORRECTION),
        schemas.CorrectionIn, build_correction, page="person", on_removed=True, needs="person",
        description="修正する項目だけを入力します（空欄の項目は変わりません）。",
        groups=(("修正", ("correction_kind", "corrects_event_id", "correction_on", "reason")),
                ("修正後の内容", CORRECTION_ITEMS)),
        labels={"reason": "修正の理由"}, aliases={"kind": "correction_kind", "effective_on": "correction_on",
                                                "items": "family_name"},
        optional=True, after="person"),
    Operation(
        "individual_number", "個人番号の記載・変更", change_individual_number, (EventKind.INDIVIDUAL_NUMBER_CHANGE,),
        schemas.IndividualNumberIn, build_individual_number, page="person", needs="person",
        groups=(("個人番号", ("individual_number", "effective_on", "reason")),), after="person"),
    Operation(
        "resident_code", "住民票コードの記載・変更", change_resident_code, (EventKind.RESIDENT_CODE_CHANGE,),
        schemas.ResidentCodeIn, build_resident_code, page="person", needs="person",
        groups=(("住民票コード", ("resident_code", "effective_on", "reason")),), after="person"),
    Operation(
        "residence_status", "在留資格変更・在留期間更新", change_residence_status,
        (EventKind.RESIDENCE_STATUS_CHANGE, EventKind.PERIOD_OF_STAY_RENEWAL), schemas.ResidenceStatusIn,
        build_residence_status, page="person", needs="person", description="出入国在留管理庁からの通知により記載します。",
        groups=(("在留資格", ("renewal", "residence_status", "period_of_stay", "stay_expires_on",
                           "residence_card_number", "effective_on", "reason")),), after="person",
        labels={"stay_expires_on": "在留期間の満了日"}),
    Operation(
        "naturalization", "帰化", naturalization, (EventKind.NATURALIZATION,), schemas.NaturalizationIn,
        build_naturalization, page="person", needs="person", description="外国人住民が帰化し、日本人住民の住民票になります。",
        groups=(("帰化後の氏名と本籍", NATURALIZATION_ITEMS), ("異動日", ("effective_on", "reason"))), after="person",
        labels={"registered_domicile": "本籍"}),
    Operation(
        "nationality_loss", "国籍喪失", nationality_loss, (EventKind.NATIONALITY_LOSS,), schemas.NationalityLossIn,
        build_nationality_loss, page="person", needs="person", description="日本の国籍を失い、外国人住民の住民票になります。",
        groups=(("外国人住民の事項", FOREIGN_ITEMS), ("異動日", ("effective_on", "reason"))), after="person"),
    Operation(
        "cancellation", "異動の取消し", cancel_event, (EventKind.CANCELLATION,), schemas.CancellationIn,
        build_cancellation, page="person", on_removed=True, needs="person",
        description="誤って記録した異動を取り消します。取消しも異動として記録されます（後の異動から順に取り消します）。",
        groups=(("取消し", ("event_id", "reason")),), labels={"reason": "取消しの理由"}, after="person"),
    Operation(
        "disappearance", "失踪", disappearance, (EventKind.DISAPPEARANCE,), schemas.DisappearanceIn,
        build_disappearance, page="person", needs="person", description="失踪宣告により消除します。",
        groups=(("失踪宣告", ("declared_on", "notified_on", "reason")), _HEAD),
        rel="残る世帯員の新しい続柄（世帯主の場合）", head_choices=("new_head_person_no",), after="person"),
)}


def on_page(page: str) -> list[Operation]:
    return [op for op in OPERATIONS.values() if op.page == page]


def mode_for(user: Any, op: Operation) -> str | None:
    """'change' for a clerk, 'prepare' for a counter contractor (when the operation allows it), else None."""
    if user.has_cap(op.capability):
        return "change"
    if user.has_cap(Cap.REGISTRY_PREPARE) and op.contractor:
        return "prepare"
    return None


def available(user: Any, ops: Sequence[Operation]) -> list[tuple[str, str]]:
    """(slug, label) of the operations this user may enter or prepare."""
    return [(op.slug, op.label) for op in ops if mode_for(user, op)]


def contractor_operations() -> dict[str, Operation]:
    return {slug: op for slug, op in OPERATIONS.items() if op.contractor}
