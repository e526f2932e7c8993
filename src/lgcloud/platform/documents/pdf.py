"""PDF building blocks for official documents (A4, ReportLab): the embedded IPAex font, tables of labelled cells
that break across pages, the 認証文 with the date in 和暦 and the mayor's title, the seal, and the QR code with
the verification URL. An app lays out its cells and blocks; `render` draws the pages.

Typical use (see docs/documents.md)::

    blocks = [pdf.lay_block([pdf.Cell("氏名", name, wide=True, big=True), pdf.Cell("税額", "12,300円")])]
    pages = pdf.paginate([], blocks)
    footer = pdf.Footer(certification="上記のとおり証明する。", issued_on=today, mayor=pdf.mayor_title(m), fee=300,
                        url=url)
    data, page_count = pdf.render("所得証明書", pages, footer, author=pdf.author(m))
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.documents.codes import VerificationUrl, format_code
from lgcloud.platform.documents.mj import lean_subsets, printable, register_mj_font

if TYPE_CHECKING:
    from lgcloud.platform.tenancy.models import Municipality

__all__ = [
    "Cell",
    "FontMissing",
    "Footer",
    "Page",
    "Row",
    "author",
    "count_pages",
    "find_font",
    "format_wareki",
    "lay_block",
    "mayor_title",
    "paginate",
    "register_font",
    "render",
    "seal_image",
]

FONT_NAME = "IPAexMincho"
FONT_FILE = "ipaexm.ttf"
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho"),
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
)

PAGE_W, PAGE_H = A4
MARGIN_X = 40.0
TOP = PAGE_H - 40
BOTTOM = 34.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
LABEL_W = 96.0
PAD = 4.0
FONT_SIZE = 9.0
BIG_FONT_SIZE = 11.5
MIN_FONT_SIZE = 7.0
ROW_H = 15.0
WRAP_LINE_H = 8.6
BLOCK_GAP = 8.0
TITLE_H = 40.0
FOOTER_H = 150.0
BLOCKS_PER_PAGE = 4
GREY = Color(0.93, 0.93, 0.93)
SEAL_RED = Color(0.8, 0.1, 0.1)


class FontMissing(LgcloudError):
    status_code = 503


# --- the font ----------------------------------------------------------------------------------


def find_font() -> Path:
    """The IPAex Mincho file: a configured path, Debian's location, or anywhere under the font directories."""
    configured = (getattr(settings, "LGCLOUD_DOCUMENT_FONT", "") or os.environ.get("LGCLOUD_DOCUMENT_FONT")
                  or getattr(settings, "LGCLOUD_CERTIFICATE_FONT", "") or os.environ.get("LGCLOUD_CERTIFICATE_FONT"))
    if configured and Path(configured).is_file():
        return Path(configured)
    for folder in FONT_DIRS:
        if (folder / FONT_FILE).is_file():
            return folder / FONT_FILE
    for folder in FONT_DIRS[2:]:
        if folder.is_dir():
            for found in folder.rglob(FONT_FILE):
                return found
    raise FontMissing(
        "証明書に埋め込む日本語フォント（IPAex明朝 ipaexm.ttf）が見つからないため、証明書を作成できません。"
        "サーバーに fonts-ipaexfont-mincho をインストールしてください（apt-get install fonts-ipaexfont-mincho）。"
    )


@functools.cache
def register_font() -> str:
    """Call before anything is checked or stored: a server without the font fails here, early."""
    # A TTFont is embedded as a subset of the glyphs used, so the PDF reads the same everywhere.
    pdfmetrics.registerFont(lean_subsets(TTFont(FONT_NAME, str(find_font()))))
    return FONT_NAME


# --- the municipality --------------------------------------------------------------------------


def mayor_title(municipality: Municipality) -> str:
    """The issuer named under the 認証文: 伊奈町 → 伊奈町長, 新宿区 → 新宿区長."""
    return f"{municipality.name}長"


