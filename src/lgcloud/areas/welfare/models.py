"""児童手当: claims (認定請求) with their children, terminations, payment runs and payments."""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", "支給中"
    TERMINATED = "terminated", "消滅"


class AllowanceClaim(ScopedModel):
    """A recipient's 認定 (from the month after the claim) and the account the allowance is paid to."""

    recipient_person_no = models.BigIntegerField("受給者の宛名番号", db_index=True)
    claimed_on = models.DateField("請求日")
    event_on = models.DateField("事由発生日（出生・転入等）", null=True, blank=True)
    first_month = models.DateField("支給開始月")
    status = models.CharField("状態", max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    last_month = models.DateField("支給終了月", null=True, blank=True)
    termination_reason = models.CharField("消滅事由", max_length=100, blank=True)
    bank_code = models.CharField("金融機関コード", max_length=4)
    bank_name = models.CharField("金融機関名（カナ）", max_length=15, blank=True)
    branch_code = models.CharField("支店コード", max_length=3)
    branch_name = models.CharField("支店名（カナ）", max_length=15, blank=True)
    account_type = models.CharField("預金種目", max_length=1, default="1")  # 1 普通 2 当座 4 貯蓄
    account_number = models.CharField("口座番号", max_length=7)
    account_holder_kana = models.CharField("口座名義（カナ）", max_length=60)
    recorded_by = models.CharField("記録者", max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient_person_no", "first_month"]
        verbose_name = "児童手当の認定"


class ClaimChild(ScopedModel):
    """A child (or supported young adult) on a claim, counted from `from_month` (an increase: the month after
    its 額改定請求)."""

    claim = models.ForeignKey(AllowanceClaim, on_delete=models.PROTECT, related_name="children")
    person_no = models.BigIntegerField("宛名番号", null=True, blank=True)
    birth_date = models.DateField("生年月日")
    supported = models.BooleanField("監護・生計費の負担", default=True)
    from_month = models.DateField("算定開始月")
    until_month = models.DateField("算定終了月", null=True, blank=True)

    class Meta:
        ordering = ["claim", "birth_date"]
        verbose_name = "児童手当の対象児童"


class AmountRevision(ScopedModel):
    """額改定: the monthly amount of a claim changes from `from_month` (増額 on a claim, 減額 by 職権 when a child
    leaves a band or the order, or is no longer supported)."""

    claim = models.ForeignKey(AllowanceClaim, on_delete=models.PROTECT, related_name="revisions")
    from_month = models.DateField("改定月")
    before = models.BigIntegerField("改定前の月額")
    after = models.BigIntegerField("改定後の月額")
    reason = models.CharField("事由", max_length=200)
    recorded_by = models.CharField("記録者", max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "from_month", "pk"]
        verbose_name = "児童手当の額改定"

    @property
    def increase(self) -> bool:
        return self.after > self.before


class PaymentRun(ScopedModel):
    payment_month = models.DateField("支払月")
    paid_on = models.DateField("支払日")
    recipients = models.PositiveIntegerField("件数", default=0)
    total = models.BigIntegerField("支払額合計", default=0)
    transfer_file = models.BinaryField("総合振込ファイル（全銀協）", default=bytes)
    file_digest = models.CharField("ファイルのハッシュ", max_length=64, blank=True)
    actor = models.CharField("実行者", max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-payment_month"]
        constraints = [models.UniqueConstraint(fields=["municipality", "payment_month"], name="allowance_run_unique")]
        verbose_name = "児童手当の支払処理"


class Payment(ScopedModel):
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="payments")
    claim = models.ForeignKey(AllowanceClaim, on_delete=models.PROTECT, related_name="payments")
    amount = models.BigIntegerField("支払額")
    months = models.JSONField("対象月と月額", default=list)

    class Meta:
        ordering = ["run", "claim"]
        verbose_name = "児童手当の支払"


class NoticeKind(models.TextChoices):
    REVISION = "revision", "額改定通知書"
    TERMINATION = "termination", "消滅通知書"


class ChangeNotice(ScopedModel):
    """A 額改定通知書 or 消滅通知書 issued (platform documents) when a child's age changes a claim, kept with its PDF
    for mailing and reprinting the same bytes."""

    claim = models.ForeignKey(AllowanceClaim, on_delete=models.PROTECT, related_name="notices")
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="notices", null=True, blank=True)
    kind = models.CharField("種類", max_length=20, choices=NoticeKind.choices)
    month = models.DateField("改定月・支給終了月")
    before = models.BigIntegerField("改定前の月額")
    after = models.BigIntegerField("改定後の月額")
    reason = models.CharField("事由", max_length=200)
    document_number = models.PositiveIntegerField("文書番号")
    pdf = models.BinaryField("通知書（PDF）")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "month", "pk"]
        verbose_name = "児童手当の額改定・消滅通知"
