"""The resident register: immutable events (異動) and the current-state projection they fold into.

Person and Household are projections: every change comes from a RegistryEvent through
registry.engine, which also writes the per-person history snapshot (履歴) and the audit record.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lgcloud.areas.registry.dates import Precision
from lgcloud.platform.tenancy.scoping import ScopedModel


class Status(models.TextChoices):
    RESIDENT = "resident", "住民"
    REMOVED = "removed", "除票"


class ResidentType(models.TextChoices):
    JAPANESE = "japanese", "日本人"
    FOREIGN = "foreign", "外国人"


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class ForeignCategory(models.TextChoices):
    MID_LONG_TERM = "mid_long_term", "中長期在留者"
    SPECIAL_PERMANENT = "special_permanent", "特別永住者"
    TEMPORARY_REFUGE = "temporary_refuge", "一時庇護許可者"
    PROVISIONAL_STAY = "provisional_stay", "仮滞在許可者"
    TRANSITIONAL = "transitional", "経過滞在者"


class MoveOutState(models.TextChoices):
    NONE = "", "－"
    PLANNED = "planned", "転出予定"
    CONFIRMED = "confirmed", "転出確定"


def _precision() -> models.CharField:
    return models.CharField(max_length=8, choices=Precision.choices, default=Precision.DAY)


class Household(ScopedModel):
    household_no = models.PositiveBigIntegerField("世帯番号")
    status = models.CharField("状態", max_length=10, default="active")  # active / dissolved
    address = models.CharField("住所", max_length=200)
    address_extra = models.CharField("方書", max_length=200, blank=True)
    address_code = models.CharField("住所コード", max_length=20, blank=True)
    district = models.CharField("地区", max_length=40, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    head = models.ForeignKey("Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "household_no"], name="household_no_unique")]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"世帯 {self.household_no}"


class Person(ScopedModel):
    """A resident record (住民票), current state. Items follow REGISTRY.md."""

    person_no = models.PositiveBigIntegerField("宛名番号")
    status = models.CharField("住民状態", max_length=10, choices=Status.choices, default=Status.RESIDENT)
    resident_type = models.CharField("住民種別", max_length=10, choices=ResidentType.choices)
    family_name = models.CharField("氏", max_length=100, blank=True)
    given_name = models.CharField("名", max_length=100, blank=True)
    family_name_kana = models.CharField("氏（フリガナ）", max_length=200, blank=True)
    given_name_kana = models.CharField("名（フリガナ）", max_length=200, blank=True)
    kana_certified = models.BooleanField("振り仮名記載済み", default=False)
    former_family_name = models.CharField("旧氏", max_length=100, blank=True)
    former_family_name_kana = models.CharField("旧氏（フリガナ）", max_length=200, blank=True)
    alphabet_name = models.CharField("氏名（アルファベット）", max_length=200, blank=True)
    alias = models.CharField("通称", max_length=100, blank=True)
    alias_kana = models.CharField("通称（フリガナ）", max_length=200, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    birth_date_precision = _precision()
    sex = models.CharField("性別", max_length=6, choices=Sex.choices)
    registered_domicile = models.CharField("本籍", max_length=200, blank=True)
    domicile_head = models.CharField("筆頭者", max_length=100, blank=True)
    nationality = models.CharField("国籍・地域", max_length=60, blank=True)
    foreign_category = models.CharField("外国人住民の区分", max_length=20, choices=ForeignCategory.choices, blank=True)
    residence_status = models.CharField("在留資格", max_length=60, blank=True)
    period_of_stay = models.CharField("在留期間", max_length=30, blank=True)
    stay_expires_on = models.DateField("在留期間の満了日", null=True, blank=True)
    residence_card_number = models.CharField("在留カード等番号", max_length=12, blank=True)
    became_foreign_resident_on = models.DateField("外国人住民となった年月日", null=True, blank=True)
    became_resident_on = models.DateField("住民となった年月日", null=True, blank=True)
    became_resident_precision = _precision()
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    relationship = models.CharField("続柄", max_length=40, blank=True)
    household_order = models.PositiveSmallIntegerField("世帯内の順位", default=1)
    address = models.CharField("住所", max_length=200, blank=True)
    address_extra = models.CharField("方書", max_length=200, blank=True)
    address_code = models.CharField("住所コード", max_length=20, blank=True)
    district = models.CharField("地区", max_length=40, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address_set_on = models.DateField("住所を定めた年月日", null=True, blank=True)
    address_set_precision = _precision()
    notified_on = models.DateField("届出年月日", null=True, blank=True)
    previous_address = models.CharField("転入前住所", max_length=200, blank=True)
    individual_number_enc = models.CharField("個人番号（暗号化）", max_length=200, blank=True)
    individual_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    individual_number_last4 = models.CharField(max_length=4, blank=True)
    resident_code = models.CharField("住民票コード", max_length=11, blank=True)
    electoral_registered = models.BooleanField("選挙人名簿登録", default=False)
    benefits = models.JSONField("国保・後期・介護・年金・児童手当", default=dict, blank=True)
    removal_reason = models.CharField("消除事由", max_length=20, blank=True)
    removed_on = models.DateField("消除日", null=True, blank=True)
    moved_to = models.CharField("転出先", max_length=200, blank=True)
    move_out_state = models.CharField("転出の状態", max_length=10, choices=MoveOutState.choices, blank=True)
    death_date = models.DateField("死亡日", null=True, blank=True)
    death_date_precision = _precision()
    notes = models.TextField("備考", blank=True)
    version = models.PositiveIntegerField("版", default=0)
    history_no = models.PositiveIntegerField("履歴番号", default=0)
    search_name = models.CharField(max_length=400, blank=True, db_index=True)
    search_kana = models.CharField(max_length=400, blank=True, db_index=True)
    # Every name, kana and address the person has had (normalised, one a line): partial-match search reads
    # the person's own row, so it can walk the 宛名番号 index and stop at the first page.
    search_names = models.TextField(blank=True)
    search_kanas = models.TextField(blank=True)
    search_addresses = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "person_no"], name="person_no_unique")]
        indexes = [
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["municipality", "birth_date"]),
            models.Index(fields=["municipality", "household"]),
        ]

    def __str__(self) -> str:
        return f"宛名番号 {self.person_no}"

    @property
    def full_name(self) -> str:
        if self.family_name or self.given_name:
            return f"{self.family_name}　{self.given_name}".strip("　")
        return self.alphabet_name

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}　{self.given_name_kana}".strip("　")


class EventKind(models.TextChoices):
    MOVE_IN = "move_in", "転入"
    MOVE_IN_FROM_ABROAD = "move_in_from_abroad", "国外からの転入"
    RE_MOVE_IN = "re_move_in", "再転入"
    MOVE_WITHIN = "move_within", "転居"
    MOVE_OUT = "move_out", "転出"
    MOVE_OUT_CONFIRMED = "move_out_confirmed", "転出確定"
    HOUSEHOLD_SPLIT = "household_split", "世帯分離"
    HOUSEHOLD_MERGE = "household_merge", "世帯合併"
    HEAD_CHANGE = "head_change", "世帯主変更"
    COMPOSITION_CHANGE = "composition_change", "世帯構成変更"
    BIRTH = "birth", "出生"
    DEATH = "death", "死亡"
    DISAPPEARANCE = "disappearance", "失踪"
    ADDRESS_SETTING = "address_setting", "住所設定"
    EX_OFFICIO_ENTRY = "ex_officio_entry", "職権記載"
    EX_OFFICIO_REMOVAL = "ex_officio_removal", "職権消除"
    EX_OFFICIO_CORRECTION = "ex_officio_correction", "職権修正"
    MINOR_CORRECTION = "minor_correction", "軽微な修正"
    CLERICAL_CORRECTION = "clerical_correction", "誤記修正"
    INDIVIDUAL_NUMBER_CHANGE = "individual_number_change", "個人番号の記載・変更"
    RESIDENT_CODE_CHANGE = "resident_code_change", "住民票コードの記載・変更"
    RESIDENCE_STATUS_CHANGE = "residence_status_change", "在留資格変更"
    PERIOD_OF_STAY_RENEWAL = "period_of_stay_renewal", "在留期間更新"
    NATURALIZATION = "naturalization", "帰化"
    NATIONALITY_LOSS = "nationality_loss", "国籍喪失"
    CANCELLATION = "cancellation", "異動の取消し"
    MIGRATION = "migration", "データ移行による記載"


class RegistryEvent(ScopedModel):
    """An immutable 異動. `changes` lists the item values it sets on persons and households:
    [{"target": "person"|"household", "id": pk, "set": {item: value}}]. Folding the events of a
    person in (effective_on, id) order, without cancelled ones, gives the person as of any date."""

    kind = models.CharField("異動事由", max_length=30, choices=EventKind.choices)
    effective_on = models.DateField("異動日")
    notified_on = models.DateField("届出日", null=True, blank=True)
    processed_at = models.DateTimeField("処理日時", default=timezone.now)
    clerk = models.CharField("処理者", max_length=150)
    role = models.CharField("役割", max_length=30, blank=True)
    channel = models.CharField("入力経路", max_length=10, blank=True)
    reason = models.CharField("事由・備考", max_length=300, blank=True)
    changes = models.JSONField("変更内容")
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    cancels = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="cancellations")
    approved_request = models.ForeignKey(
        "PreparedRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["municipality", "kind", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on}"


class EventSubject(ScopedModel):
    """Which persons and households an event touched (for per-person folds and history)."""

    # Derived rows, written by the hundred thousand by an import: no database foreign keys (no per-row check at
    # commit); PROTECT/CASCADE hold through the ORM, RLS's WITH CHECK the municipality, and `registry verify`
    # lists a row whose reference is gone (`references.verify_references`).
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_constraint=False)
    event = models.ForeignKey(RegistryEvent, on_delete=models.PROTECT, related_name="subjects", db_constraint=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="event_links",
                               db_constraint=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="event_links",
                                  db_constraint=False)

    class Meta:
        indexes = [models.Index(fields=["person", "event"]), models.Index(fields=["household", "event"])]


class PersonSnapshot(ScopedModel):
    """履歴: the full item set of a person after each change, numbered per person."""

    # Derived rows, written by the hundred thousand by an import: no database foreign keys (no per-row check at
    # commit); PROTECT/CASCADE hold through the ORM, RLS's WITH CHECK the municipality, and `registry verify`
    # lists a row whose reference is gone (`references.verify_references`).
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_constraint=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="snapshots", db_constraint=False)
    history_no = models.PositiveIntegerField("履歴番号")
    event = models.ForeignKey(RegistryEvent, on_delete=models.PROTECT, related_name="snapshots", db_constraint=False)
    effective_on = models.DateField("異動日")
    household_id_at = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "history_no"]
        constraints = [models.UniqueConstraint(fields=["person", "history_no"], name="snapshot_history_unique")]


class SearchKey(ScopedModel):
    """Normalised current and past names and addresses, so search finds people by what they were called
    and where they lived."""

    # Derived rows, written by the hundred thousand by an import: no database foreign keys (no per-row check at
    # commit); PROTECT/CASCADE hold through the ORM, RLS's WITH CHECK the municipality, and `registry verify`
    # lists a row whose reference is gone (`references.verify_references`).
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_constraint=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_keys", db_constraint=False)
    kind = models.CharField(max_length=10)  # name, kana, address
    value = models.CharField(max_length=400)  # search reads the person's search_* columns, not this table

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "value"], name="search_key_unique")]


class Counter(ScopedModel):
    """Per-municipality number sequences (宛名番号, 世帯番号)."""

    name = models.CharField(max_length=20)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="registry_counter_unique")]


class PreparedRequest(ScopedModel):
    """An entry prepared by a counter contractor (窓口業務の民間委託); it takes effect only when a
    municipal clerk approves it."""

    operation = models.CharField("業務", max_length=40)
    payload = models.JSONField()
    prepared_by = models.CharField("入力者", max_length=150)
    prepared_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField("状態", max_length=10, default="pending")  # pending / approved / rejected
    decided_by = models.CharField("決定者", max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)


class RestrictedAction(models.TextChoices):
    CHANGE = "change", "異動"
    ISSUE = "issue", "発行"
    INQUIRY = "inquiry", "照会"


class RestrictionMode(models.TextChoices):
    REFUSE = "refuse", "エラー（処理不可）"
    ALERT = "alert", "警告"


class Restriction(ScopedModel):
    """抑止: on a person or a household, for one action, refuse or alert, between dates. It does not end by
    itself at its end date (the system alerts instead); a temporary lift re-locks after a parameter."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="restrictions")
    action = models.CharField("対象業務", max_length=10, choices=RestrictedAction.choices)
    mode = models.CharField("種別", max_length=10, choices=RestrictionMode.choices)
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日", null=True, blank=True)
    reason = models.CharField("理由", max_length=300)
    set_by = models.CharField("設定者", max_length=150)
    removed = models.BooleanField("解除済み", default=False)
    removed_by = models.CharField("解除者", max_length=150, blank=True)
    lifted_until = models.DateTimeField("一時解除の期限", null=True, blank=True)
    lifted_by = models.CharField("一時解除者", max_length=150, blank=True)

    def __str__(self) -> str:
        return f"抑止 {self.get_action_display()} {self.get_mode_display()}"


