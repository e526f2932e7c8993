"""The request bodies of the 異動 (the API's and the approval queue's): every field named and typed, so the
OpenAPI document tells an integrator what to send.

Dates are the platform's `WarekiDate`: 西暦 (2026-04-01) or 和暦 (令和8年4月1日, R8.4.1) in, a date out; a bad
one answers 400 with a Japanese message naming the field. Each body turns itself into the service's keyword arguments
(`service_args`); the services validate the rest as they do for a screen.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from lgcloud.platform.api.types import WarekiDate


def plain(items: dict[str, Any]) -> dict[str, Any]:
    """Item values as the services take them from a form: text, except flags, nested objects and None."""
    return {k: v if v is None or isinstance(v, bool | dict) else str(v) for k, v in items.items()}


class PersonIn(Schema):
    """A person's items (住民票の記載事項). In a 転入 or 出生 the items of the new record; in a 修正, 帰化 or 国籍喪失
    only the items that change (an item left out stays as it is)."""

    model_config = ConfigDict(extra="forbid")

    resident_type: str | None = Field(default=None, description="住民種別: japanese（日本人）・foreign（外国人）。既定は japanese")
    family_name: str | None = Field(default=None, description="氏", max_length=100)
    given_name: str | None = Field(default=None, description="名", max_length=100)
    family_name_kana: str | None = Field(default=None, description="氏のフリガナ（カタカナ）", max_length=200)
    given_name_kana: str | None = Field(default=None, description="名のフリガナ（カタカナ）", max_length=200)
    kana_certified: bool | None = Field(default=None, description="フリガナが確認済みか（戸籍の振り仮名）")
    former_family_name: str | None = Field(default=None, description="旧氏", max_length=100)
    former_family_name_kana: str | None = Field(default=None, description="旧氏のフリガナ", max_length=200)
    birth_date: WarekiDate | None = Field(default=None, description="生年月日")
    birth_date_precision: str | None = Field(default=None, description="生年月日の精度: day・month・year・approx・unknown")
    sex: str | None = Field(default=None, description="性別: male（男）・female（女）")
    relationship: str | None = Field(default=None, description="続柄（世帯主から見た続柄。例: 世帯主、妻、子、父、同居人）")
    registered_domicile: str | None = Field(default=None, description="本籍（日本人住民）", max_length=200)
    domicile_head: str | None = Field(default=None, description="筆頭者（日本人住民）", max_length=100)
    individual_number: str | None = Field(default=None, description="個人番号（12桁）")
    resident_code: str | None = Field(default=None, description="住民票コード（11桁）")
    electoral_registered: bool | None = Field(default=None, description="選挙人名簿に登録されているか")
    alphabet_name: str | None = Field(default=None, description="氏名（アルファベット、外国人住民）", max_length=200)
    alias: str | None = Field(default=None, description="通称", max_length=100)
    alias_kana: str | None = Field(default=None, description="通称のフリガナ", max_length=200)
    nationality: str | None = Field(default=None, description="国籍・地域（外国人住民）", max_length=60)
    foreign_category: str | None = Field(default=None, description="外国人住民の区分: mid_long_term・special_permanent・"
                                                           "temporary_protection・birth_or_loss")
    residence_status: str | None = Field(default=None, description="在留資格（例: 永住者、技術・人文知識・国際業務）", max_length=60)
    period_of_stay: str | None = Field(default=None, description="在留期間（例: 3年）", max_length=30)
    stay_expires_on: WarekiDate | None = Field(default=None, description="在留期間の満了日")
    residence_card_number: str | None = Field(default=None, description="在留カード等の番号", max_length=12)
    became_foreign_resident_on: WarekiDate | None = Field(
        default=None, description="外国人住民となった年月日")
    notes: str | None = Field(default=None, description="備考", max_length=2000)
    benefits: dict[str, Any] | None = Field(default=None, description="国保・年金等の情報")

    def items(self) -> dict[str, Any]:
        """The items given, as the services take them."""
        return plain(self.model_dump(mode="json", exclude_unset=True))


class AddressIn(Schema):
    address: str = Field(default="", description="住所（都道府県から）")
    address_extra: str = Field(default="", description="方書")
    address_code: str = Field(default="", description="住所コード")
    district: str = Field(default="", description="地区（大字・町丁）")
    postal_code: str = Field(default="", description="郵便番号")


class Body(Schema):
    """A 異動's request body."""

    def service_args(self) -> dict[str, Any]:
        """The service's keyword arguments (JSON values: they are also what the approval queue stores)."""
        return self.model_dump(mode="json", exclude={"acknowledge_alerts"})


