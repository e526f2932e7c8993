"""Registry forms render the fields; the services validate (the screen and the API give the same Japanese
messages, put next to the field the error names)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms

from lgcloud.areas.registry.certificates import OPTION_DEFAULTS, OPTION_LABELS
from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.models import (
    CertificateKind,
    CertificateLayout,
    EventKind,
    ForeignCategory,
    RequesterRelationship,
    ResidentType,
    RestrictedAction,
    RestrictionMode,
    Sex,
    Status,
)

DATE_HELP = "西暦（2026-04-01）か和暦（令和8年4月1日、R8.4.1）で入力"
CHOOSE = ("", "選んでください")


class _CheckedByService:
    """Marked required for the label and the screen reader, but the service checks it and names the field."""

    def validate(self, value: Any) -> None:
        return None


class Text(_CheckedByService, forms.CharField):
    pass


class Choices(_CheckedByService, forms.MultipleChoiceField):
    pass


def text(label: str, *, required: bool = False, help_text: str = "", **attrs: Any) -> Text:
    return Text(label=label, required=required, help_text=help_text,
                widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}))


def date(label: str, *, required: bool = True, help_text: str = DATE_HELP) -> Text:
    return text(label, required=required, help_text=help_text, inputmode="text")


def number(label: str, *, required: bool = False, help_text: str = "") -> Text:
    return text(label, required=required, help_text=help_text, inputmode="numeric")


def choice(label: str, choices: Iterable[tuple[str, str]], *, required: bool = False, blank: str = CHOOSE[1],
           help_text: str = "") -> Text:
    options = [("", blank), *choices] if blank else list(choices)
    return Text(label=label, required=required, help_text=help_text, widget=forms.Select(choices=options))


def area(label: str, *, required: bool = False, rows: int = 2, help_text: str = "") -> Text:
    return Text(label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))


def flag(label: str, *, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


def relationship(label: str = "続柄", *, required: bool = True) -> Text:
    return text(label, required=required, list="relationship-terms",
                help_text="世帯主・妻・子・子の妻・妻の父・同居人など（「孫」は「子の子」）")


RELATIONSHIP_TERMS = ("世帯主", "夫", "妻", "夫（未届）", "妻（未届）", "子", "子の夫", "子の妻", "子の子", "父", "母",
                      "兄", "姉", "弟", "妹", "妻の父", "妻の母", "夫の父", "夫の母", "同居人", "縁故者")
PRECISIONS = Precision.choices


class RegistryForm(forms.Form):
    """A form whose fields are built from a list of names in FIELDS (plus extra ones), so each 異動's form
    lists what it asks for and the catalogue holds each field once."""

    def __init__(self, *args: Any, names: Sequence[str] = (), labels: Mapping[str, str] | None = None,
                 extra: Mapping[str, forms.Field] | None = None, optional: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in names:
            field = FIELDS[name]()
            if labels and name in labels:
                field.label = labels[name]
            if optional:
                field.required = False
            self.fields[name] = field
        self.fields.update(extra or {})

    def raw(self, name: str) -> str:
        """The value as typed (the services check it)."""
        if not self.is_bound:
            return ""
        value = self.data.get(self.add_prefix(name), "")
        return str(value).strip()

    def raw_list(self, name: str) -> list[str]:
        if not self.is_bound:
            return []
        values = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
        return [str(v).strip() for v in values if str(v).strip()]

    def flag(self, name: str) -> bool:
        return self.raw(name).lower() in {"on", "1", "true", "yes"}

    def show_error(self, field: str | None, message: str) -> bool:
        """Put a service's message on the field it names; False when the form has no such field."""
        if field and field in self.fields and self.is_bound:
            if message not in self.errors.get(field, []):
                self.add_error(field, message)
            return True
        return False

    def blank(self) -> bool:
        return not any(self.raw(n) for n in self.fields if n not in self.always_filled)

    always_filled: frozenset[str] = frozenset({"resident_type", "birth_date_precision"})