def author(municipality: Municipality) -> str:
    return f"{municipality.prefecture}{municipality.name}"


def seal_image(municipality: Municipality) -> Path | None:
    """The municipality's 電子公印 as an image, if configured: LGCLOUD_SEAL_DIR/<団体コード>.png."""
    folder = getattr(settings, "LGCLOUD_SEAL_DIR", "") or os.environ.get("LGCLOUD_SEAL_DIR")
    if not folder:
        return None
    path = Path(folder) / f"{municipality.code}.png"
    return path if path.is_file() else None


# --- tables ------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A labelled value. Wide cells take a row; the others go two to a row. Big: the name line."""

    label: str
    value: str
    wide: bool = False
    big: bool = False
    mj: bool = False  # a name or address: printed in IPAmj明朝, every character checked first (documents/mj.py)


def _width(text: str, size: float, font: str = FONT_NAME) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def _wrap(text: str, width: float, size: float, font: str = FONT_NAME) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and _width(line + ch, size, font) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]


def _fit(text: str, width: float, size: float, font: str = FONT_NAME) -> tuple[float, list[str]]:
    """Shrink to fit one line; wrap at the smallest size when even that is too wide."""
    s = size
    while s >= MIN_FONT_SIZE:
        if _width(text, s, font) <= width:
            return s, [text]
        s -= 1
    return MIN_FONT_SIZE, _wrap(text, width, MIN_FONT_SIZE, font)


@dataclass
class _Laid:
    label: str
    value: str
    x: float
    label_w: float
    value_w: float
    label_fit: tuple[float, list[str]]
    value_fit: tuple[float, list[str]]
    value_font: str = FONT_NAME


@dataclass
class Row:
    cells: list[_Laid]
    height: float


def _lay_row(cells: list[Cell]) -> Row:
    span = CONTENT_W / len(cells)
    laid = []
    height = ROW_H + (4 if any(c.big for c in cells) else 0)
    for i, c in enumerate(cells):
        value_w = span - LABEL_W
        font, value = (register_mj_font(), printable(c.label, c.value)) if c.mj else (FONT_NAME, c.value)
        lf = _fit(c.label, LABEL_W - 2 * PAD, FONT_SIZE - 0.5)
        vf = _fit(value, value_w - 2 * PAD, BIG_FONT_SIZE if c.big else FONT_SIZE, font)
        for size, lines in (lf, vf):
            if len(lines) > 1:
                height = max(height, len(lines) * WRAP_LINE_H + 6)
            else:
                height = max(height, size + 6)
        laid.append(_Laid(c.label, value, MARGIN_X + i * span, LABEL_W, value_w, lf, vf, font))
    return Row(laid, height)


def lay_block(cells: list[Cell]) -> list[Row]:
    """A framed block (one person, one tax year…): wide items take a row; the others go two to a row, in order."""
    register_font()
    rows: list[Row] = []
    pending: list[Cell] = []
    for c in cells:
        if c.wide:
            if pending:
                rows.append(_lay_row(pending))
                pending = []
            rows.append(_lay_row([c]))
        else:
            pending.append(c)
            if len(pending) == 2:
                rows.append(_lay_row(pending))
                pending = []
    if pending:
        rows.append(_lay_row(pending))
    return rows


def _height(rows: list[Row]) -> float:
    return sum(r.height for r in rows)


@dataclass
class Page:
    header: list[Row]
    blocks: list[list[Row]]


def _capacity(header: list[Row]) -> float:
    return TOP - TITLE_H - _height(header) - BLOCK_GAP - (BOTTOM + 16)


def _blocks_height(blocks: list[list[Row]]) -> float:
    return sum(_height(b) + BLOCK_GAP for b in blocks)