class SupportStatus(models.TextChoices):
    PROVISIONAL = "provisional", "仮支援措置"
    ACTIVE = "active", "支援措置"
    ENDED = "ended", "終了"


class SupportMeasure(ScopedModel):
    """支援措置 (DV・ストーカー・児童虐待等): the applicant and accompanying persons are protected from one
    person; a request by or for that person never yields a certificate or the address."""

    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_measures")
    accompanying = models.JSONField("併せて支援を求める者（宛名番号）", default=list, blank=True)
    status = models.CharField("状態", max_length=12, choices=SupportStatus.choices)
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了日")
    extensions = models.PositiveSmallIntegerField("延長回数", default=0)
    offender_person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    offender_name = models.CharField("加害者の氏名", max_length=200, blank=True)
    offender_kana = models.CharField("加害者のフリガナ", max_length=200, blank=True)
    offender_birth_date = models.DateField("加害者の生年月日", null=True, blank=True)
    offender_address = models.CharField("加害者の住所", max_length=200, blank=True)
    offender_other_names = models.TextField("加害者の旧氏名・別名・フリガナ（1行に1つ）", blank=True)
    origin_code = models.CharField("通知元の団体コード", max_length=6, blank=True)
    origin_measure_id = models.BigIntegerField("通知元の支援措置番号", null=True, blank=True)
    addresses = models.TextField("関係する住所", blank=True)
    note = models.TextField("備考", blank=True)
    set_by = models.CharField("設定者", max_length=150)

    def __str__(self) -> str:
        return f"支援措置 {self.starts_on}〜{self.ends_on}"

    def protected_person_ids(self) -> set[int]:
        ids = {self.applicant_id}
        ids |= set(Person.objects.filter(person_no__in=self.accompanying).values_list("pk", flat=True))
        return ids


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "判断待ち"
    CLEARED = "cleared", "加害者ではないと判断"
    REFUSED = "refused", "加害者とされる者と判断"


