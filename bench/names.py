"""Synthetic Japanese names for the benchmarks: a few thousand 氏 and about a thousand 名 with readings,
frequency-weighted (Zipf-like, the commonest first), so a full-name search matches tens of residents
among 1,000,000, not thousands. The real commonest surnames (Faker ja_JP, with their counts) head the
list; the rest are composed from common first and second elements of surnames and given names."""

from __future__ import annotations

import itertools
import random

from faker.providers.person.ja_JP import Provider

_HEADS = [("山", "ヤマ"), ("中", "ナカ"), ("田", "タ"), ("高", "タカ"), ("小", "コ"), ("大", "オオ"), ("石", "イシ"),
          ("松", "マツ"), ("井", "イ"), ("木", "キ"), ("藤", "フジ"), ("川", "カワ"), ("森", "モリ"), ("村", "ムラ"),
          ("原", "ハラ"), ("野", "ノ"), ("上", "ウエ"), ("下", "シモ"), ("西", "ニシ"), ("東", "ヒガシ"), ("北", "キタ"),
          ("南", "ミナミ"), ("岡", "オカ"), ("本", "モト"), ("島", "シマ"), ("長", "ナガ"), ("池", "イケ"), ("宮", "ミヤ"),
          ("坂", "サカ"), ("竹", "タケ"), ("浅", "アサ"), ("福", "フク"), ("吉", "ヨシ"), ("桜", "サクラ"), ("杉", "スギ"),
          ("今", "イマ"), ("前", "マエ"), ("平", "ヒラ"), ("金", "カネ"), ("青", "アオ"), ("黒", "クロ"), ("白", "シラ"),
          ("内", "ウチ"), ("新", "アラ"), ("古", "フル"), ("秋", "アキ"), ("菊", "キク"), ("柴", "シバ"), ("水", "ミズ"),
          ("梅", "ウメ"), ("若", "ワカ"), ("早", "ハヤ"), ("岩", "イワ"), ("矢", "ヤ"), ("荒", "アラ"), ("関", "セキ"),
          ("江", "エ"), ("三", "ミ"), ("久", "ク"), ("芦", "アシ")]
_TAILS = [("田", "タ"), ("山", "ヤマ"), ("川", "カワ"), ("村", "ムラ"), ("野", "ノ"), ("本", "モト"), ("井", "イ"),
          ("口", "グチ"), ("崎", "サキ"), ("島", "シマ"), ("木", "キ"), ("原", "ハラ"), ("沢", "サワ"), ("橋", "ハシ"),
          ("谷", "タニ"), ("部", "ベ"), ("岡", "オカ"), ("内", "ウチ"), ("林", "バヤシ"), ("森", "モリ"), ("浦", "ウラ"),
          ("瀬", "セ"), ("尾", "オ"), ("池", "イケ"), ("坂", "サカ"), ("城", "シロ"), ("宮", "ミヤ"), ("塚", "ツカ"),
          ("辺", "ベ"), ("津", "ツ"), ("間", "マ"), ("丸", "マル"), ("畑", "バタ"), ("松", "マツ"), ("守", "モリ")]
_MALE_HEADS = [("大", "ダイ"), ("健", "ケン"), ("翔", "ショウ"), ("拓", "タク"), ("誠", "セイ"), ("和", "カズ"), ("勇", "ユウ"),
               ("直", "ナオ"), ("康", "ヤス"), ("正", "マサ"), ("光", "ミツ"), ("信", "ノブ"), ("秀", "ヒデ"), ("浩", "ヒロ"),
               ("隆", "タカ"), ("智", "トモ"), ("修", "シュウ"), ("悠", "ユウ"), ("陽", "ハル"), ("俊", "トシ"), ("義", "ヨシ"),
               ("達", "タツ"), ("哲", "テツ"), ("幸", "ユキ"), ("英", "ヒデ"), ("克", "カツ"), ("武", "タケ"), ("昭", "アキ"),
               ("清", "キヨ"), ("博", "ヒロ"), ("賢", "ケン"), ("亮", "リョウ"), ("颯", "ソウ"), ("蒼", "アオ"), ("悠", "ハル")]
