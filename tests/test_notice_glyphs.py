"""Notices (督促状, 納付書) print the addressee's name in IPAmj明朝 after the certificates' glyph check."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lgcloud.areas.revenue import pdf
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.documents import pdf as documents_pdf


def _canvas() -> Canvas:
    return Canvas(io.BytesIO(), pagesize=A4)


def test_a_name_beyond_the_basic_plane_is_printed_in_ipamj():
    c = _canvas()
    pdf._addressee(c, documents_pdf.register_font(), 700, "𠮷田髙子", 1)


def test_a_name_with_a_character_no_font_has_is_refused_not_printed_blank():
    with pytest.raises(ValidationFailed) as e:
        pdf._addressee(_canvas(), documents_pdf.register_font(), 700, "花\ue000", 1)
    assert "U+E000" in e.value.message