class OffenderReview(ScopedModel):
    """A requester who matches the protected-from person only partly (a name without birth date, a birth date
    with a similar name): refused until a second clerk with the lift permission decides."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.PROTECT, related_name="reviews")
    action = models.CharField("対象業務", max_length=10, choices=RestrictedAction.choices)
    persons = models.JSONField("対象者（宛名番号）")
    requester = models.JSONField("請求者")
    requester_key = models.CharField(max_length=500, db_index=True)
    reason = models.CharField("一致した項目", max_length=300)
    status = models.CharField("状態", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    requested_by = models.CharField("受付者", max_length=150)
    requested_at = models.DateTimeField("受付日時", auto_now_add=True)
    decided_by = models.CharField("判断者", max_length=150, blank=True)
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    valid_until = models.DateTimeField("判断の有効期限", null=True, blank=True)
    note = models.CharField("判断の理由", max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at"]


class MoveLink(ScopedModel):
    """This member's record of a person and the same person's record in another member, from a move between
    them: a 支援措置 set on either side reaches the other along it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="move_links")
    other = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    other_person_no = models.PositiveBigIntegerField("相手団体の宛名番号")
    direction = models.CharField("向き", max_length=3)  # in (moved in from other) / out (moved out to other)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "other", "other_person_no"], name="move_link_unique")]


