#!/usr/bin/env python3
"""Regenerate src/lgcloud/platform/common/itaiji_fold.tsv, the 異体字 folding table of the search normalisation.

Sources (see docs/itaiji.md for the rules and why):
- the Unihan database of the Unicode Character Database, as Debian's `unicode-data` package ships it
  (/usr/share/unicode/Unihan_*.txt.bz2; Unicode License v3): kJoyoKanji, kJinmeiyoKanji (人名用漢字 that are
  variants of a 常用漢字), kZVariant, kCompatibilityVariant, and kSemanticVariant / kSpecializedSemanticVariant
  between two characters of the Japanese standards (JIS source) neither of which is a 常用漢字;
- the 常用漢字表 (文化庁) 旧字体 → 新字体 pairs of PyPI `joyokanji` (Apache License 2.0): config/kanji.json and
  config/variants.json (髙→高, 𠮷→吉, 﨑→崎 …).

    apt-get install unicode-data && pip install joyokanji==1.1.0 && python scripts/gen_itaiji.py

Every character of one class folds to one representative: a 常用漢字 if the class has one, else a 人名用漢字,
else the lowest code point. Runs in a second; the output is deterministic (sorted).
"""

from __future__ import annotations

import argparse
import bz2
import collections
import json
import sys
from importlib import metadata, resources
from pathlib import Path

UNIHAN = Path("/usr/share/unicode")
OUT = Path(__file__).resolve().parents[1] / "src" / "lgcloud" / "platform" / "common" / "itaiji_fold.tsv"
FILES = ("IRGSources", "OtherMappings", "Variants")
VARIANT_KEYS = ("kZVariant", "kSemanticVariant", "kSpecializedSemanticVariant", "kCompatibilityVariant")
# JIS X 0208 (J0), 0212 (J1), 0213 (J3, J4), and the Japanese sources of IRG (JA, JH, JK): characters of Japan.
JAPANESE_SOURCES = ("J0", "J1", "J3", "J4", "JA", "JH", "JK")


def _char(code: str) -> str:
    return chr(int(code.split("<")[0][2:], 16))


def read_unihan(folder: Path) -> tuple[dict[str, str], set[str], set[str], dict[str, list[tuple[str, str]]], str]:
    japanese: dict[str, str] = {}
    joyo: set[str] = set()
    jinmei: set[str] = set()
    edges: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    version = ""
    for name in FILES:
        with bz2.open(folder / f"Unihan_{name}.txt.bz2", "rt", encoding="utf-8") as f:
            for line in f:
                if line.startswith("# Unicode version:"):
                    version = line.split(":", 1)[1].strip()
                if line.startswith("#") or not line.strip():
                    continue
                code, key, value = line.rstrip("\n").split("\t")
                c = _char(code)
                if key == "kIRG_JSource":
                    japanese[c] = value
                elif key == "kJoyoKanji":
                    if value.startswith("U+"):
                        edges[key].append((c, _char(value)))
                    else:
                        joyo.add(c)
                elif key == "kJinmeiyoKanji":
                    for v in value.split():
                        if ":" in v:
                            edges[key].append((c, _char(v.split(":")[1])))
                        else:
                            jinmei.add(c)
                elif key in VARIANT_KEYS:
                    edges[key] += [(c, _char(v)) for v in value.split()]
    return japanese, joyo, jinmei, edges, version


def read_joyokanji() -> tuple[list[tuple[str, str]], str]:
    config = resources.files("joyokanji") / "config"
    pairs: list[tuple[str, str]] = []
    for name in ("kanji.json", "variants.json"):
        pairs += [(a, b) for a, b in json.loads((config / name).read_text(encoding="utf-8")).items() if a != b]
    return pairs, metadata.version("joyokanji")


def build(folder: Path) -> tuple[dict[str, str], str]:
    japanese, joyo, jinmei, edges, unihan_version = read_unihan(folder)
    official, joyokanji_version = read_joyokanji()
    edges["joyokanji"] = official
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def is_japanese(c: str) -> bool:
        return japanese.get(c, "")[:2] in JAPANESE_SOURCES

    for key, pairs in edges.items():
        for a, b in pairs:
            if key in ("kZVariant", "kSemanticVariant", "kSpecializedSemanticVariant") and not (
                    is_japanese(a) and is_japanese(b)):
                continue
            if key in ("kSemanticVariant", "kSpecializedSemanticVariant") and (a in joyo or b in joyo):
                continue  # two 常用漢字 are two characters (着/著, 卓/棹): only their old forms are joined
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    classes: dict[str, set[str]] = collections.defaultdict(set)
    for c in list(parent):
        classes[find(c)].add(c)
    fold: dict[str, str] = {}
    for members in classes.values():
        if len(members) < 2:
            continue
        rep = min(members, key=lambda c: (c not in joyo, c not in jinmei, ord(c)))
        fold.update({c: rep for c in members if c != rep})
    source = (f"Unihan {unihan_version} (Debian unicode-data, Unicode License v3); "
              f"joyokanji {joyokanji_version} (PyPI, Apache-2.0, 常用漢字表)")
    return fold, source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--unihan", type=Path, default=UNIHAN, help="folder of Unihan_*.txt.bz2")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    fold, source = build(args.unihan)
    lines = [f"# 異体字 folding table for search: variant<TAB>representative. Generated by scripts/gen_itaiji.py from {source}.",
             "# Do not edit by hand: regenerate. See docs/itaiji.md."]
    lines += [f"{a}\t{b}" for a, b in sorted(fold.items())]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(fold)} variants folded → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
