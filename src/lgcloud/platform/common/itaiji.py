"""異体字 folding for search: 髙→高, 齋・齊・斎→斉, 𠮷→吉, 﨑→崎 … from a generated table (itaiji_fold.tsv,
made by scripts/gen_itaiji.py from Unihan and the 常用漢字表; docs/itaiji.md), and variation selectors (IVS)
dropped, so a name written with any variant is found by any other. One str.translate per text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("itaiji_fold.tsv")
# Variation selectors: VS1–16 and the ideographic variation selectors VS17–256 (IVS).
SELECTORS = [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]


@cache
def table() -> dict[int, str | None]:
    out: dict[int, str | None] = dict.fromkeys(SELECTORS)
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            variant, representative = line.split("\t")
            out[ord(variant)] = representative
    return out


def fold(text: str) -> str:
    """The text with every 異体字 replaced by its class's representative and variation selectors removed."""
    return text.translate(table())