# The catalogue: every field a registry form can ask for, once.
FIELDS: dict[str, Any] = {
    # dates and notes common to the 異動
    "effective_on": lambda: date("異動日"),
    "notified_on": lambda: date("届出日"),
    "reason": lambda: area("事由・備考"),
    # address
    "address": lambda: text("住所", required=True, autocomplete="off"),
    "address_extra": lambda: text("方書", help_text="アパート・マンション名、部屋番号など"),
    "postal_code": lambda: text("郵便番号", inputmode="numeric", help_text="例: 362-0806"),
    "district": lambda: text("地区"),
    "address_code": lambda: text("住所コード"),
    "previous_address": lambda: text("転入前住所", required=True, help_text="国外からの転入は国名・地域名"),
    "destination": lambda: text("転出先の住所", required=True),
    "destination_code": lambda: choice("転出先（グループの構成団体の場合）", [], blank="グループ外・指定しない"),
    # households and persons by number
    "household_no": lambda: number("世帯番号"),
    "into_household_no": lambda: number("合併先の世帯番号", required=True),
    "new_head_person_no": lambda: choice("新しい世帯主", []),
    "remaining_head_person_no": lambda: choice("元の世帯に残る人の新しい世帯主", [],
                                               help_text="世帯主が分離する場合だけ選びます"),
    "mother_person_no": lambda: choice("母", [], blank="指定しない（世帯にいない）"),
    "move_in_kind": lambda: choice("転入の種別", [(EventKind.MOVE_IN, "転入（国内から）"),
                                             (EventKind.MOVE_IN_FROM_ABROAD, "国外からの転入"),
                                             (EventKind.RE_MOVE_IN, "再転入（除票のある人が戻る）")], blank=""),
    # person items
    "resident_type": lambda: choice("住民種別", ResidentType.choices, blank=""),
    "family_name": lambda: text("氏", required=True),
    "given_name": lambda: text("名"),
    "family_name_kana": lambda: text("氏（フリガナ）", help_text="ひらがな・半角カナでも入力できます"),
    "given_name_kana": lambda: text("名（フリガナ）"),
    "kana_certified": lambda: flag("振り仮名が記載済み（戸籍・通知で確認済み）"),
    "former_family_name": lambda: text("旧氏"),
    "alphabet_name": lambda: text("氏名（アルファベット）", help_text="外国人住民は必須"),
    "alias": lambda: text("通称"),
    "nationality": lambda: text("国籍・地域"),
    "foreign_category": lambda: choice("外国人住民の区分", ForeignCategory.choices),
    "residence_status": lambda: text("在留資格", list="residence-statuses"),
    "period_of_stay": lambda: text("在留期間", help_text="例: 3年"),
    "stay_expires_on": lambda: date("在留期間の満了日", required=False),
    "residence_card_number": lambda: text("在留カード等番号", help_text="英字2桁・数字8桁・英字2桁"),
    "birth_date": lambda: date("生年月日", help_text="和暦（昭和60年4月2日、S60.4.2）か西暦で入力"),
    "birth_date_precision": lambda: choice("生年月日の精度", PRECISIONS, blank=""),
    "sex": lambda: choice("性別", Sex.choices, required=True),
    "relationship": lambda: relationship(),
    "registered_domicile": lambda: text("本籍"),
    "domicile_head": lambda: text("筆頭者"),
    "individual_number": lambda: number("個人番号", help_text="12桁"),
    "resident_code": lambda: number("住民票コード", help_text="11桁"),
    "re_person_no": lambda: number("除票の宛名番号（再転入の場合）"),
    # removals
    "death_date": lambda: date("死亡日"),
    "death_date_precision": lambda: choice("死亡日の精度", PRECISIONS, blank=""),
    "declared_on": lambda: date("失踪宣告により死亡とみなされる日"),
    # corrections and cancellations
    "correction_kind": lambda: choice("修正の種類", [(EventKind.EX_OFFICIO_CORRECTION, "職権修正"),
                                              (EventKind.MINOR_CORRECTION, "軽微な修正"),
                                              (EventKind.CLERICAL_CORRECTION, "誤記修正")], required=True),
    "corrects_event_id": lambda: choice("修正する異動", [], blank="指定しない（修正日から）",
                                       help_text="記録した異動の誤りは、その異動日に遡って修正されます"),
    "correction_on": lambda: date("修正の効力日", required=False, help_text="修正する異動を指定しない場合（空欄は今日）"),
    "event_id": lambda: choice("取り消す異動", [], required=True),
    "renewal": lambda: flag("在留期間更新（在留資格は変わらない）"),
}

