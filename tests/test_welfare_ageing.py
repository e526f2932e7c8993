"""児童手当 by the children's ages: 消滅 when the last child passes its 18th 年度末 (automatic), 額改定 when a child
leaves a band or the order; the counter's 額改定 (増額 after a birth, 減額)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.welfare import ageing, services
from lgcloud.areas.welfare.models import AllowanceClaim, AmountRevision, ChangeNotice, ClaimStatus, NoticeKind
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import Conflict
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.tenancy.models import Municipality
from tests.pdftext import pdf_text
from tests.test_welfare_payments import ACCOUNT, PAYER, _mother

D = dt.date
pytestmark = pytest.mark.django_db


def _father() -> int:
    r = move_in(persons=[{"family_name": "年齢", "given_name": "父", "family_name_kana": "ネンレイ",
                          "given_name_kana": "チチ", "birth_date": "1985-02-02", "sex": "male",
                          "relationship": "世帯主"}],
                address={"address": "埼玉県北足立郡伊奈町小室4-4"}, effective_on="2025-01-10",
                notified_on="2025-01-10", previous_address="東京都新宿区西新宿2-8-1")
    return r.persons[0].person_no


def test_the_claim_ends_by_itself_after_the_last_childs_18th_fiscal_year_end(in_a: Municipality) -> None:
    # born 1 May 2009: reaches 18 on 30 April 2027, 支給対象 until 31 March 2028
    claim = services.claim(_mother(), D(2025, 8, 20), [services.ChildInput(D(2009, 5, 1))], ACCOUNT)
    assert ageing.age_out(D(2028, 2, 10)).terminated == []  # March is still paid
    out = io.StringIO()
    call_command("welfare", "age-out", "--municipality", in_a.code, "--as-of", "2028-03-15", stdout=out)
    assert "消滅 1 件" in out.getvalue()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TERMINATED and claim.last_month == D(2028, 3, 1)
    assert "年齢到達" in claim.termination_reason
    assert ageing.age_out(D(2028, 3, 16)).terminated == []  # nothing twice
    run = services.payment_run(D(2028, 4, 1), D(2028, 4, 14), PAYER)  # February and March
    assert (run.recipients, run.total) == (1, 20_000)
    assert services.payment_run(D(2028, 6, 1), D(2028, 6, 15), PAYER).recipients == 0
    assert AuditRecord.objects.filter(action="welfare.claim_terminated").count() == 1
    assert AuditRecord.objects.filter(action="welfare.age_out").count() == 3


def test_a_young_adult_leaving_the_order_lowers_the_third_childs_amount(in_a: Municipality) -> None:
    # the eldest (supported) counts until 31 March 2027 after the 22nd birthday; the youngest is 第3子 until then
    claim = services.claim(_mother(), D(2025, 8, 20), [services.ChildInput(D(2004, 6, 1)),
                                                       services.ChildInput(D(2010, 4, 10)),
                                                       services.ChildInput(D(2024, 1, 15))], ACCOUNT)
    result = ageing.age_out(D(2027, 3, 20))
    assert result.terminated == [] and result.revised == [claim.pk]
    revision = AmountRevision.objects.get()
    assert (revision.from_month, revision.before, revision.after) == (D(2027, 4, 1), 40_000, 20_000)
    assert not revision.increase and "第3子" in revision.reason and "減額" in revision.reason
    assert ageing.age_out(D(2027, 3, 21)).revised == []  # recorded once
    # a child reaching 3 while not 第3子: 15,000 → 10,000 from the month after the month it reaches 3
    other = services.claim(_father(), D(2025, 8, 20), [services.ChildInput(D(2024, 1, 15))], ACCOUNT)
    assert ageing.age_out(D(2027, 1, 5)).revised == [other.pk]
    assert AmountRevision.objects.get(claim=other).after == 10_000


def test_counter_increase_and_decrease_are_recorded(in_a: Municipality) -> None:
    claim = services.claim(_mother(), D(2025, 8, 20), [services.ChildInput(D(2016, 5, 1)),
                                                       services.ChildInput(D(2018, 7, 7))], ACCOUNT)
    born = services.add_child(claim.pk, services.ChildInput(D(2025, 9, 25)), D(2025, 10, 8), event_on=D(2025, 9, 25))
    up = AmountRevision.objects.get()
    assert (up.from_month, up.before, up.after, up.increase) == (D(2025, 10, 1), 20_000, 50_000, True)
    services.remove_child(claim.pk, born.pk, D(2026, 1, 20), "施設入所")
    down = AmountRevision.objects.latest("pk")
    assert (down.from_month, down.before, down.after) == (D(2026, 2, 1), 50_000, 20_000)
    assert AuditRecord.objects.filter(action="welfare.amount_revised").count() == 2
    first = AllowanceClaim.objects.get().children.order_by("birth_date").first()
    assert first is not None
    services.remove_child(claim.pk, first.pk, D(2026, 1, 20), "監護しなくなった")
    last = AllowanceClaim.objects.get().children.get(birth_date=D(2018, 7, 7))
    with pytest.raises(Conflict):
        services.remove_child(claim.pk, last.pk, D(2026, 1, 20), "監護しなくなった")


def test_the_payment_run_itself_ends_a_claim_whose_last_child_aged_out_with_a_notice(in_a: Municipality) -> None:
    # born 1 May 2009: 支給対象 until 31 March 2028; the age-out batch is never run
    claim = services.claim(_mother(), D(2025, 8, 20), [services.ChildInput(D(2009, 5, 1))], ACCOUNT)
    run = services.payment_run(D(2028, 4, 1), D(2028, 4, 14), PAYER)  # February and March: still paid
    assert (run.recipients, run.total) == (1, 20_000) and not ChangeNotice.objects.exists()
    run = services.payment_run(D(2028, 6, 1), D(2028, 6, 15), PAYER)  # April and May: nothing, the claim ends
    assert run.recipients == 0
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TERMINATED and claim.last_month == D(2028, 3, 1)
    notice = ChangeNotice.objects.get()
    assert (notice.kind, notice.month, notice.before, notice.after, notice.run_id) == (
        NoticeKind.TERMINATION, D(2028, 3, 1), 10_000, 0, run.pk)
    pdf = bytes(notice.pdf)
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF") and "消滅通知書" in text and "令和10年3月分まで" in text and "手当" in text
    document = IssuedDocument.objects.get(number=notice.document_number, kind="welfare.termination_notice")
    assert document.content_hash == hashlib.sha256(pdf).hexdigest()
    assert ageing.age_out(D(2028, 6, 20)).terminated == []  # the batch finds nothing left to do


def test_the_payment_run_revises_when_a_young_adult_leaves_the_order_and_notices_only_leaving(
        in_a: Municipality) -> None:
    # the eldest (supported) counts until 31 March 2027; then the youngest is no longer 第3子 (30,000 → 10,000)
    claim = services.claim(_mother(), D(2025, 8, 20), [services.ChildInput(D(2004, 6, 1)),
                                                       services.ChildInput(D(2010, 4, 10)),
                                                       services.ChildInput(D(2020, 1, 15))], ACCOUNT)
    # reaches 3 on 14 January 2027: 15,000 until January, 10,000 from February (a band, nobody leaves)
    small = services.claim(_father(), D(2025, 8, 20), [services.ChildInput(D(2024, 1, 15))], ACCOUNT)
    run = services.payment_run(D(2027, 4, 1), D(2027, 4, 15), PAYER)  # February and March 2027
    assert run.total == 2 * 40_000 + 2 * 10_000
    band = AmountRevision.objects.get(claim=small)
    assert (band.from_month, band.before, band.after) == (D(2027, 2, 1), 15_000, 10_000)
    assert not ChangeNotice.objects.exists()  # recorded, no notice for a band
    run = services.payment_run(D(2027, 6, 1), D(2027, 6, 15), PAYER)  # April and May 2027: 20,000 a month
    assert run.total == 2 * 20_000 + 2 * 10_000
    revision = AmountRevision.objects.get(claim=claim)
    assert (revision.from_month, revision.before, revision.after) == (D(2027, 4, 1), 40_000, 20_000)
    notice = ChangeNotice.objects.get()
    assert (notice.kind, notice.month, notice.before, notice.after) == (NoticeKind.REVISION, D(2027, 4, 1),
                                                                        40_000, 20_000)
    text = pdf_text(bytes(notice.pdf))
    assert "額改定通知書" in text and "令和9年4月分から" in text and "20,000円" in text
    assert ChangeNotice.objects.count() == 1
