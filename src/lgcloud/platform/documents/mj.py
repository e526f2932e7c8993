"""Names and addresses on documents in IPAmj明朝 (文字情報基盤, Debian fonts-ipamj-mincho): every character is
checked against the font before anything is drawn or recorded; a character the font lacks (an emoji, a
private-use 外字, a character outside 文字情報基盤) refuses the document with the character and its code point
named, instead of printing a blank. Variation selectors (IVS) are dropped knowingly when drawing: ReportLab
draws through the font's Unicode cmap, not its variation-sequence table, so the base character's default
glyph is printed (the record keeps the sequence). Also fixes ReportLab's ToUnicode map for characters beyond
the BMP (𠮷 U+20BB7 was written as <20BB7>, which readers take as U+20BB), so the text of a PDF is the name."""

from __future__ import annotations

import functools

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from lgcloud.platform.common import glyphs
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed

MJ_FONT_NAME = "IPAmjMincho"


class MjFontMissing(LgcloudError):
    status_code = 503


def _utf16_hex(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's makeToUnicodeCMap with each code written as UTF-16 (a surrogate pair beyond the BMP)."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange", f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)],
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class _TableSlices:
    """A font's glyf table read by slices, each slice copied alone (ReportLab's subsetting takes the whole table
    as bytes, then slices out the glyphs used: IPAmj明朝's is ~40 MB, copied once per PDF)."""

    def __init__(self, data: bytes, pos: int, length: int) -> None:
        self._view = memoryview(data)[pos:pos + length]

    def __getitem__(self, part: slice) -> bytes:
        return self._view[part].tobytes()


def lean_subsets(font: TTFont) -> TTFont:
    """Let `font`'s subsets read its glyphs without copying the whole glyf table (the same bytes are embedded)."""
    face = font.face
    whole = face.get_table

    def get_table(tag: str) -> object:
        if tag == "glyf":  # read by makeSubset only, slice by slice
            pos, length = face.get_table_pos(tag)
            return _TableSlices(face._ttf_data, pos, length)
        return whole(tag)

    face.get_table = get_table
    return font


@functools.cache
def register_mj_font() -> str:
    if not glyphs.IPAMJ.is_file():
        raise MjFontMissing("氏名・住所を印字するフォント（IPAmj明朝 ipamjm.ttf）が見つからないため、証明書を作成できません。"
                            "サーバーに fonts-ipamj-mincho をインストールしてください（apt-get install fonts-ipamj-mincho）。")
    pdfmetrics.registerFont(lean_subsets(TTFont(MJ_FONT_NAME, str(glyphs.IPAMJ))))
    return MJ_FONT_NAME


@functools.cache
def _font_chars() -> frozenset[int]:
    font = pdfmetrics.getFont(register_mj_font())
    return frozenset(font.face.charToGlyph)


def printable(label: str, text: str) -> str:
    """`text` as it is drawn (selectors dropped), or ValidationFailed naming the first character IPAmj明朝 lacks."""
    have = _font_chars()
    for ch in text:
        if ord(ch) in have or glyphs.is_selector(ch) or ch in "\n\t":
            continue
        kind = "外字（私用領域の文字）" if glyphs.is_private_use(ch) else "文字"
        shown = glyphs.PLACEHOLDER if glyphs.is_private_use(ch) else ch
        raise ValidationFailed(f"{label}の{kind}「{shown}」（{glyphs.code_point(ch)}）は証明書の字形（IPAmj明朝・"
                               "文字情報基盤）にないため印字できません。記録の文字を確認してください（証明書は発行していません）。",
                               field="glyph")
    return "".join(ch for ch in text if not glyphs.is_selector(ch))