class SearchHistory(ScopedModel):
    """Each clerk's searches (検索履歴): what was asked and how many records came back."""

    staff = models.CharField("職員", max_length=150, db_index=True)
    query = models.JSONField("検索条件")
    result_count = models.PositiveIntegerField("件数")
    searched_at = models.DateTimeField("検索日時", auto_now_add=True)

    class Meta:
        ordering = ["-searched_at"]


class TransferKind(models.TextChoices):
    MOVE_OUT_CERTIFICATE = "move_out_certificate", "転出証明書情報"
    MOVE_IN_NOTICE = "move_in_notice", "転入通知"
    SUPPORT_MEASURE_NOTICE = "support_measure_notice", "支援措置の通知"


class TransferMessage(ScopedModel):
    """A message between members about a move. It belongs to the recipient (its `municipality`), so the
    sender writes into the recipient's inbox and neither ever reads the other's register."""

    kind = models.CharField("種別", max_length=30, choices=TransferKind.choices)
    sender = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField()
    status = models.CharField("状態", max_length=10, default="pending")  # pending / consumed
    created_at = models.DateTimeField(auto_now_add=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class CertificateKind(models.TextChoices):
    RESIDENCE = "residence_certificate", "住民票の写し"
    REMOVED_RECORD = "removed_record_certificate", "除票の写し"
    ENTRY = "entry_certificate", "記載事項証明書"
    REMOVED_ENTRY = "removed_entry_certificate", "除票記載事項証明書"


class CertificateLayout(models.TextChoices):
    HOUSEHOLD = "household", "世帯連記式"
    SINGLE = "single", "個人票"


class RequesterRelationship(models.TextChoices):
    SELF = "self", "本人"
    SAME_HOUSEHOLD = "same_household", "同一世帯の者"
    AGENT = "agent", "代理人"
    THIRD_PARTY = "third_party", "第三者"


class Certificate(ScopedModel):
    """A certificate issued (交付): who asked, for what, and the exact PDF handed over."""

    kind = models.CharField("種類", max_length=30, choices=CertificateKind.choices)
    issue_no = models.PositiveBigIntegerField("発行番号")
    persons = models.JSONField("対象者（宛名番号）")
    household_no = models.PositiveBigIntegerField("世帯番号", null=True, blank=True)
    options = models.JSONField("記載事項の選択", default=dict)
    layout = models.CharField("様式", max_length=10, choices=CertificateLayout.choices)
    as_of = models.DateField("記載内容の基準日", null=True, blank=True)
    requester_name = models.CharField("請求者の氏名", max_length=200)
    requester_relationship = models.CharField("請求者と対象者の関係", max_length=20,
                                              choices=RequesterRelationship.choices)
    purpose = models.CharField("使用目的", max_length=200)
    fee = models.PositiveIntegerField("手数料（円）")
    issued_at = models.DateTimeField("交付日時")
    issued_by = models.CharField("交付者", max_length=150)
    verification_code = models.CharField("照合番号", max_length=16, unique=True)
    content_sha256 = models.CharField("PDFのSHA-256", max_length=64)
    page_count = models.PositiveSmallIntegerField("ページ数")
    pdf = models.BinaryField("交付したPDF")
    # Its entry in the platform's issuance register (number, code and hash as above); null only for a certificate
    # issued before the register existed and not yet migrated.
    document = models.OneToOneField("documents.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="発行文書")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "issue_no"], name="certificate_issue_no_unique")]
        indexes = [models.Index(fields=["municipality", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 発行番号 {self.issue_no}"


class IssuedCertificateIndex(models.Model):
    """Superseded by documents.VerificationEntry, which the public verification page reads (migration 0012 copied
    these rows there); no longer written, kept so a database migrates forward without loss. Holds nothing personal."""

    code = models.CharField("照合番号", max_length=16, unique=True)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("交付日時")
    kind = models.CharField("種類", max_length=30, choices=CertificateKind.choices)
    content_sha256 = models.CharField("PDFのSHA-256", max_length=64)
    page_count = models.PositiveSmallIntegerField("ページ数")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"
