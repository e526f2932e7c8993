"""督促状 with its 納付書 as PDF, issued through `lgcloud.platform.documents` (issuance register, number and
verification code, content hash checked on /verify/); ReportLab with the platform's IPAex font.

Each page is one 督促状 for one instalment; its lower part is the 納付書 carrying the 納付番号, a QR code (our own
payload, `slips.qr_text`: the eLTAX 地方税統一QRコード layout is not public, see docs/revenue.md) and the GS1-128
convenience-store bar code of the 標準料金代理収納 layout (`slips.cvs_barcode`: AI 91, 44 digits, FNC1 after the
start character, check digit). The day's batch is one issued document; its verification URL is printed on every
page.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lgcloud.areas.revenue import qr, slips
from lgcloud.areas.revenue.models import Bill, ReminderNotice, levy_label
from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki
from lgcloud.platform.documents import mj
from lgcloud.platform.documents import pdf as documents_pdf
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.models import Municipality


def qr_text(municipality: Municipality, ref: str, amount: int, pay_by: dt.date) -> str:
    return slips.qr_text(municipality.code, ref, amount, pay_by)


def barcode_data(municipality: Municipality, ref: str, amount: int, pay_by: dt.date, reissue: int = 0,
                 settings: dict[int, tuple[int, int]] | None = None) -> str | None:
    """The 44 digits of the convenience-store bar code, or None when the amount is over the stores' limit.
    `settings` keeps the parameters read for a fiscal year while one PDF is drawn."""
    fy = pay_by.year if pay_by.month >= 4 else pay_by.year - 1
    settings = settings if settings is not None else {}
    if fy not in settings:
        settings[fy] = (int(params.value("revenue.cvs.limit", fy, municipality)),
                        int(params.value("revenue.cvs.issuer_code", fy, municipality)))
    limit, issuer = settings[fy]
    if amount <= 0 or amount > limit:
        return None
    code = f"{issuer:06d}" if issuer else slips.stand_in_issuer(municipality.code)
    return slips.cvs_barcode(code, ref, pay_by, amount, reissue)


def draw_barcode(c: Canvas, data: str, x: float, y: float) -> None:
    """GS1-128: Code 128 with FNC1 right after the start character (ReportLab's \xf1), then the digits in set C."""
    # imported when drawn: reportlab.graphics pulls in platypus (~0.1 s), which a process reading the parameters
    # (`cvs_settings`) or building no PDF does not need
    from reportlab.graphics.barcode import code128

    code128.Code128("\xf1" + data, barHeight=36, barWidth=0.72, quiet=1).drawOn(c, x, y)


@functools.lru_cache(maxsize=512)
def _qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of a QR code (level M, the smallest version, the mask of least penalty): the `qrcode` package's
    encoder with the mask chosen on bit rows (`revenue.qr`: the same modules, about half the time; a 督促状 batch
    encodes one code per instalment)."""
    return qr.modules(text)


def draw_qr(c: Canvas, text: str, x: float, y: float, size: float, border: int = 4) -> None:
    """A QR code (level M) drawn as one filled path of horizontal runs: encoded once, a few hundred rectangles
    in one PDF operator stream (ReportLab's widget builds a shape per module and encodes twice)."""
    rows = _qr_modules(text)
    n = len(rows)
    unit = size / (n + 2 * border)
    path = c.beginPath()
    for r, row in enumerate(rows):
        bottom = y + (n - 1 - r + border) * unit
        col = 0
        for dark, run in itertools.groupby(row):
            k = len(list(run))
            if dark:
                path.rect(x + (border + col) * unit, bottom, k * unit, unit)
            col += k
    c.drawPath(path, stroke=0, fill=1)


def _slip(c: Canvas, municipality: Municipality, b: Bill, amount: int, pay_by: dt.date, title: str,
          note: str, reissue: int = 0, settings: dict[int, tuple[int, int]] | None = None) -> None:
    """The 納付書 part (below the cut line at y=330): 納付番号, QR code and bar code."""
    name = documents_pdf.register_font()
    w, _h = A4
    c.setDash(4, 3)
    c.line(30, 330, w - 30, 330)
    c.setDash()
    c.setFont(name, 13)
    c.drawString(50, 300, title)
    c.setFont(name, 10)
    c.drawString(50, 280, f"{levy_label(b.levy)}　{format_fiscal_year(b.fiscal_year)} 第{b.installment}期")
    c.drawString(50, 264, f"金額 {amount:,}円{note}　納付番号 {b.payment_ref}")
    c.drawString(50, 248, f"納期限 {format_wareki(pay_by)}　{municipality.name}")
    draw_qr(c, qr_text(municipality, b.payment_ref, amount, pay_by), w - 150, 220, 90)
    c.drawString(w - 150, 208, "地方税統一QR方式")
    data = barcode_data(municipality, b.payment_ref, amount, pay_by, reissue, settings)
    c.setFont(name, 8)
    if data is None:
        c.drawString(50, 170, "この納付書はコンビニエンスストアではお使いになれません（金融機関・窓口でお納めください）。")
        return
    draw_barcode(c, data, 50, 150)
    c.drawString(50, 138, slips.human_readable(data))
    c.drawString(50, 126, "コンビニエンスストア用（GS1-128 標準料金代理収納）")


def _addressee(c: Canvas, font: str, y: float, name: str, person_no: int) -> None:
    """「氏名　様」: the name in IPAmj明朝 after the same glyph check as the certificates (refused, not printed blank)."""
    c.setFont(mj.register_mj_font(), 11)
    shown = mj.printable("宛名", name)
    c.drawString(50, y, shown)
    c.setFont(font, 11)
    c.drawString(50 + c.stringWidth(shown, mj.MJ_FONT_NAME, 11), y, f"　様（宛名番号 {person_no}）")


def payment_slip_pdf(municipality: Municipality, b: Bill, amount: int, taxpayer: str) -> bytes:
    """A 納付書 for one instalment's outstanding amount (再発行 at the counter)."""
    name = documents_pdf.register_font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle("納付書")
    c.setAuthor(documents_pdf.author(municipality))
    w, h = A4
    c.setFont(name, 16)
    c.drawCentredString(w / 2, h - 70, "納付書（再発行）")
    c.setFont(name, 11)
    _addressee(c, name, h - 110, taxpayer, b.person_no)
    c.drawString(50, h - 140, f"{levy_label(b.levy)}　{format_fiscal_year(b.fiscal_year)} 第{b.installment}期"
                              f"　納期限 {format_wareki(b.due_on)}　未納額 {amount:,}円")
    c.drawString(50, h - 158, "納期限を過ぎている場合は、別途延滞金を納めていただくことがあります。")
    _slip(c, municipality, b, amount, b.due_on, "納　付　書", "", reissue=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def cvs_settings(municipality: Municipality, pay_bys: Sequence[dt.date]) -> dict[int, tuple[int, int]]:
    """The convenience-store parameters (limit, issuer code) of each fiscal year of these 指定納期限, as
    `barcode_data` reads them: a PDF given them draws without the database."""
    settings: dict[int, tuple[int, int]] = {}
    for pay_by in sorted(set(pay_bys)):
        fy = pay_by.year if pay_by.month >= 4 else pay_by.year - 1
        if fy not in settings:
            settings[fy] = (int(params.value("revenue.cvs.limit", fy, municipality)),
                            int(params.value("revenue.cvs.issuer_code", fy, municipality)))
    return settings


def reminders_pdf(municipality: Municipality, notices: Sequence[ReminderNotice], names: dict[int, str],
                  verification_url: str = "", settings: dict[int, tuple[int, int]] | None = None) -> bytes:
    name = documents_pdf.register_font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle("督促状")
    c.setAuthor(documents_pdf.author(municipality))
    w, h = A4
    settings = dict(settings) if settings is not None else {}
    for n in notices:
        b = n.bill
        c.setFont(name, 18)
        c.drawCentredString(w / 2, h - 70, "督　促　状")
        c.setFont(name, 11)
        _addressee(c, name, h - 110, names.get(n.person_no, ""), n.person_no)
        c.drawRightString(w - 50, h - 110, f"{format_wareki(n.issued_on)}")
        c.drawRightString(w - 50, h - 128, documents_pdf.mayor_title(municipality))
        lines = [
            f"下記の税額が納期限までに納付されていません。{format_wareki(n.pay_by)}までに納付してください。",
            "この督促状を発した日から起算して10日を経過した日までに完納されないときは、",
            "地方税法の規定により滞納処分を行うことがあります。",
        ]
        for i, text in enumerate(lines):
            c.drawString(50, h - 165 - i * 17, text)
        rows = [("税目", levy_label(b.levy)), ("年度・期別", f"{format_fiscal_year(b.fiscal_year)} 第{b.installment}期"),
                ("納期限", format_wareki(b.due_on)), ("未納税額", f"{n.principal:,}円"),
                ("延滞金（発付日現在の見込）", f"{n.late_fee_estimate:,}円"), ("指定納期限", format_wareki(n.pay_by)),
                ("納付番号", b.payment_ref)]
        y = h - 240
        for label, value in rows:
            c.rect(50, y - 6, 170, 20)
            c.rect(220, y - 6, w - 270, 20)
            c.drawString(56, y, label)
            c.drawString(226, y, value)
            y -= 20
        _slip(c, municipality, b, n.principal, n.pay_by, "納　付　書（督促分）", "（延滞金は別途計算）",
              settings=settings)
        if verification_url:
            c.drawString(50, 60, f"この督促状は次のページで照合できます: {verification_url}")
        c.showPage()
    c.save()
    return buf.getvalue()
