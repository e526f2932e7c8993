"""The 異動 screens' specs: per 異動 its form (field groups, labels, which members to pick), its builder and its
service, and which forms a household's or a person's page offers to whom."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lgcloud.areas.registry import transfer
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
from lgcloud.areas.registry.event_forms import (
    ADDRESS,
    CORRECTION_ITEMS,
    DATES,
    NATURALIZATION_ITEMS,
    Spec,
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
from lgcloud.areas.registry.forms import (
    FOREIGN_ITEMS,
)
from lgcloud.platform.accounts.roles import Cap

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


