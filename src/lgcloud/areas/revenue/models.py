"""The revenue ledger: instalments (期別) and the immutable entries that move their balances.

An amount is never changed in place. Every movement — 調定 and its 更正, 収納, 還付, 充当, 不納欠損, 減免,
延滞金 — is an `Entry` with a signed amount on the *outstanding* axis (+ raises what is owed, − lowers it),
so an instalment's balance on any date is the sum of its entries booked up to that date. A negative balance
is an over-payment (過誤納金) until it is refunded or appropriated.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.tenancy.scoping import ScopedModel

LEVY_LABELS = {
    "resident_tax.ordinary": "個人住民税（普通徴収）",
    "resident_tax.payroll": "個人住民税（特別徴収）",
    "resident_tax.pension": "個人住民税（年金特別徴収）",
    "property_tax": "固定資産税",
    "light_vehicle_tax": "軽自動車税（種別割）",
    "nhi_tax": "国民健康保険税",
}


def levy_label(levy: str) -> str:
    return LEVY_LABELS.get(levy, levy)


class Immutable(LgcloudError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__("台帳の記帳は変更・削除できません（訂正は新しい記帳で行います）。")


class Bill(ScopedModel):
    """One instalment (期別) of one levy, fiscal year and taxpayer; its amounts are in the entries."""

    levy = models.CharField("税目", max_length=40)
    fiscal_year = models.PositiveSmallIntegerField("年度")
    person_no = models.PositiveBigIntegerField("宛名番号")
    installment = models.PositiveSmallIntegerField("期別")
    due_on = models.DateField("納期限")
    payment_ref = models.CharField("納付番号", max_length=20)
    # PLAIN: while set, the instalment's principal entries are exactly one — its first 調定, of `plain_charge` yen
    # booked on `plain_on` — so the 消込 reads what is owed from this row without probing the entries. Set when the
    # bill is received with its first 調定 (never by an update a payment), cleared by any later principal entry
    # (`movements.unplain`: 更正, entries of a split payment, 充当, 還付, 減免, 不納欠損); direct payments (the
    # payments that are their own 収納 movement) leave it set: they are read beside it. NULL: read the entries.
    plain_charge = models.BigIntegerField(null=True, blank=True, editable=False)
    plain_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "levy", "fiscal_year", "person_no", "installment"],
                                    name="revenue_bill_unique_installment"),
            models.UniqueConstraint(fields=["municipality", "payment_ref"], name="revenue_bill_unique_ref"),
        ]
        indexes = [models.Index(fields=["municipality", "person_no", "due_on"])]

    def __str__(self) -> str:
        return f"{levy_label(self.levy)} {self.fiscal_year}年度 第{self.installment}期 ({self.person_no})"


# BULK_MUNICIPALITY: payments and entries are written 200,000 at a time (a day's file). A foreign key checks each
# row at commit (a deferred trigger a row: most of the import's time), and adds nothing here: the row-level
# security policy's WITH CHECK already refuses any municipality_id but the one of the session's tenant context
# (PostgreSQL), the scoped manager sets it from that context, and Django's PROTECT still refuses to delete a
# municipality that has any. Every other scoped table keeps its foreign key.


class EntryKind(models.TextChoices):
    BILL = "bill", "調定"
    COLLECTION = "collection", "収納"
    REFUND = "refund", "還付"
    APPROPRIATION = "appropriation", "充当"
    WRITE_OFF = "write_off", "不納欠損"
    REMISSION = "remission", "減免"
    LATE_FEE = "late_fee", "延滞金"


class Component(models.TextChoices):
    PRINCIPAL = "principal", "本税"
    LATE_FEE = "late_fee", "延滞金"


class PaymentChannel(models.TextChoices):
    COUNTER = "counter", "窓口"
    BANK = "bank", "金融機関"
    DIRECT_DEBIT = "direct_debit", "口座振替"
    CONVENIENCE_STORE = "cvs", "コンビニ"
    APPROPRIATION = "appropriation", "充当"


class PaymentStatus(models.TextChoices):
    APPLIED = "applied", "消込済"
    UNMATCHED = "unmatched", "未消込"
    RESOLVED = "resolved", "処理済（手動）"
    PRELIMINARY = "preliminary", "速報"


class Payment(ScopedModel):
    """Money received (収納): from a file line or the counter; applied to instalments by entries."""

    # a day's file writes 200,000 rows at once: no index the (municipality, …) indexes below already cover, and
    # no per-row foreign-key check at commit (see BULK_MUNICIPALITY below)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False, db_constraint=False)
    paid_on = models.DateField("納付日")
    amount = models.PositiveBigIntegerField("金額")
    channel = models.CharField("収納経路", max_length=20, choices=PaymentChannel.choices)
    reference = models.CharField("納付番号", max_length=40, blank=True)
    person_no = models.PositiveBigIntegerField("宛名番号", null=True, blank=True)
    payer = models.CharField("納付者", max_length=100, blank=True)
    status = models.CharField("状態", max_length=12, choices=PaymentStatus.choices)
    reason = models.CharField("未消込の理由", max_length=200, blank=True)
    source = models.CharField("取込元", max_length=200, blank=True)
    line_no = models.PositiveIntegerField("行", null=True, blank=True)
    dedupe_key = models.CharField(max_length=120)
    # DIRECT: set when this row is itself the ledger's 収納 movement — the whole amount paid on the principal of
    # this instalment on `paid_on` (an `Entry` of kind 収納 with amount −`amount`, see `movements`), and no Entry
    # is written for it. The ordinary payment of a day's file is booked so (one row a payment); a payment split
    # over several instalments or debts (延滞金, 充当 …) keeps `bill` empty and is booked by entries.
    # No foreign-key check a row (BULK_MUNICIPALITY below): the id comes from the join that matched the payment
    # in the same statement, and instalments are never deleted (PROTECT).
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="direct_payments",
                             db_index=False, db_constraint=False, verbose_name="収納記帳の期別")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "dedupe_key"], name="revenue_payment_dedupe")]
        # the clerks' lists (未消込, 速報) only: not the applied payments, nearly all of them
        indexes = [models.Index(fields=["municipality", "status"], condition=~models.Q(status="applied"),
                                name="revenue_payment_open"),
                   models.Index(fields=["bill", "paid_on"], condition=models.Q(bill__isnull=False),
                                name="revenue_payment_direct")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and self.bill_id is not None:
            raise Immutable()  # a ledger movement
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.bill_id is not None:
            raise Immutable()
        return super().delete(*args, **kwargs)


class RefundStatus(models.TextChoices):
    PENDING = "pending", "還付未決定"
    DECIDED = "decided", "還付決定"


class Refund(ScopedModel):
    """An over-payment (過誤納金) to be paid back; decided with its 還付加算金."""

    person_no = models.PositiveBigIntegerField("宛名番号")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField("還付金額")
    arose_on = models.DateField("過誤納の発生日")
    paid_on = models.DateField("納付日")
    status = models.CharField("状態", max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    decided_on = models.DateField("還付決定日", null=True, blank=True)
    interest = models.PositiveBigIntegerField("還付加算金", default=0)
    transferred_on = models.DateField("振込指定日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class Entry(ScopedModel):
    """One immutable movement on one instalment."""

    # the ledger's largest table: no single-column indexes the composite ones below already cover; the
    # municipality is not checked row by row by a foreign key (BULK_MUNICIPALITY below)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False, db_constraint=False)
    # no foreign-key check a row at commit (a 消込 books thousands of 延滞金 entries; every entry's instalment is read in
    # the same transaction, and instalments are never deleted — PROTECT); `movements.dangling()` checks it
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="entries", db_index=False,
                             db_constraint=False)
    person_no = models.PositiveBigIntegerField("宛名番号")
    kind = models.CharField("種別", max_length=16, choices=EntryKind.choices)
    component = models.CharField("内訳", max_length=10, choices=Component.choices, default=Component.PRINCIPAL)
    amount = models.BigIntegerField("金額（＋は未納の増、−は減）")
    booked_on = models.DateField("計上日")
    reason = models.CharField("事由", max_length=200, blank=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
                               db_index=False)
    source_ref = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "person_no", "booked_on"]),
                   models.Index(fields=["bill", "booked_on"]),
                   models.Index(fields=["refund"], condition=models.Q(refund__isnull=False),
                                name="revenue_entry_refund")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Immutable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise Immutable()


class Submission(ScopedModel):
    """What a levy last handed over (its complete instalments), kept so that a repeat changes nothing."""

    levy = models.CharField(max_length=40)
    fiscal_year = models.PositiveSmallIntegerField()
    person_no = models.PositiveBigIntegerField()
    lines = models.JSONField()
    reason = models.CharField(max_length=200)
    effective_on = models.DateField()
    source_ref = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["municipality", "levy", "fiscal_year", "person_no"])]


class Vehicle(ScopedModel):
    """The light-vehicle register (軽自動車・原付): who owns which vehicle, for 軽自動車税（種別割）."""

    person_no = models.PositiveBigIntegerField("所有者の宛名番号")
    plate = models.CharField("標識番号", max_length=30)
    vehicle_type = models.CharField("車種", max_length=30)
    first_registered = models.PositiveIntegerField("初度検査年月（YYYYMM）")
    heavy_exempt = models.BooleanField("重課対象外（電気自動車等）", default=False)
    acquired_on = models.DateField("取得日")
    disposed_on = models.DateField("廃車・譲渡日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["municipality", "person_no"])]


class DirectDebitAccount(ScopedModel):
    """口座振替の口座: the account a taxpayer has asked the municipality to debit (預金口座振替依頼書)."""

    person_no = models.PositiveBigIntegerField("宛名番号")
    bank_code = models.CharField("金融機関コード", max_length=4)
    bank_name = models.CharField("金融機関名（カナ）", max_length=30, blank=True)
    branch_code = models.CharField("支店コード", max_length=3)
    branch_name = models.CharField("支店名（カナ）", max_length=30, blank=True)
    account_type = models.CharField("預金種目", max_length=1, default="1")
    account_no = models.CharField("口座番号", max_length=7)
    holder = models.CharField("口座名義（カナ）", max_length=60)
    valid_from = models.DateField("開始日")
    valid_until = models.DateField("終了日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["municipality", "person_no"])]


class ImportBatch(ScopedModel):
    """A payments file taken in (or a direct-debit request file written), with its hash against a repeat."""

    kind = models.CharField("種類", max_length=30)
    filename = models.CharField("ファイル名", max_length=200)
    sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField("件数", default=0)
    matched = models.PositiveIntegerField("消込", default=0)
    unmatched = models.PositiveIntegerField("未消込", default=0)
    total = models.BigIntegerField("合計金額", default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "kind", "sha256"],
                                               name="revenue_import_once")]


class ReminderNotice(ScopedModel):
    """督促状: issued once per unpaid instalment after its 納期限 (地方税法第329条 等)."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="reminders")
    person_no = models.PositiveBigIntegerField("宛名番号")
    issued_on = models.DateField("発付日")
    pay_by = models.DateField("指定納期限")
    principal = models.PositiveBigIntegerField("未納税額")
    late_fee_estimate = models.PositiveBigIntegerField("延滞金（発付日現在の見込）", default=0)
    batch = models.ForeignKey("ReminderBatch", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="notices")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bill"], name="revenue_one_reminder_per_installment")]
        indexes = [models.Index(fields=["municipality", "issued_on"])]


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "履行中"
    BREACHED = "breached", "不履行"
    COMPLETED = "completed", "完了"