class EventIn(Body):
    acknowledge_alerts: bool = Field(default=False, description="抑止（警告）・支援措置の警告を確認済みとして記録する（409 の後に再送）")


class Ack(EventIn):
    reason: str = Field(default="", description="理由・備考（異動に記録される）")


class Dated(Ack):
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    notified_on: WarekiDate | None = Field(default=None, description="届出日")


class Locked(Dated):
    versions: dict[int, int] | None = Field(
        None, description="{宛名番号: 画面を開いたときの版}: その後に変更されていれば 409")


class MoveInIn(Dated):
    persons: list[PersonIn] = Field(default=[], description="転入する人（1人1件）")
    address: AddressIn = AddressIn()
    previous_address: str = Field(default="", description="転入前の住所（国外の場合は国名）")
    household_no: int | None = Field(default=None, description="既存の世帯に入る場合の世帯番号")
    kind: str | None = Field(default=None, description="move_in（既定）・move_in_from_abroad（国外から）・re_move_in（再転入）")
    re_move_in: dict[int, PersonIn] | None = Field(default=None, description="再転入する人 {宛名番号: 変わった事項と続柄}")

    def service_args(self) -> dict[str, Any]:
        from lgcloud.areas.registry.event_forms import check_move_in_kind

        check_move_in_kind(self.kind)
        return {**super().service_args(), "persons": [p.items() for p in self.persons],
                "re_move_in": {k: v.items() for k, v in self.re_move_in.items()} if self.re_move_in else None}


class ExOfficioEntryIn(Dated):
    persons: list[PersonIn] = Field(default=[], description="記載する人（1人1件）")
    address: AddressIn = AddressIn()
    previous_address: str = Field(default="", description="従前の住所（分かる場合。既定は「職権記載」）")
    household_no: int | None = Field(default=None, description="既存の世帯に入る場合の世帯番号")

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "persons": [p.items() for p in self.persons],
                "previous_address": self.previous_address or "職権記載"}


class MoveInFromCertificateIn(EventIn):
    message_id: int = Field(default=0, description="受信箱の転出証明書情報の番号")
    address: AddressIn = AddressIn()
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    notified_on: WarekiDate | None = Field(default=None, description="届出日")
    household_no: int | None = Field(default=None, description="既存の世帯に入る場合の世帯番号")
    relationships: dict[int, str] | None = Field(default=None, description="{転出元の宛名番号: 転入後の続柄}")


class MoveWithinIn(Locked):
    household_no: int = Field(default=0, description="世帯番号")
    address: AddressIn = AddressIn()


class MoveOutIn(Locked):
    person_nos: list[int] = Field(default=[], description="転出する人の宛名番号")
    destination: str = Field(default="", description="転出先の住所")
    destination_code: str | None = Field(default=None, description="転出先がグループの構成団体なら団体コード（転出証明書情報を送る）")
    new_head_person_no: int | None = Field(default=None, description="世帯主が転出する場合、残る世帯員の新しい世帯主")
    relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 新しい続柄}（世帯主が転出する場合）")


class HouseholdSplitIn(Locked):
    person_nos: list[int] = Field(default=[], description="分離する人の宛名番号")
    new_head_person_no: int | None = Field(default=None, description="新しい世帯の世帯主")
    address: AddressIn | None = Field(default=None, description="新しい世帯の住所（同じ住所なら省略）")
    relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 新しい世帯での続柄}")
    remaining_head_person_no: int | None = Field(default=None, description="世帯主が分離する場合、元の世帯の新しい世帯主")
    remaining_relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 元の世帯での新しい続柄}")


