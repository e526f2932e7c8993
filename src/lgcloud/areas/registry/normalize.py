"""Search normalisation: full-/half-width, hiragana/katakana and 異体字 insensitive, spaces ignored."""

from __future__ import annotations

import functools
import unicodedata

import jaconv

from lgcloud.platform.common.itaiji import fold

_SPACES = str.maketrans("", "", " \u3000\t\r\n")
# Long-vowel marks and dashes that people type interchangeably.
_DASHES = str.maketrans({"－": "-", "ー": "ー", "―": "-", "‐": "-", "−": "-", "ｰ": "ー"})


@functools.lru_cache(maxsize=1 << 17)  # pure; names and addresses repeat (an import folds each distinct one once)
def normalize(text: str | None) -> str:
    """NFKC (half-width kana → full-width, full-width ASCII → ASCII), hiragana → katakana, upper case,
    no spaces, 異体字 folded (髙橋 → 高橋, 齋藤 → 斉藤; selectors dropped). Applied to stored search keys and to
    what the clerk types, so both meet in the middle."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = jaconv.hira2kata(text)
    return fold(text.translate(_SPACES).translate(_DASHES).upper())