class PaymentPlan(ScopedModel):
    """分納誓約: the taxpayer promises to pay the arrears by a schedule of instalments."""

    person_no = models.PositiveBigIntegerField("宛名番号")
    agreed_on = models.DateField("誓約日")
    total = models.PositiveBigIntegerField("誓約額")
    status = models.CharField("状態", max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    note = models.CharField("備考", max_length=300, blank=True)
    breached_on = models.DateField("不履行の判定日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "person_no"])]


class PlanInstallment(ScopedModel):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="schedule")
    seq = models.PositiveSmallIntegerField("回")
    due_on = models.DateField("納付予定日")
    amount = models.PositiveBigIntegerField("金額")

    class Meta:
        ordering = ["seq"]


class ArrearsContact(ScopedModel):
    """The history of contacts with a taxpayer in arrears (電話催告、臨戸、納付相談 …)."""

    person_no = models.PositiveBigIntegerField("宛名番号")
    contacted_on = models.DateField("日付")
    method = models.CharField("方法", max_length=30)
    note = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)


class ReminderBatch(ScopedModel):
    """One day's run of 督促状, issued as one document (documents register) and kept as the exact PDF handed out."""

    issued_on = models.DateField("発付日")
    count = models.PositiveIntegerField("件数")
    document_number = models.PositiveIntegerField("発行番号")
    verification_code = models.CharField("照合番号", max_length=40)
    pdf = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