class HouseholdMergeIn(Locked):
    from_household_no: int = Field(default=0, description="合併して消除される世帯")
    into_household_no: int = Field(default=0, description="合併先の世帯")
    relationships: dict[int, str] = Field(default={}, description="{宛名番号: 合併後の続柄}")


class HeadChangeIn(Locked):
    household_no: int = Field(default=0, description="世帯番号")
    new_head_person_no: int = Field(default=0, description="新しい世帯主の宛名番号")
    relationships: dict[int, str] = Field(default={}, description="{宛名番号: 新しい世帯主から見た続柄}")


class CompositionChangeIn(Locked):
    household_no: int = Field(default=0, description="世帯番号")
    relationships: dict[int, str] = Field(default={}, description="{宛名番号: 新しい続柄}")


class BirthIn(Dated):
    child: PersonIn = Field(default=PersonIn(), description="出生した子の事項（生年月日は effective_on）")
    household_no: int = Field(default=0, description="記載する世帯")
    mother_person_no: int | None = Field(default=None, description="母の宛名番号")

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "child": self.child.items()}


class DeathIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    death_date: WarekiDate | None = Field(default=None, description="死亡日")
    death_date_precision: str = Field(default="day", description="死亡日の精度: day・month・year・approx・unknown")
    notified_on: WarekiDate | None = Field(default=None, description="届出日")
    new_head_person_no: int | None = Field(default=None, description="世帯主が死亡した場合、残る世帯員の新しい世帯主")
    relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 新しい続柄}")
    versions: dict[int, int] | None = Field(default=None, description="{宛名番号: 画面を開いたときの版}")


class DisappearanceIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    declared_on: WarekiDate | None = Field(default=None, description="失踪宣告の日")
    notified_on: WarekiDate | None = Field(default=None, description="届出日")
    new_head_person_no: int | None = Field(default=None, description="世帯主の場合、残る世帯員の新しい世帯主")
    relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 新しい続柄}")


class ExOfficioRemovalIn(Ack):
    person_nos: list[int] = Field(default=[], description="消除する人の宛名番号")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    new_head_person_no: int | None = Field(default=None, description="世帯主を消除する場合、残る世帯員の新しい世帯主")
    relationships: dict[int, str] | None = Field(default=None, description="{宛名番号: 新しい続柄}")


class CorrectionIn(Ack):
    kind: str = Field(default="", description="ex_officio_correction（職権修正）・minor_correction（軽微な修正）・"
                                      "clerical_correction（誤記修正）")
    person_no: int = Field(default=0, description="宛名番号")
    items: PersonIn = Field(default=PersonIn(), description="修正する事項（修正後の値）")
    corrects_event_id: int | None = Field(default=None, description="修正の対象とする異動（その異動日から修正される）")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = Field(default=None, description="{宛名番号: 画面を開いたときの版}")

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "items": self.items.items()}


class IndividualNumberIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    individual_number: str = Field(default="", description="個人番号（12桁）")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = None


class ResidentCodeIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    resident_code: str = Field(default="", description="住民票コード（11桁）")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = None


class ResidenceStatusIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    residence_status: str = Field(default="", description="在留資格（在留期間更新では省略）")
    period_of_stay: str = Field(default="", description="在留期間（例: 3年）")
    stay_expires_on: WarekiDate | None = Field(default=None, description="在留期間の満了日")
    residence_card_number: str = Field(default="", description="在留カード等の番号")
    renewal: bool = Field(default=False, description="在留期間更新（在留資格は変わらない）")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = None


class NaturalizationIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    japanese: PersonIn = Field(default=PersonIn(), description="帰化後の氏名・フリガナ・本籍など")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = None

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "japanese": self.japanese.items()}


class NationalityLossIn(Ack):
    person_no: int = Field(default=0, description="宛名番号")
    foreign: PersonIn = Field(default=PersonIn(), description="外国人住民の事項（氏名（アルファベット）、国籍・地域、区分など）")
    effective_on: WarekiDate | None = Field(default=None, description="異動日")
    versions: dict[int, int] | None = None

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "foreign": self.foreign.items()}


class CancellationIn(EventIn):
    event_id: int = Field(default=0, description="取り消す異動の番号")
    reason: str = Field(default="", description="取消しの理由")
