"""The text of a PDF as ReportLab writes it (for tests that read what a document says): the content streams'
strings mapped through each font's ToUnicode CMap. Not a general PDF parser."""

from __future__ import annotations

import base64
import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_STRING_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _decode(head: bytes, raw: bytes) -> bytes:
    if b"/ASCII85Decode" in head:
        raw = base64.a85decode(re.sub(rb"\s", b"", raw).removesuffix(b"~>"))
    if b"/FlateDecode" in head:
        raw = zlib.decompressobj().decompress(raw)
    return raw


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    out: dict[int, tuple[bytes, bytes | None]] = {}
    for m in _OBJ.finditer(data):
        body = m.group(2)
        s = _STREAM.search(body)
        if s is None:
            out[int(m.group(1))] = (body, None)
        else:
            head = body[: s.start()]
            out[int(m.group(1))] = (head, _decode(head, s.group(1)))
    return out


def _cmap(stream: bytes) -> dict[bytes, str]:
    out: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[bytes.fromhex(src.decode())] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            a, b, d = int(lo, 16), int(hi, 16), int(dst, 16)
            width = len(lo) // 2
            for i in range(b - a + 1):
                out[(a + i).to_bytes(width, "big")] = chr(d + i)
    return out


def _unescape(s: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i : i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = s[i + 1 : i + 2]
        if nxt in _STRING_ESCAPES:
            out += _STRING_ESCAPES[nxt]
            i += 2
        elif nxt.isdigit():
            m = re.match(rb"[0-7]{1,3}", s[i + 1 : i + 4])
            assert m is not None
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out += nxt
            i += 2
    return bytes(out)


_TOKENS = re.compile(rb"/([\w+.-]+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|(T\*|Td|TD|ET)", re.S)


def pdf_text(data: bytes) -> str:
    """Every string drawn, in drawing order; text objects and moves separated by a space."""
    objects = _objects(data)
    fonts: dict[bytes, dict[bytes, str]] = {}
    for head, _stream in objects.values():
        for name, ref in re.findall(rb"/(F\d+(?:\+\d+)?)\s+(\d+) 0 R", head):
            font_head = objects.get(int(ref), (b"", None))[0]
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", font_head)
            if tu:
                fonts[name] = _cmap(objects[int(tu.group(1))][1] or b"")
    parts: list[str] = []
    for head, stream in objects.values():
        if stream is None or b"BT" not in stream or b"/Length1" in head:
            continue
        cmap: dict[bytes, str] = {}
        for m in _TOKENS.finditer(stream):
            if m.group(1) is not None:
                cmap = fonts.get(m.group(1), {})
            elif m.group(2) is not None:
                raw = _unescape(m.group(2))
                parts.append("".join(cmap.get(bytes([b]), chr(b)) for b in raw) if cmap else raw.decode("latin-1"))
            else:
                parts.append(" ")
    return re.sub(r" +", " ", "".join(parts))