# Person items a row of the 転入 form asks for.
PERSON_ROW = ("resident_type", "family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified",
              "birth_date", "birth_date_precision", "sex", "relationship", "registered_domicile", "domicile_head",
              "individual_number", "resident_code", "alphabet_name", "alias", "nationality", "foreign_category",
              "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number", "re_person_no")
FOREIGN_ITEMS = ("alphabet_name", "alias", "nationality", "foreign_category", "residence_status", "period_of_stay",
                 "stay_expires_on", "residence_card_number")


class PersonRowForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, names=PERSON_ROW, **kwargs)

    def items(self) -> dict[str, Any]:
        """The row's person items for the service (empty values left out, flags as booleans)."""
        out: dict[str, Any] = {}
        for name in PERSON_ROW:
            if name == "re_person_no":
                continue
            if name == "kana_certified":
                out[name] = self.flag(name)
            elif self.raw(name):
                out[name] = self.raw(name)
        return out


# --- search, look-up and confirmation ------------------------------------------------------------

STATUS_FILTER = [("", "住民と除票"), (Status.RESIDENT, "住民のみ"), (Status.REMOVED, "除票のみ")]


class SearchForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        empty = "「（空欄）」で空欄の人"
        super().__init__(*args, extra={
            "kana": text("フリガナ", help_text="ひらがな・半角カナでも探せます"),
            "name": text("氏名", help_text="漢字・アルファベット・旧氏・通称、過去の氏名も"),
            "birth_date": text("生年月日", help_text="和暦（昭和60年4月2日、S60.4.2）か西暦"),
            "sex": choice("性別", Sex.choices, blank="指定しない"),
            "address": text("住所", help_text="過去の住所も。方書を含めて探します"),
            "address_extra": text("方書（現在）", help_text=empty),
            "relationship": text("続柄", help_text=empty),
            "person_no": number("宛名番号"),
            "household_no": number("世帯番号"),
            "address_code": text("住所コード"),
            "removal_reason": text("消除事由", help_text="転出・死亡・失踪・職権消除"),
            "individual_number": number("個人番号"),
            "resident_code": number("住民票コード"),
            "residence_card_number": text("在留カード等番号"),
            "status": choice("住民状態", STATUS_FILTER, blank=""),
        }, **kwargs)


class AsOfForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={"as_of": date("基準日", required=False,
                                                      help_text="この日の時点の内容を表示（和暦・西暦）")}, **kwargs)


def _requester_fields() -> dict[str, forms.Field]:
    return {
        "requester_name": text("請求者の氏名", help_text="窓口で照会・請求している人"),
        "requester_kana": text("請求者のフリガナ"),
        "requester_birth_date": date("請求者の生年月日", required=False),
        "requester_person_no": number("請求者の宛名番号（住民の場合）"),
    }


class InquiryForm(RegistryForm):
    """The confirmation step of a 照会 with alerts: who asks, and why."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={**_requester_fields(), "purpose": text("照会の目的", required=True)}, **kwargs)


class RevealForm(RegistryForm):
    """The lawful purpose (番号法 第9条) is chosen from the catalogue, never typed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lgcloud.areas.registry import individual_number_uses

        uses = [(u.code, u.label) for u in individual_number_uses.available()]
        super().__init__(*args, extra={"purpose": choice("利用目的（番号法で認められた事務）", uses, required=True)},
                         **kwargs)