def paginate(header: list[Row], blocks: list[list[Row]], *, per_page: int = BLOCKS_PER_PAGE) -> list[Page]:
    """Up to `per_page` blocks a page as space allows, the header repeated on each; the last page keeps room for
    the 認証文."""
    cap = _capacity(header)
    pages: list[list[list[Row]]] = [[]]
    for b in blocks:
        if pages[-1] and (len(pages[-1]) == per_page or _blocks_height([*pages[-1], b]) > cap):
            pages.append([])
        pages[-1].append(b)
    while len(pages[-1]) > 1 and _blocks_height(pages[-1]) + FOOTER_H > cap:
        moved: list[list[Row]] = []
        while len(pages[-1]) > 1 and _blocks_height(pages[-1]) + FOOTER_H > cap:
            moved.insert(0, pages[-1].pop())
        pages.append(moved)
    return [Page(header, p) for p in pages]


def _draw_text(c: Canvas, fit: tuple[float, list[str]], x: float, y_top: float, height: float,
               font: str = FONT_NAME) -> None:
    size, lines = fit
    c.setFont(font, size)
    line_h = WRAP_LINE_H if len(lines) > 1 else size
    y = y_top - (height - len(lines) * line_h) / 2 - line_h + (line_h - size) / 2 + size * 0.12
    for line in lines:
        c.drawString(x, y, line)
        y -= line_h


