"""Every page's <title> is a short plain text: a `{% block title %}` that is not closed where it opens swallows
the page's content into the title (it happened to the 国民年金 person page and the 児童手当 page)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lgcloud"
TITLE = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)


def test_every_title_block_is_short_plain_text():
    bad = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        for m in TITLE.finditer(path.read_text(encoding="utf-8")):
            if "<" in m.group(1) or "\n" in m.group(1):
                bad.append(f"{path.relative_to(SRC)}: {m.group(1)[:60]!r}")
    assert not bad, "title block holds markup:\n" + "\n".join(bad)