_MALE_TAILS = [("太", "タ"), ("郎", "ロウ"), ("介", "スケ"), ("一", "イチ"), ("樹", "キ"), ("斗", "ト"), ("也", "ヤ"),
               ("人", "ト"), ("平", "ヘイ"), ("夫", "オ"), ("彦", "ヒコ"), ("司", "ジ"), ("治", "ハル"), ("之", "ユキ"),
               ("雄", "オ"), ("明", "アキ"), ("輝", "キ"), ("真", "マ")]
_FEMALE_HEADS = [("美", "ミ"), ("愛", "アイ"), ("結", "ユイ"), ("優", "ユウ"), ("真", "マ"), ("由", "ユ"), ("彩", "アヤ"),
                 ("花", "ハナ"), ("恵", "メグ"), ("千", "チ"), ("佳", "カ"), ("明", "アケ"), ("幸", "サチ"), ("和", "カズ"),
                 ("久", "ヒサ"), ("智", "トモ"), ("京", "キョウ"), ("礼", "レイ"), ("紀", "ノリ"), ("文", "フミ"), ("春", "ハル"),
                 ("夏", "ナツ"), ("秋", "アキ"), ("冬", "フユ"), ("雪", "ユキ"), ("桃", "モモ"), ("菜", "ナ"), ("里", "サト"),
                 ("沙", "サ"), ("友", "ユ")]
_FEMALE_TAILS = [("子", "コ"), ("美", "ミ"), ("香", "カ"), ("奈", "ナ"), ("菜", "ナ"), ("恵", "エ"), ("江", "エ"),
                 ("代", "ヨ"), ("里", "リ"), ("音", "ネ"), ("乃", "ノ"), ("花", "カ"), ("希", "キ"), ("穂", "ホ"),
                 ("葉", "ハ"), ("緒", "オ"), ("衣", "イ"), ("世", "ヨ")]


def _zipf(n: int, offset: float = 1.0, s: float = 1.0) -> list[float]:
    return [1.0 / (i + offset) ** s for i in range(n)]


def _composed(heads: list[tuple[str, str]], tails: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    out = [(h + t, hk + tk) for (h, hk), (t, tk) in itertools.product(heads, tails) if h != t]
    random.Random(seed).shuffle(out)  # which composed names are common is arbitrary, but fixed
    return list(dict.fromkeys(out))


def surnames() -> tuple[list[tuple[str, str]], list[float]]:
    """(氏, 氏カナ) and weights: Faker's 50 commonest with their counts, then about 2,000 composed ones
    continuing the curve (together the 50 real ones hold about a fifth, as in Japan)."""
    real = [(kanji, kana) for (kanji, kana, _roman) in Provider.last_name_pairs]
    counts = [float(c) for c in Provider.last_name_pairs.values()]
    composed = [n for n in _composed(_HEADS, _TAILS, 1) if n not in real]
    last = counts[-1]
    tail = [last * 50 / (i + 50) for i in range(len(composed))]
    return real + composed, counts + tail


def given_names(sex: str) -> tuple[list[tuple[str, str]], list[float]]:
    """(名, 名カナ) and weights for "male" or "female": Faker's pairs first, then composed ones."""
    if sex == "male":
        real = [(k, kana) for (k, kana, _r) in Provider.first_name_male_pairs]
        composed = _composed(_MALE_HEADS, _MALE_TAILS, 2)
    else:
        real = [(k, kana) for (k, kana, _r) in Provider.first_name_female_pairs]
        composed = _composed(_FEMALE_HEADS, _FEMALE_TAILS, 3)
    names = list(dict.fromkeys(real + composed))
    return names, _zipf(len(names), offset=20.0, s=0.9)


class NameMaker:
    """Draws names by frequency, in batches (random.choices on cumulative weights)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.family, fw = surnames()
        self.given = {sex: given_names(sex) for sex in ("male", "female")}
        self._family_cum = list(itertools.accumulate(fw))
        self._given_cum = {sex: list(itertools.accumulate(w)) for sex, (_n, w) in self.given.items()}

    def surname(self) -> tuple[str, str]:
        return self.rng.choices(self.family, cum_weights=self._family_cum)[0]

    def given_name(self, sex: str) -> tuple[str, str]:
        return self.rng.choices(self.given[sex][0], cum_weights=self._given_cum[sex])[0]

    def full_kana(self) -> str:
        """A full-name kana a clerk would search for, drawn like the residents' names."""
        sex = self.rng.choice(("male", "female"))
        return self.surname()[1] + self.given_name(sex)[1]
