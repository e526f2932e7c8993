"""外字 mapping tables (docs/gaiji.md): a vendor's private-use characters (CP932 F040–F9FC → U+E000–U+E757, or
any private-use code point of a UTF-8 file) mapped to a standard character, a character with an IVS selector,
or an MJ identifier of 文字情報基盤 (resolved to its Unicode/IVS form through IPAmj明朝). An import applies the
table to the file's text before anything is validated; every private-use character left is reported by file,
line and item and refused (`unmapped`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from lgcloud.platform.common.glyphs import FontMissing, code_point, is_private_use, mj_form, private_use

HEADERS = {"外字コード": "code", "code": "code", "文字": "char", "char": "char", "MJ文字図形名": "mj", "mj": "mj",
           "備考": "note", "note": "note"}
_UPLUS = re.compile(r"^(?:U\+[0-9A-Fa-f]{4,6}\s*)+$")


class GaijiMapError(Exception):
    pass


@dataclass
class GaijiMap:
    name: str  # the table's file name, for reports
    chars: dict[str, str] = field(default_factory=dict)  # private-use character → what replaces it

    def apply(self, text: str) -> str:
        return text.translate({ord(k): v for k, v in self.chars.items()}) if self.chars else text


def _code(text: str, line: int) -> str:
    t = text.strip()
    try:
        if t.upper().startswith("U+"):
            ch = chr(int(t[2:], 16))
        else:  # the vendor's own code: Shift_JIS (CP932) bytes in hex, e.g. F040
            ch = bytes.fromhex(t.removeprefix("0x").removeprefix("0X")).decode("cp932")
    except (ValueError, UnicodeDecodeError):
        raise GaijiMapError(f"{line}行目: 外字コード「{t}」を読み取れません（U+E000 または CP932 の F040 の形式）") from None
    if len(ch) != 1 or not is_private_use(ch):
        raise GaijiMapError(f"{line}行目: 外字コード「{t}」は私用領域（外字）の文字ではありません")
    return ch


def _replacement(row: dict[str, str], line: int) -> str:
    char = (row.get("char") or "").strip()
    if _UPLUS.match(char):
        char = "".join(chr(int(u[2:], 16)) for u in char.split())
    mj = (row.get("mj") or "").strip()
    if mj:
        try:
            form = mj_form(mj)
        except FontMissing as e:
            raise GaijiMapError(f"{line}行目: MJ文字図形名を解決できません（{e}）") from None
        if form is None:
            raise GaijiMapError(f"{line}行目: MJ文字図形名「{mj}」は文字情報基盤（IPAmj明朝）にありません")
        if char and char != form:
            raise GaijiMapError(f"{line}行目: 文字「{char}」と MJ文字図形名「{mj}」（{form}）が一致しません")
        char = form
    if not char:
        raise GaijiMapError(f"{line}行目: 文字か MJ文字図形名のどちらかを指定してください")
    if private_use(char):
        raise GaijiMapError(f"{line}行目: 対応先「{char}」に外字（{code_point(private_use(char)[0])}）が含まれています")
    return char


def load_gaiji_map(path: Path) -> GaijiMap:
    """Read a table (CSV, UTF-8, header 外字コード,文字,MJ文字図形名,備考); every error names its line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise GaijiMapError(f"外字対応表 {path.name} を読み取れません（{e}）") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [HEADERS.get(h.strip(), "") for h in next(reader, [])]
    if "code" not in header or not {"char", "mj"} & set(header):
        raise GaijiMapError(f"外字対応表 {path.name}: 見出し行に「外字コード」と「文字」または「MJ文字図形名」が必要です")
    table = GaijiMap(path.name)
    seen: dict[str, int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            row = dict(zip(header, fields, strict=False))
            ch = _code(row.get("code") or "", line)
            if ch in seen:
                raise GaijiMapError(f"{line}行目: 外字コード {code_point(ch)} は{seen[ch]}行目にもあります")
            seen[ch] = line
            table.chars[ch] = _replacement(row, line)
    except GaijiMapError as e:
        raise GaijiMapError(f"外字対応表 {path.name} {e}") from None
    except csv.Error as e:
        raise GaijiMapError(f"外字対応表 {path.name}: CSVの形式が正しくありません（{e}）") from None
    return table


def unmapped(text: str, table: GaijiMap | None = None) -> str | None:
    """The reason to refuse a value that still holds a private-use character (None if it holds none)."""
    left = private_use(text)
    if not left:
        return None
    codes = "、".join(code_point(ch) for ch in left)
    how = (f"外字対応表 {table.name} にありません" if table is not None
           else "外字対応表（--gaiji-map、または manifest.json の gaiji_map）で標準の文字に対応付けてください")
    return f"外字（私用領域の文字 {codes}）があります: {how}"