def _draw_rows(c: Canvas, rows: list[Row], y_top: float) -> float:
    y = y_top
    for row in rows:
        for cell in row.cells:
            c.setFillColor(GREY)
            c.rect(cell.x, y - row.height, cell.label_w, row.height, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.rect(cell.x, y - row.height, cell.label_w + cell.value_w, row.height, stroke=1, fill=0)
            c.line(cell.x + cell.label_w, y, cell.x + cell.label_w, y - row.height)
            _draw_text(c, cell.label_fit, cell.x + PAD, y, row.height)
            _draw_text(c, cell.value_fit, cell.x + cell.label_w + PAD, y, row.height, cell.value_font)
        y -= row.height
    c.setLineWidth(1.2)
    c.rect(MARGIN_X, y, CONTENT_W, y_top - y, stroke=1, fill=0)
    c.setLineWidth(0.5)
    return y


# --- the 認証文, seal and QR code --------------------------------------------------------------


@dataclass
class Footer:
    """What the last page ends with. Without `url` the document is a 見本 (preview): no number, no code."""

    certification: str  # 認証文
    issued_on: dt.date
    mayor: str  # mayor_title(municipality)
    fee: int
    url: VerificationUrl | None = None
    noun: str = "証明書"
    seal: Path | None = None  # seal_image(municipality); a drawn stand-in without one

    @property
    def issue_no(self) -> int | None:
        return self.url.number if self.url is not None else None


def _draw_seal(c: Canvas, mayor: str, x: float, y: float, size: float, image: Path | None) -> None:
    if image is not None:
        c.drawImage(str(image), x, y, size, size, mask="auto", preserveAspectRatio=True)
        return
    # Stands in for the municipality's 電子公印 until its image is configured.
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(1.5)
    c.rect(x, y, size, size, stroke=1, fill=0)
    text = mayor + "之印"
    per_line = max(1, (len(text) + 1) // 2)
    lines = [text[i:i + per_line] for i in range(0, len(text), per_line)]
    fsize = min(10.0, (size - 8) / per_line)
    c.setFont(FONT_NAME, fsize)
    ty = y + size / 2 + (len(lines) - 1) * fsize / 2 - fsize / 3
    for line in lines:
        c.drawCentredString(x + size / 2, ty, line)
        ty -= fsize * 1.1
    c.restoreState()


def _draw_qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    # imported when a document is drawn: reportlab.graphics pulls in platypus (~0.2 s of CPU), which a process
    # that only imports this module (every command, every web worker at start) does not need
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _draw_footer(c: Canvas, f: Footer) -> None:
    top = BOTTOM + 16 + FOOTER_H - 8
    c.setFont(FONT_NAME, 10.5)
    c.drawString(MARGIN_X, top - 12, f.certification)
    c.drawString(MARGIN_X + 24, top - 34, format_wareki(f.issued_on))
    c.setFont(FONT_NAME, 13)
    seal = 46.0
    seal_x = PAGE_W - MARGIN_X - seal
    c.drawRightString(seal_x - 10, top - 62, f.mayor)
    _draw_seal(c, f.mayor, seal_x, top - 80, seal, f.seal)
    qr_size = 72.0
    qr_y = BOTTOM + 20
    text_x = MARGIN_X + qr_size + 12
    if f.url is not None:
        _draw_qr(c, f.url, MARGIN_X, qr_y, qr_size)
        code_line = f"照合番号　{format_code(f.url.code)}"
        url_line = f"照合ページ　{f.url}"
    else:
        c.setDash(3, 3)
        c.rect(MARGIN_X, qr_y, qr_size, qr_size, stroke=1, fill=0)
        c.setDash()
        code_line = "照合番号　（見本のため付番しません）"
        url_line = "照合ページ　（見本）"
    y = qr_y + qr_size - 10
    c.setFont(FONT_NAME, 10)
    c.drawString(text_x, y, code_line)
    c.setFont(FONT_NAME, 7.5)
    c.drawString(text_x, y - 13, url_line)
    c.setFont(FONT_NAME, 9.5)
    c.drawString(text_x, y - 28, f"手数料　{f.fee:,}円")
    c.drawString(text_x, y - 42, f"発行番号　{_issue_no_text(f.issue_no)}")
    c.setFont(FONT_NAME, 7.5)
    c.drawString(text_x, y - 56, f"照合ページでは、この{f.noun}の発行の事実とPDFファイルの同一性を確認できます（個人情報は表示されません）。")


def _issue_no_text(issue_no: int | None) -> str:
    return f"第{issue_no}号" if issue_no is not None else "（見本）"


def _draw_watermark(c: Canvas) -> None:
    c.saveState()
    c.setFillColor(Color(0.55, 0.55, 0.55, alpha=0.35))
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(35)
    c.setFont(FONT_NAME, 160)
    c.drawCentredString(0, -55, "見本")
    c.restoreState()


# --- the document ------------------------------------------------------------------------------


def render(title: str, pages: list[Page], footer: Footer, *, author: str) -> tuple[bytes, int]:
    """The document as PDF bytes and its page count: the title on every page, the header and blocks, page
    numbers and 発行番号 at the foot, the footer on the last page; marked 見本 throughout when it has no URL."""
    register_font()
    sample = footer.url is None
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, lang="ja")
    c.setTitle(title + ("（見本）" if sample else ""))
    c.setAuthor(author)
    c.setCreator("lgcloud")
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        c.setLineWidth(0.5)
        c.setFont(FONT_NAME, 16)
        c.drawCentredString(PAGE_W / 2, TOP - 18, title)
        y = _draw_rows(c, page.header, TOP - TITLE_H) - BLOCK_GAP
        for block in page.blocks:
            y = _draw_rows(c, block, y) - BLOCK_GAP
        if number == total:
            _draw_footer(c, footer)
        c.setFont(FONT_NAME, 9)
        c.drawCentredString(PAGE_W / 2, BOTTOM - 12, f"{number}/{total}")
        c.drawRightString(PAGE_W - MARGIN_X, BOTTOM - 12, f"発行番号 {_issue_no_text(footer.issue_no)}")
        if sample:
            _draw_watermark(c)
        c.showPage()
    c.save()
    return buffer.getvalue(), total


_PAGE_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_COUNT_RE = re.compile(rb"/Count\s+(\d+)")


def count_pages(data: bytes) -> int:
    """Pages of a PDF without object streams (as ReportLab writes them): the page tree's root /Count, or the
    /Type /Page objects."""
    counts = [int(n) for n in _COUNT_RE.findall(data)]
    return max(counts) if counts else len(_PAGE_RE.findall(data))
