"""児童手当 支払通知書, 額改定通知書 and 消滅通知書 (PDF), issued through the platform's documents."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lgcloud.areas.registry import public
from lgcloud.areas.welfare.models import AllowanceClaim, NoticeKind, Payment
from lgcloud.platform.common.errors import NotFound
from lgcloud.platform.common.wareki import era_of, format_wareki
from lgcloud.platform.documents import pdf as blocks
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.tenancy.context import require_municipality


def payment_notice(run_id: int, claim_id: int) -> tuple[bytes, int]:
    p = Payment.objects.filter(run_id=run_id, claim_id=claim_id).select_related("run", "claim").first()
    if p is None:
        raise NotFound("この支払はありません。")
    municipality = require_municipality()
    person = public.person(p.claim.recipient_person_no)
    cells = [
        blocks.Cell("受給者", person.full_name if person else str(p.claim.recipient_person_no), wide=True, big=True,
                    mj=True),
        blocks.Cell("支払日", format_wareki(p.run.paid_on)),
        blocks.Cell("支払額", f"{p.amount:,}円"),
        blocks.Cell("振込先", f"金融機関 {p.claim.bank_code} 支店 {p.claim.branch_code} 口座 ****{p.claim.account_number[-3:]}",
                    wide=True),
    ]
    months = [blocks.Cell(f"{m[:4]}年{int(m[5:7])}月分", f"{a:,}円") for m, a in p.months]
    pages = blocks.paginate(blocks.lay_block(cells), [blocks.lay_block(months)])
    title = "児童手当 支払通知書"
    today = timezone.localdate()

    def build(url: VerificationUrl) -> bytes:
        footer = blocks.Footer(certification="上記のとおり児童手当を支払います。", issued_on=today,
                               mayor=blocks.mayor_title(municipality), fee=0, url=url, noun="通知書",
                               seal=blocks.seal_image(municipality))
        data, _pages = blocks.render(title, pages, footer, author=blocks.author(municipality))
        return data

    document, data = documents.issue_document("welfare.payment_notice", title, build, fee=0,
                                              subject_ref=f"welfare.payment:{p.pk}", purpose="児童手当の支払通知")
    return data, document.number


def _month_text(month: dt.date) -> str:
    era, year = era_of(month)
    return f"{era}{'元' if year == 1 else year}年{month.month}月"


def change_notice(c: AllowanceClaim, kind: str, month: dt.date, before: int, after: int,
                  reason: str) -> tuple[IssuedDocument, bytes]:
    """児童手当 額改定通知書 (from `month`) or 消滅通知書 (paid up to `month`), issued through platform documents."""
    municipality = require_municipality()
    person = public.person(c.recipient_person_no)
    termination = kind == NoticeKind.TERMINATION
    title = "児童手当 消滅通知書" if termination else "児童手当 額改定通知書"
    cells = [
        blocks.Cell("受給者", person.full_name if person else str(c.recipient_person_no), wide=True, big=True,
                    mj=True),
        blocks.Cell("認定の支給開始月", _month_text(c.first_month)),
    ]
    if termination:
        cells += [blocks.Cell("支給終了月", f"{_month_text(month)}分まで"),
                  blocks.Cell("消滅前の月額", f"{before:,}円")]
    else:
        cells += [blocks.Cell("改定月", f"{_month_text(month)}分から"),
                  blocks.Cell("改定前の月額", f"{before:,}円"), blocks.Cell("改定後の月額", f"{after:,}円")]
    cells.append(blocks.Cell("事由", reason, wide=True))
    pages = blocks.paginate(blocks.lay_block(cells), [])
    today = timezone.localdate()
    text = ("上記のとおり児童手当の受給資格が消滅したので通知します。" if termination
            else "上記のとおり児童手当の額を改定したので通知します。")

    def build(url: VerificationUrl) -> bytes:
        footer = blocks.Footer(certification=text, issued_on=today, mayor=blocks.mayor_title(municipality), fee=0,
                               url=url, noun="通知書", seal=blocks.seal_image(municipality))
        data, _pages = blocks.render(title, pages, footer, author=blocks.author(municipality))
        return data

    return documents.issue_document(f"welfare.{'termination' if termination else 'revision'}_notice", title, build,
                                    fee=0, subject_ref=f"welfare.claim:{c.pk}:{kind}:{month.isoformat()}",
                                    purpose="児童手当の額改定・消滅の通知")