# --- certificates -------------------------------------------------------------------------------


class CertificateForm(RegistryForm):
    def __init__(self, *args: Any, members: Sequence[tuple[int, str]] = (), foreign: bool = True,
                 **kwargs: Any) -> None:
        extra: dict[str, forms.Field] = {
            "kind": Text(label="証明書の種類", required=True, initial=CertificateKind.RESIDENCE,
                         widget=forms.RadioSelect(choices=CertificateKind.choices)),
            "layout": Text(label="様式", required=True, initial=CertificateLayout.HOUSEHOLD,
                           widget=forms.RadioSelect(choices=CertificateLayout.choices)),
        }
        if members:
            extra["members"] = Choices(
                label="記載する世帯員", required=False, choices=[(str(n), label) for n, label in members],
                widget=forms.CheckboxSelectMultiple, initial=[str(n) for n, _ in members])
        for key, label in OPTION_LABELS.items():
            extra[f"option_{key}"] = forms.BooleanField(label=label, required=False, initial=OPTION_DEFAULTS[key])
        extra["as_of"] = date("記載内容の基準日", required=False, help_text="過去の日の内容で証明する場合（空欄は現在）")
        extra["requester_relationship"] = choice("請求者と対象者の関係", RequesterRelationship.choices, required=True)
        extra.update(_requester_fields())
        extra["requester_name"].required = True
        extra["principal_name"] = text("委任者の氏名（代理人による請求の場合）")
        extra["principal_birth_date"] = date("委任者の生年月日", required=False)
        extra["purpose"] = text("使用目的", required=True, help_text="例: 運転免許証の申請")
        super().__init__(*args, extra=extra, **kwargs)
        self.foreign = foreign

    COMMON_OPTIONS = ("household_head", "registered_domicile", "resident_code", "individual_number", "history")

    @property
    def option_fields_common(self) -> list[forms.BoundField]:
        return [self[f"option_{k}"] for k in OPTION_LABELS if k in self.COMMON_OPTIONS]

    @property
    def option_fields_foreign(self) -> list[forms.BoundField]:
        return [self[f"option_{k}"] for k in OPTION_LABELS if k not in self.COMMON_OPTIONS]


# --- 抑止 and 支援措置 ------------------------------------------------------------------------------


class RestrictionForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={
            "person_no": number("宛名番号（個人に設定）"),
            "household_no": number("世帯番号（世帯に設定）"),
            "action": choice("対象業務", RestrictedAction.choices, required=True),
            "mode": choice("種別", RestrictionMode.choices, required=True),
            "starts_on": date("開始日"),
            "ends_on": date("終了予定日", required=False, help_text="終了予定日を過ぎても自動では解除されず、警告します"),
            "reason": text("理由", required=True),
        }, **kwargs)


class SupportMeasureForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={
            "applicant_person_no": number("申出者の宛名番号", required=True),
            "accompanying": text("併せて支援を求める者の宛名番号", help_text="複数は「,」で区切る"),
            "starts_on": date("開始日"),
            "provisional": flag("仮支援措置（審査中）"),
            "offender_person_no": number("加害者とされる者の宛名番号（住民の場合）"),
            "offender_name": text("加害者とされる者の氏名"),
            "offender_kana": text("加害者とされる者のフリガナ"),
            "offender_birth_date": date("加害者とされる者の生年月日", required=False),
            "offender_address": text("加害者とされる者の住所"),
            "addresses": area("関係する住所"),
            "note": area("備考"),
        }, **kwargs)


class RejectForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={"reason": text("却下の理由", required=True)}, **kwargs)


class RedownloadForm(RegistryForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extra={"purpose": text("再出力の理由", required=True)}, **kwargs)
