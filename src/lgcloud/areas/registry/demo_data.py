"""Demo residents for every member of the demo group, made through the registry services.

Each member gets about BASE_PER_MEMBER × scale residents, in proportion to its real population:
households of realistic composition (singles, couples, couples with children, single parents,
three generations with 父・母・子の妻・子の子), an age pyramid close to Japan's, about 2.5% foreign
residents (技能実習, 特定技能, 永住者, 特別永住者 …), addresses in the member's real 大字・町丁, and a
little history in the last two years: 出生, 死亡, 転出 (除票), 転居 and 世帯分離.

Everything goes through the services (one 転入 per household, then the household's later events in
date order), so events, history, audit and projection agree and engine.verify_projection() is
empty. Names come from Faker (ja_JP) seeded with the municipality code: the same day gives the same
register. A member that already has residents is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.household import household_split
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.models import ForeignCategory, Person, ResidentType, Sex, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.group.costs.meters import set_gauge
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

BASE_PER_MEMBER = 60  # residents of an average-sized member at scale 1
MIN_PER_MEMBER = 40
FOREIGN_SHARE = 0.025
DEMO_ACTOR = Actor("demo", "system", "system")

# --- where: 郡 and the 大字・町丁 (地区) of each member; (name, number of 丁目 or 0 for 番地) ----------

GUN = {
    "113018": "北足立郡", "113271": "入間郡", "113417": "比企郡", "113425": "比企郡", "113433": "比企郡",
    "113468": "比企郡", "113476": "比企郡", "113484": "比企郡", "113492": "比企郡", "113611": "秩父郡",
    "113620": "秩父郡", "113638": "秩父郡", "113654": "秩父郡", "113697": "秩父郡", "113816": "児玉郡",
    "113859": "児玉郡", "114081": "大里郡", "114421": "南埼玉郡",
}
AREAS: dict[str, list[tuple[str, int]]] = {
    "113018": [("小室", 0), ("羽貫", 0), ("小針新宿", 0), ("小針内宿", 0), ("内宿台", 6), ("栄", 6), ("中央", 7),
               ("学園", 4), ("西小針", 7)],
    "113271": [("越生", 0), ("黒山", 0), ("上野", 0), ("龍ケ谷", 0), ("大満", 0), ("成瀬", 0), ("如意", 0),
               ("津久根", 0)],
    "113417": [("羽尾", 0), ("福田", 0), ("月の輪", 0), ("山田", 0), ("伊古", 0), ("水房", 0), ("和泉", 0),
               ("中尾", 0)],
    "113425": [("菅谷", 0), ("杉山", 0), ("鎌形", 0), ("志賀", 0), ("平沢", 0), ("吉田", 0), ("古里", 0),
               ("広野", 0)],
    "113433": [("小川", 0), ("大塚", 0), ("青山", 0), ("腰越", 0), ("増尾", 0), ("角山", 0), ("高谷", 0),
               ("下里", 0), ("東小川", 6), ("みどりが丘", 4)],
    "113468": [("平沼", 0), ("中山", 0), ("畑中", 0), ("吹塚", 0), ("上伊草", 0), ("下伊草", 0), ("八幡", 0),
               ("鳥羽井", 0), ("表", 0)],
    "113476": [("久保田", 0), ("御所", 0), ("下細谷", 0), ("上細谷", 0), ("北下砂", 0), ("南下砂", 0), ("前河内", 0),
               ("大串", 0), ("東野", 0), ("大和田", 0)],
    "113484": [("今宿", 0), ("赤沼", 0), ("大橋", 0), ("須江", 0), ("石坂", 0), ("泉井", 0), ("小用", 0),
               ("松ケ丘", 4), ("楓ケ丘", 4), ("鳩ケ丘", 6)],
    "113492": [("玉川", 0), ("田中", 0), ("五明", 0), ("本郷", 0), ("関堀", 0), ("桃木", 0), ("西平", 0),
               ("番匠", 0), ("瀬戸", 0), ("大野", 0)],
    "113611": [("横瀬", 0), ("芦ケ久保", 0)],
    "113620": [("皆野", 0), ("大渕", 0), ("国神", 0), ("金崎", 0), ("下日野沢", 0), ("三沢", 0), ("上日野沢", 0),
               ("下田野", 0)],
    "113638": [("長瀞", 0), ("本野上", 0), ("野上下郷", 0), ("中野上", 0), ("岩田", 0), ("井戸", 0), ("矢那瀬", 0)],
    "113654": [("小鹿野", 0), ("下小鹿野", 0), ("般若", 0), ("長留", 0), ("飯田", 0), ("両神薄", 0), ("両神小森", 0),
               ("藤倉", 0), ("河原沢", 0)],
    "113697": [("御堂", 0), ("安戸", 0), ("坂本", 0), ("大内沢", 0), ("白石", 0), ("皆谷", 0)],
    "113816": [("木部", 0), ("阿那志", 0), ("猪俣", 0), ("甘粕", 0), ("広木", 0), ("関", 0), ("小茂田", 0),
               ("沼上", 0), ("駒衣", 0)],
    "113859": [("七本木", 0), ("神保原町", 0), ("金久保", 0), ("大御堂", 0), ("勅使河原", 0), ("帯刀", 0),
               ("長浜", 0), ("堤", 0), ("嘉美", 0), ("黛", 0)],
    "114081": [("寄居", 0), ("桜沢", 0), ("用土", 0), ("末野", 0), ("鉢形", 0), ("折原", 0), ("富田", 0),
               ("赤浜", 0), ("今市", 0), ("藤田", 0)],
    "114421": [("笠原", 0), ("百間", 0), ("中央", 3), ("川端", 4), ("宮代", 3), ("道仏", 0), ("西原", 0),
               ("学園台", 4), ("和戸", 0), ("東姫宮", 2), ("須賀", 0)],
}
DEFAULT_AREAS = [("本町", 3), ("東", 0), ("西", 0), ("南", 0), ("北", 0)]

# Where people come from and go to (転入前住所, 転出先).
ELSEWHERE = [
    ("埼玉県さいたま市大宮区", ["桜木町", "大門町", "宮町", "吉敷町"]),
    ("埼玉県上尾市", ["柏座", "宮本町", "上町", "原市"]),
    ("埼玉県川越市", ["脇田本町", "新富町", "菅原町", "南通町"]),
    ("埼玉県熊谷市", ["筑波", "宮町", "本町", "銀座"]),
    ("埼玉県東松山市", ["箭弓町", "松葉町", "本町", "材木町"]),
    ("埼玉県秩父市", ["番場町", "宮側町", "熊木町", "上町"]),
    ("埼玉県深谷市", ["西島町", "仲町", "上柴町東"]),
    ("東京都豊島区", ["池袋", "東池袋", "南大塚"]),
    ("東京都練馬区", ["豊玉北", "練馬", "石神井町"]),
    ("東京都板橋区", ["板橋", "大山町", "成増"]),
    ("群馬県高崎市", ["八島町", "連雀町", "本町"]),
    ("神奈川県横浜市港北区", ["新横浜", "菊名", "大倉山"]),
    ("千葉県柏市", ["柏", "旭町", "末広町"]),
]
DOMICILES = ["埼玉県秩父市番場町", "埼玉県熊谷市宮町", "東京都杉並区阿佐谷南", "群馬県前橋市大手町", "栃木県宇都宮市本町",
             "長野県長野市大字鶴賀", "新潟県新潟市中央区西堀通", "福島県郡山市堂前町", "茨城県水戸市南町", "山梨県甲府市丸の内"]

# --- names: Faker ja_JP, with names typical of their generation for the oldest and the youngest --------

OLD_MALE = [("清", "キヨシ"), ("茂", "シゲル"), ("博", "ヒロシ"), ("実", "ミノル"), ("勇", "イサム"), ("進", "ススム"),
            ("正男", "マサオ"), ("昭", "アキラ"), ("勝", "マサル"), ("武", "タケシ"), ("和夫", "カズオ"),
            ("正", "タダシ"), ("隆", "タカシ"), ("豊", "ユタカ"), ("三郎", "サブロウ"), ("光男", "ミツオ")]
OLD_FEMALE = [("和子", "カズコ"), ("幸子", "サチコ"), ("節子", "セツコ"), ("洋子", "ヨウコ"), ("恵子", "ケイコ"),
              ("京子", "キョウコ"), ("美智子", "ミチコ"), ("悦子", "エツコ"), ("久子", "ヒサコ"), ("信子", "ノブコ"),
              ("照子", "テルコ"), ("文子", "フミコ"), ("弘子", "ヒロコ"), ("千代子", "チヨコ"), ("トミ", "トミ")]
NEW_MALE = [("蓮", "レン"), ("陽翔", "ハルト"), ("湊", "ミナト"), ("蒼", "アオイ"), ("樹", "イツキ"), ("大和", "ヤマト"),
            ("悠真", "ユウマ"), ("陽太", "ヒナタ"), ("律", "リツ"), ("朝陽", "アサヒ"), ("颯真", "ソウマ")]
NEW_FEMALE = [("陽葵", "ヒマリ"), ("凛", "リン"), ("結菜", "ユイナ"), ("紬", "ツムギ"), ("芽依", "メイ"),
              ("葵", "アオイ"), ("澪", "ミオ"), ("結愛", "ユア"), ("杏", "アン"), ("咲良", "サクラ"), ("心春", "コハル")]

# --- foreign residents ---------------------------------------------------------------------------------

# nationality: (weight, family names, male given names, female given names, residence statuses with weights)
NATIONALITIES: dict[str, tuple[int, list[str], list[str], list[str], list[tuple[str, int]]]] = {
    "ベトナム": (30, ["NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU", "DANG", "BUI", "DO"],
                 ["VAN AN", "VAN HUNG", "DUC MINH", "MINH TUAN", "VAN NAM", "QUANG HUY"],
                 ["THI LINH", "THI HUONG", "THI THAO", "NGOC ANH", "THI TRANG", "THI HA"],
                 [("技能実習", 50), ("特定技能", 30), ("技術・人文知識・国際業務", 12), ("留学", 8)]),
    "中国": (20, ["WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "ZHAO", "HUANG"],
             ["WEI", "JUN", "LEI", "HAO", "JIANHUA"], ["FANG", "NA", "JING", "YAN", "XIUYING"],
             [("永住者", 40), ("技能実習", 15), ("技術・人文知識・国際業務", 20), ("留学", 10), ("日本人の配偶者等", 15)]),
    "フィリピン": (14, ["SANTOS", "REYES", "CRUZ", "BAUTISTA", "GARCIA", "MENDOZA"],
                   ["JOSE", "MARK ANTHONY", "JOHN PAUL"], ["MARIA CRISTINA", "ANGELICA", "KRISTINE", "ROSALIE"],
                   [("永住者", 45), ("日本人の配偶者等", 30), ("定住者", 25)]),
    "韓国": (8, ["KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG"], ["YOUNGHO", "MINJUN", "SUNGMIN"],
             ["SEOYEON", "MIYOUNG", "JIHYE"], [("特別永住者", 60), ("永住者", 40)]),
    "インドネシア": (8, ["SANTOSO", "SETIAWAN", "PRATAMA", "HIDAYAT"], ["BUDI", "AGUS", "RIZKY"],
                     ["SITI", "DEWI", "PUTRI"], [("技能実習", 60), ("特定技能", 40)]),
    "ミャンマー": (7, ["AUNG", "KYAW", "ZAW", "MYO"], ["MIN HTET", "KO KO", "THET NAING"],
                   ["HNIN WAI", "SU SU", "THIDA"], [("技能実習", 50), ("特定技能", 50)]),
    "ネパール": (6, ["GURUNG", "TAMANG", "SHRESTHA", "THAPA", "RAI"], ["RAM", "BIKASH", "SURESH"],
                 ["SITA", "ANITA", "PRAMILA"], [("技能", 50), ("留学", 50)]),
    "ブラジル": (7, ["SILVA", "SANTOS", "OLIVEIRA", "SUZUKI", "NAKAMURA"], ["JOAO", "LUCAS", "PAULO"],
                 ["ANA", "MARIANA", "FERNANDA"], [("定住者", 50), ("永住者", 50)]),
}
PERIODS = {"技能実習": ["1年", "2年"], "特定技能": ["1年", "3年"], "技術・人文知識・国際業務": ["1年", "3年", "5年"],
           "留学": ["1年3月", "2年", "4年3月"], "日本人の配偶者等": ["1年", "3年", "5年"], "定住者": ["1年", "3年", "5年"],
           "技能": ["1年", "3年", "5年"], "家族滞在": ["1年", "3年", "5年"], "永住者の配偶者等": ["1年", "3年", "5年"]}
WORKER_STATUSES = {"技能実習", "特定技能", "留学"}
ALIASES = [("金田", "カネダ"), ("新井", "アライ"), ("松本", "マツモト"), ("岩本", "イワモト"), ("林", "ハヤシ")]
ALIAS_GIVEN = {Sex.MALE: [("正男", "マサオ"), ("英一", "エイイチ"), ("秀夫", "ヒデオ")],
               Sex.FEMALE: [("順子", "ジュンコ"), ("英子", "エイコ"), ("明子", "アキコ")]}
COMPANIES = ["精工", "工業", "食品", "製作所", "電子", "化成"]

# Japan's population by 5-year age band (thousands, 2024; 0–4 … 95–99, 100+).
JAPAN_PYRAMID = [4100, 4800, 5200, 5500, 6200, 6400, 6400, 7100, 7900, 9300, 9700, 8300, 7400, 7500, 9000, 7300,
                 5800, 3900, 2000, 600, 90]


# --- the plan ------------------------------------------------------------------------------------------


@dataclass
class PersonPlan:
    relationship: str
    sex: str
    birth: dt.date
    family: str = ""
    family_kana: str = ""
    given: str = ""
    given_kana: str = ""
    foreign: dict[str, Any] | None = None
    born_here: bool = False  # recorded by 出生 after the household moved in
    dies_on: dt.date | None = None
    leaves_on: dt.date | None = None  # 転出 alone
    number: int = 0  # 宛名番号 once recorded
    gone: bool = False  # removed (died, moved out) while recording

    @property
    def removed(self) -> bool:
        return self.dies_on is not None or self.leaves_on is not None

    def name(self) -> str:
        return f"{self.family}　{self.given}" if self.family else ""


@dataclass
class HouseholdPlan:
    members: list[PersonPlan]
    address: dict[str, str]
    moved_in: dt.date | None = None
    previous_address: str = ""
    from_abroad: bool = False
    moves_within: tuple[dt.date, dict[str, str]] | None = None
    split: tuple[dt.date, list[PersonPlan], dict[str, str] | None] | None = None
    moves_out: tuple[dt.date, str] | None = None
    domicile: str = ""

    @property
    def since(self) -> dt.date:
        assert self.moved_in is not None, "settle() sets the move-in date"
        return self.moved_in

    @property
    def head(self) -> PersonPlan:
        return next(m for m in self.members if m.relationship == HEAD)

    def living(self) -> list[PersonPlan]:
        if self.moves_out:
            return []
        return [m for m in self.members if not m.removed]


def _years_ago(today: dt.date, years: float) -> dt.date:
    return today - dt.timedelta(days=round(years * 365.25))


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class Planner:
    """Plans one member's residents, deterministically from the municipality code."""

    def __init__(self, municipality: Municipality, size: int, today: dt.date) -> None:
        self.m = municipality
        self.size = size
        self.today = today
        self.window_start = dt.date(today.year - 1, 1, 1)
        self.last_event = today - dt.timedelta(days=8)
        seed = int(municipality.code)
        self.rng = random.Random(seed)
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(seed)
        self.prefix = f"{municipality.prefecture}{GUN.get(municipality.code, '')}{municipality.name}"
        self.areas = AREAS.get(municipality.code, DEFAULT_AREAS)
        self.seen: set[tuple[str, dt.date]] = set()
        self.given_in_household: set[str] = set()  # no two members of a household share a given name
        self.numbers: set[str] = set()

    # -- small helpers

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def born_aged(self, age: int) -> dt.date:
        """A birth date for someone `age` full years old today."""
        latest = dt.date(self.today.year - age, self.today.month, min(self.today.day, 28))
        return latest - dt.timedelta(days=self.rng.randint(0, 364))

    def window_date(self, after: dt.date | None = None) -> dt.date:
        start = max(self.window_start, (after or self.window_start) + dt.timedelta(days=1))
        return self.date_between(start, self.last_event)

    def address(self, *, apartment: float = 0.15) -> dict[str, str]:
        idx = self.rng.randrange(len(self.areas))
        area, chome = self.areas[idx]
        if chome:
            c = self.rng.randint(1, chome)
            line = f"{self.prefix}{area}{_kanji_number(c)}丁目{self.rng.randint(1, 30)}番{self.rng.randint(1, 25)}号"
        else:
            c = 0
            number = self.rng.randint(1, 3200)
            line = f"{self.prefix}{area}{number}番地" + (f"{self.rng.randint(1, 12)}" if self.chance(0.2) else "")
        extra = ""
        if self.chance(apartment):
            extra = f"{self.fake.building_name()}{area} {self.rng.randint(1, 3)}{self.rng.randint(1, 8):02d}号室"
        return {"address": line, "address_extra": extra, "address_code": f"{idx + 1:03d}{c:02d}", "district": area,
                "postal_code": ""}

    def elsewhere(self) -> str:
        city, towns = self.rng.choice(ELSEWHERE)
        return (f"{city}{self.rng.choice(towns)}{self.rng.randint(1, 5)}丁目{self.rng.randint(1, 30)}番"
                f"{self.rng.randint(1, 20)}号")

    def given(self, sex: str, birth: dt.date) -> tuple[str, str]:
        if birth.year < 1955 and self.chance(0.6):
            return self.rng.choice(OLD_MALE if sex == Sex.MALE else OLD_FEMALE)
        if birth.year >= 2012 and self.chance(0.6):
            return self.rng.choice(NEW_MALE if sex == Sex.MALE else NEW_FEMALE)
        g, kana, _ = self.fake.first_name_male_pair() if sex == Sex.MALE else self.fake.first_name_female_pair()
        return g, kana

    def surname(self) -> tuple[str, str]:
        family, kana, _ = self.fake.last_name_pair()
        return family, kana

    def person(self, rel: str, sex: str, birth: dt.date, family: tuple[str, str]) -> PersonPlan:
        for _ in range(20):
            given = self.given(sex, birth)
            if (family[0] + given[0], birth) not in self.seen and given[0] not in self.given_in_household:
                break
        while (family[0] + given[0], birth) in self.seen:
            birth += dt.timedelta(days=1)
        self.seen.add((family[0] + given[0], birth))
        self.given_in_household.add(given[0])
        return PersonPlan(rel, sex, birth, family[0], family[1], given[0], given[1])

    def individual_number(self) -> str:
        while True:
            first = f"{self.rng.randint(1, 9)}{self.rng.randrange(10**10):010d}"
            number = first + str(crypto.individual_number_check_digit(first))
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    # -- Japanese households

    def head_age(self) -> int:
        band = self.rng.choices([(19, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 84), (85, 89),
                                 (90, 99)], [5, 12, 15, 18, 17, 19, 8, 5.5, 2.5])[0]
        return self.rng.randint(*band)

    def japanese_household(self) -> HouseholdPlan:
        age = self.head_age()
        kinds = ["single", "couple", "family", "single_parent", "three_generations", "siblings"]
        weights = {
            19: [80, 10, 8, 2, 0, 0], 30: [30, 14, 48, 7, 0, 1], 40: [22, 9, 54, 8, 6, 1], 50: [22, 18, 40, 7, 12, 1],
            60: [20, 38, 22, 4, 14, 2], 70: [26, 46, 12, 4, 10, 2], 80: [42, 34, 12, 6, 5, 1],
        }[max(k for k in (19, 30, 40, 50, 60, 70, 80) if k <= age)]
        kind = self.rng.choices(kinds, weights)[0]
        family = self.surname()
        self.given_in_household = set()
        members: list[PersonPlan] = []
        if kind == "single":
            sex = Sex.MALE if self.chance(0.62 if age < 60 else 0.35) else Sex.FEMALE
            members.append(self.person(HEAD, sex, self.born_aged(age), family))
        elif kind == "single_parent":
            sex = Sex.FEMALE if self.chance(0.85) else Sex.MALE
            parent = self.person(HEAD, sex, self.born_aged(age), family)
            members.append(parent)
            members += self.children(parent.birth, family, self.rng.choice([1, 1, 2, 2, 3]), "子")
        elif kind == "siblings":
            sex = self.rng.choice([Sex.MALE, Sex.FEMALE])
            head = self.person(HEAD, sex, self.born_aged(age), family)
            younger = self.rng.choice([Sex.MALE, Sex.FEMALE])
            rel = "弟" if younger == Sex.MALE else "妹"
            members += [head, self.person(rel, younger, head.birth + dt.timedelta(days=self.rng.randint(500, 3000)),
                                          family)]
        else:
            husband, wife = self.couple(age, family)
            members += [husband, wife] if husband.relationship == HEAD else [wife, husband]
            if kind == "family":
                members += self.children(wife.birth, family, self.rng.choices([1, 2, 3, 4], [38, 45, 15, 2])[0], "子")
            elif kind == "three_generations":
                members += self.three_generations(husband, wife, family)
        return HouseholdPlan(members, self.address(apartment=0.45 if kind == "single" and age < 40 else 0.1))

    def couple(self, age: int, family: tuple[str, str]) -> tuple[PersonPlan, PersonPlan]:
        husband_head = self.chance(0.95)
        husband_birth = self.born_aged(age) if husband_head else self.born_aged(age + self.rng.randint(-2, 5))
        wife_birth = husband_birth + dt.timedelta(days=round(self.rng.gauss(2.2, 3) * 365))
        wife_birth = min(wife_birth, _years_ago(self.today, 19))
        unmarried = self.chance(0.02)
        if husband_head:
            husband = self.person(HEAD, Sex.MALE, husband_birth, family)
            wife = self.person("妻（未届）" if unmarried else "妻", Sex.FEMALE, wife_birth,
                               self.surname() if unmarried else family)
        else:
            wife = self.person(HEAD, Sex.FEMALE, wife_birth, family)
            husband = self.person("夫（未届）" if unmarried else "夫", Sex.MALE, husband_birth,
                                  self.surname() if unmarried else family)
        return husband, wife

    def children(self, mother_birth: dt.date, family: tuple[str, str], count: int, rel: str,
                 latest: dt.date | None = None) -> list[PersonPlan]:
        out: list[PersonPlan] = []
        born = mother_birth + dt.timedelta(days=round(self.rng.uniform(23, 33) * 365.25))
        latest = latest or self.today - dt.timedelta(days=30)
        for _ in range(count):
            if born > latest:
                break
            sex = self.rng.choice([Sex.MALE, Sex.FEMALE])
            out.append(self.person(rel, sex, born, family))
            born += dt.timedelta(days=round(self.rng.uniform(1.3, 4.5) * 365.25))
        return out

    def three_generations(self, husband: PersonPlan, wife: PersonPlan, family: tuple[str, str]) -> list[PersonPlan]:
        head = husband if husband.relationship == HEAD else wife
        if age_on(head.birth, self.today) >= 62:
            # The elder couple heads the household; their son's family lives with them.
            son = self.person("子", Sex.MALE, wife.birth + dt.timedelta(days=round(self.rng.uniform(23, 32) * 365)),
                              family)
            if age_on(son.birth, self.today) < 22:
                return [son]
            daughter_in_law = self.person("子の妻", Sex.FEMALE, son.birth + dt.timedelta(
                days=round(self.rng.gauss(2, 2.5) * 365)), family)
            grandchildren = self.children(daughter_in_law.birth, family, self.rng.choice([0, 1, 2, 2, 3]), "子の子")
            return [son, daughter_in_law, *grandchildren]
        # A middle-aged couple with their children and the head's (or the wife's) parents.
        kids = self.children(wife.birth, family, self.rng.choice([1, 2, 2, 3]), "子")
        wifes_side = self.chance(0.15)
        prefix = "妻の" if wifes_side and head is husband else ""
        elder_family = self.surname() if prefix else family
        elder_base = (wife if prefix else head).birth
        mother = self.person(prefix + "母", Sex.FEMALE, elder_base - dt.timedelta(
            days=round(self.rng.uniform(24, 33) * 365)), elder_family)
        elders = [mother]
        if self.chance(0.45):
            elders.insert(0, self.person(prefix + "父", Sex.MALE, mother.birth - dt.timedelta(
                days=round(self.rng.uniform(0, 5) * 365)), elder_family))
        return [*kids, *elders]

    # -- foreign residents

    def foreign_items(self, nationality: str, status: str, sex: str) -> dict[str, Any]:
        _w, families, males, females, _s = NATIONALITIES[nationality]
        name = f"{self.rng.choice(families)} {self.rng.choice(males if sex == Sex.MALE else females)}"
        items: dict[str, Any] = {"alphabet_name": name, "nationality": nationality, "residence_status": status}
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        card = (f"{self.rng.choice(letters)}{self.rng.choice(letters)}{self.rng.randrange(10**8):08d}"
                f"{self.rng.choice(letters)}{self.rng.choice(letters)}")
        items["residence_card_number"] = card
        if status == "特別永住者":
            items["foreign_category"] = ForeignCategory.SPECIAL_PERMANENT
            items["residence_status"] = ""
            if self.chance(0.5):
                alias, alias_kana = self.rng.choice(ALIASES)
                given, given_kana = self.rng.choice(ALIAS_GIVEN[Sex(sex)])
                items["alias"], items["alias_kana"] = f"{alias}　{given}", f"{alias_kana}　{given_kana}"
        else:
            items["foreign_category"] = ForeignCategory.MID_LONG_TERM
            if status != "永住者":
                period = self.rng.choice(PERIODS[status])
                items["period_of_stay"] = period
                items["stay_expires_on"] = self.today + dt.timedelta(days=self.rng.randint(20, 360))
        return items

    def alien(self, rel: str, sex: str, birth: dt.date, nationality: str, status: str) -> PersonPlan:
        """A foreign resident (never the same alphabet name and birth date as another)."""
        for _ in range(20):
            items = self.foreign_items(nationality, status, sex)
            if (items["alphabet_name"], birth) not in self.seen:
                break
        self.seen.add((items["alphabet_name"], birth))
        return PersonPlan(rel, sex, birth, foreign=items)

    def foreign_household(self, room: int) -> HouseholdPlan:
        names = list(NATIONALITIES)
        nationality = self.rng.choices(names, [NATIONALITIES[n][0] for n in names])[0]
        statuses = NATIONALITIES[nationality][4]
        status = self.rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0]
        country = nationality
        if status in WORKER_STATUSES or status in ("技能", "技術・人文知識・国際業務"):
            sex = Sex.MALE if self.chance(0.6) else Sex.FEMALE
            age = self.rng.randint(20, 34) if status in WORKER_STATUSES else self.rng.randint(24, 45)
            head = self.alien(HEAD, sex, self.born_aged(age), nationality, status)
            members = [head]
            if status in ("技能", "技術・人文知識・国際業務") and self.chance(0.4):
                spouse_sex = Sex.FEMALE if sex == Sex.MALE else Sex.MALE
                members.append(self.alien("妻" if spouse_sex == Sex.FEMALE else "夫", spouse_sex,
                                           head.birth + dt.timedelta(days=self.rng.randint(-900, 1500)), nationality,
                                           "家族滞在"))
            if status in WORKER_STATUSES:
                area, _chome = self.rng.choice(self.areas)
                company = f"{area}{self.rng.choice(COMPANIES)}"
                addr = self.address()
                addr["address_extra"] = f"株式会社{company} 社員寮 {room}号室"
            else:
                addr = self.address(apartment=0.7)
            plan = HouseholdPlan(members, addr, previous_address=country, from_abroad=True)
            if status in WORKER_STATUSES:
                plan.moved_in = self.date_between(_years_ago(self.today, 3), self.last_event)
            return plan
        if status == "日本人の配偶者等":
            # A mixed household: a Japanese head, a foreign spouse and their (Japanese) children.
            family = self.surname()
            self.given_in_household = set()
            age = self.rng.randint(32, 60)
            husband = self.person(HEAD, Sex.MALE, self.born_aged(age), family)
            wife = self.alien("妻", Sex.FEMALE, husband.birth + dt.timedelta(days=self.rng.randint(700, 4000)),
                              nationality, status)
            kids = self.children(wife.birth, family, self.rng.choice([0, 1, 2]), "子")
            return HouseholdPlan([husband, wife, *kids], self.address(apartment=0.2), previous_address=self.elsewhere())
        # Settled residents: 永住者, 定住者, 特別永住者 — a couple, often with children.
        if status == "特別永住者":
            age = self.rng.randint(45, 88)
        else:
            age = self.rng.randint(30, 62)
        head = self.alien(HEAD, Sex.MALE, self.born_aged(age), nationality, status)
        members = [head]
        if self.chance(0.7):
            wife = self.alien("妻", Sex.FEMALE, head.birth + dt.timedelta(days=self.rng.randint(0, 1800)),
                              nationality, status)
            members.append(wife)
            child_status = status if status in ("特別永住者", "定住者") else "永住者の配偶者等"
            born = wife.birth + dt.timedelta(days=round(self.rng.uniform(24, 34) * 365))
            for _ in range(self.rng.choice([0, 1, 2])):
                if born > self.today - dt.timedelta(days=60):
                    break
                sex = self.rng.choice([Sex.MALE, Sex.FEMALE])
                members.append(self.alien("子", sex, born, nationality, child_status))
                born += dt.timedelta(days=self.rng.randint(600, 1800))
        return HouseholdPlan(members, self.address(apartment=0.3), previous_address=self.elsewhere())

    # -- when: moving in, and what happened since

    def settle(self, plan: HouseholdPlan) -> None:
        """Japanese register items, move-in date, and the household's history."""
        head = plan.head
        head_age = age_on(head.birth, self.today)
        domicile_here = self.chance(0.55)
        plan.domicile = (f"{self.prefix}{plan.address['district']}{self.rng.randint(1, 3200)}番地" if domicile_here
                         else f"{self.rng.choice(DOMICILES)}{self.rng.randint(1, 300)}番地")
        # Children under six were born here: recorded by 出生 after the household moved in.
        babies = [m for m in plan.members if m.foreign is None and m.relationship in ("子", "子の子")
                  and age_on(m.birth, self.today) < 6]
        for b in babies:
            b.born_here = True
        others = [m for m in plan.members if not m.born_here]
        earliest = max(max(m.birth for m in others) + dt.timedelta(days=1),
                       head.birth + dt.timedelta(days=round(18 * 365.25)), dt.date(1970, 4, 1))
        latest = min([b.birth for b in babies] + [self.last_event]) - dt.timedelta(days=1)
        if plan.moved_in is None:
            mean_years = 6 if head_age < 30 else 13 if head_age < 45 else 25 if head_age < 65 else 40
            plan.moved_in = _years_ago(latest, self.rng.expovariate(1 / mean_years))
        if plan.moved_in < earliest:
            plan.moved_in = self.date_between(earliest, min(latest, _years_ago(earliest, -12)))
        plan.moved_in = max(earliest, min(latest, plan.moved_in))
        if not plan.previous_address:
            if self.chance(0.01):
                plan.previous_address, plan.from_abroad = self.rng.choice(["アメリカ合衆国", "オーストラリア", "シンガポール"]), True
            else:
                plan.previous_address = self.elsewhere()
        after = max([plan.since, *(b.birth for b in babies)])
        living = plan.living()
        if after >= self.last_event - dt.timedelta(days=2):
            return
        # 転出 of the whole household (young people move most).
        move_out_rate = 0.25 if head_age < 35 else 0.12 if head_age < 50 else 0.03
        if head.foreign and head.foreign.get("residence_status") in WORKER_STATUSES:
            move_out_rate = 0.25
        if self.chance(move_out_rate):
            when = self.window_date(after)
            destination = head.foreign["nationality"] if head.foreign else self.elsewhere()
            plan.moves_out = (when, destination)
            return
        # 死亡 of the elderly, at most one a household (the head only when the wife takes over or nobody remains).
        for m in living:
            age = age_on(m.birth, self.today)
            yearly = 0.0 if age < 50 else 0.004 if age < 65 else 0.012 if age < 75 else 0.035 if age < 85 else 0.1
            if m.foreign or not self.chance(yearly * 1.9):
                continue
            if m.relationship == HEAD:
                rest = [x for x in living if x is not m]
                if rest and not (any(x.relationship == "妻" for x in rest)
                                 and all(x.relationship in ("妻", "子", "子の妻", "子の子") for x in rest)):
                    continue
            m.dies_on = self.window_date(after)
            break
        if not plan.living():
            return  # a single person died: the household is dissolved, nothing follows
        # 転出 of a grown child (to study or work elsewhere).
        for m in living:
            if m.relationship == "子" and not m.removed and 18 <= age_on(m.birth, self.today) <= 30 and self.chance(0.08):
                m.leaves_on = self.window_date(after)
                break
        # 転居 within the town.
        if self.chance(0.03):
            new = self.address(apartment=0.2)
            if new["address"] != plan.address["address"]:
                plan.moves_within = (self.window_date(after), new)
        # 世帯分離: the son's family, or a grown child, forms its own household.
        son = next((m for m in plan.members if m.relationship == "子" and not m.removed
                    and age_on(m.birth, self.today) >= 22), None)
        if son is not None and self.chance(0.08 if any(m.relationship == "子の妻" for m in plan.members) else 0.02):
            moving = [son] + [m for m in plan.members if m.relationship in ("子の妻", "子の子") and not m.removed]
            when = self.window_date(max([after] + [m.dies_on or after for m in plan.members]))
            plan.split = (when, moving, self.address(apartment=0.3) if self.chance(0.5) else None)

    def plan(self) -> list[HouseholdPlan]:
        households: list[HouseholdPlan] = []
        living = foreign = 0
        foreign_target = round(self.size * FOREIGN_SHARE)
        room = 100
        while foreign < foreign_target:
            room += 1
            plan = self.foreign_household(room)
            count = sum(1 for m in plan.members if m.foreign)
            if foreign + count > foreign_target and count > 1:
                continue
            self.settle(plan)
            households.append(plan)
            living += len(plan.living())
            foreign += sum(1 for m in plan.living() if m.foreign)
        while living < self.size:
            plan = self.japanese_household()
            self.settle(plan)
            households.append(plan)
            living += len(plan.living())
        return households


def _kanji_number(n: int) -> str:
    digits = "〇一二三四五六七八九"
    return "十" if n == 10 else digits[n] if n < 10 else f"十{digits[n - 10]}"


# --- recording the plan through the services ------------------------------------------------------------


@dataclass
class Loaded:
    households: int = 0
    residents: int = 0
    removed: int = 0
    foreign: int = 0
    events: int = 0
    seconds: float = 0.0


class Recorder:
    def __init__(self, planner: Planner) -> None:
        self.p = planner
        self.today = planner.today
        self.events = 0

    def notified(self, on: dt.date) -> dt.date:
        return min(on + dt.timedelta(days=self.p.rng.randint(0, 7)), self.today)

    def items(self, m: PersonPlan, plan: HouseholdPlan, relationship: str | None = None) -> dict[str, Any]:
        items: dict[str, Any] = {"sex": m.sex, "relationship": relationship or m.relationship,
                                 "resident_code": f"{self.p.rng.randrange(10**11):011d}"}
        if not m.born_here:
            items["birth_date"] = m.birth.isoformat()
        if m.foreign is not None:
            items.update(resident_type=ResidentType.FOREIGN, **m.foreign)
            if m.foreign.get("stay_expires_on"):
                items["stay_expires_on"] = m.foreign["stay_expires_on"].isoformat()
            if self.p.chance(0.9):
                items["individual_number"] = self.p.individual_number()
            return items
        head = plan.head
        holder = head if head.foreign is None else m
        if m.relationship in ("父", "母", "妻の父", "妻の母"):
            holder = next((x for x in plan.members if x.relationship in ("父", "妻の父")), m)
        elif m.relationship in ("子の妻", "子の子"):
            holder = next((x for x in plan.members if x.relationship == "子" and x.sex == Sex.MALE), m)
        elif m.relationship in ("妻（未届）", "夫（未届）"):
            holder = m
        items.update(
            resident_type=ResidentType.JAPANESE, family_name=m.family, given_name=m.given,
            family_name_kana=m.family_kana, given_name_kana=m.given_kana, kana_certified=self.p.chance(0.8),
            registered_domicile=plan.domicile, domicile_head=holder.name() or m.name(),
            electoral_registered=age_on(m.birth, self.today) >= 18 and plan.since < self.today - dt.timedelta(days=92),
        )
        if self.p.chance(0.98):
            items["individual_number"] = self.p.individual_number()
        return items

    def record(self, plan: HouseholdPlan) -> None:
        first = [m for m in plan.members if not m.born_here]
        result = move_in(
            persons=[self.items(m, plan) for m in first], address=plan.address, effective_on=plan.since,
            notified_on=self.notified(plan.since), previous_address=plan.previous_address,
            from_abroad=plan.from_abroad,
        )
        self.events += 1
        for m, person in zip(first, sorted(result.persons, key=lambda p: p.person_no), strict=True):
            m.number = person.person_no
        household_no = result.households[0].household_no
        for when, _order, action in sorted(self.timeline(plan), key=lambda t: (t[0], t[1])):
            action(when, household_no)
            self.events += 1

    def timeline(self, plan: HouseholdPlan) -> Iterable[tuple[dt.date, int, Any]]:
        for m in plan.members:
            if m.born_here:
                yield m.birth, 0, self._birth(plan, m)
        if plan.moves_within:
            when, addr = plan.moves_within
            yield when, 1, lambda on, hh, addr=addr: move_within(
                household_no=hh, address=addr, effective_on=on, notified_on=self.notified(on))
        if plan.split:
            yield plan.split[0], 2, self._split(plan)
        for m in plan.members:
            if m.dies_on:
                yield m.dies_on, 3, self._death(plan, m)
            if m.leaves_on:
                yield m.leaves_on, 4, self._leave(m)
        if plan.moves_out:
            when, destination = plan.moves_out
            yield when, 5, lambda on, hh, destination=destination: move_out(
                person_nos=[m.number for m in plan.members if not m.gone], destination=destination,
                effective_on=on, notified_on=on - dt.timedelta(days=self.p.rng.randint(0, 10)))

    def _birth(self, plan: HouseholdPlan, child: PersonPlan) -> Any:
        mother_rel = "子の妻" if child.relationship == "子の子" else None

        def run(on: dt.date, household_no: int) -> None:
            mother = next((m for m in plan.members if m.sex == Sex.FEMALE and m.number and not m.gone
                           and (m.relationship == mother_rel if mother_rel else m.relationship in (HEAD, "妻", "妻（未届）"))),
                          None)
            result = birth(child=self.items(child, plan), household_no=household_no, effective_on=on,
                                    notified_on=self.notified(on),
                                    mother_person_no=mother.number if mother else None)
            child.number = result.persons[0].person_no

        return run

    def _split(self, plan: HouseholdPlan) -> Any:
        assert plan.split is not None
        _when, moving, addr = plan.split
        new_rel = {"子": HEAD, "子の妻": "妻", "子の子": "子"}

        def run(on: dt.date, _household_no: int) -> None:
            present = [m for m in moving if m.number and not m.gone]
            head = present[0]
            household_split(
                person_nos=[m.number for m in present], new_head_person_no=head.number, address=addr,
                relationships={m.number: new_rel[m.relationship] for m in present if m is not head},
                effective_on=on, notified_on=self.notified(on))
            for m in present:
                m.relationship = new_rel[m.relationship]
            plan.members = [m for m in plan.members if m not in present]

        return run

    def _death(self, plan: HouseholdPlan, m: PersonPlan) -> Any:
        def run(on: dt.date, _household_no: int) -> None:
            kwargs: dict[str, Any] = {}
            if m.relationship == HEAD:
                rest = [x for x in plan.members if x is not m and x.number and not x.gone]
                if rest:
                    wife = next(x for x in rest if x.relationship == "妻")
                    kwargs = {"new_head_person_no": wife.number, "relationships": {}}
                    wife.relationship = HEAD
            death(person_no=m.number, death_date=on, notified_on=self.notified(on), **kwargs)
            m.gone = True

        return run

    def _leave(self, m: PersonPlan) -> Any:
        def run(on: dt.date, _household_no: int) -> None:
            move_out(person_nos=[m.number], destination=self.p.elsewhere(), effective_on=on,
                              notified_on=on - dt.timedelta(days=self.p.rng.randint(0, 10)))
            m.gone = True

        return run


# --- the demo step --------------------------------------------------------------------------------------


def sizes(members: list[Municipality], scale: int) -> dict[str, int]:
    """Residents per member: BASE_PER_MEMBER × scale for an average member, in proportion to population."""
    populations = [m.population for m in members if m.population]
    mean = sum(populations) / len(populations) if populations else 0
    out = {}
    for m in members:
        base = BASE_PER_MEMBER * m.population / mean if (m.population and mean) else BASE_PER_MEMBER
        out[m.code] = max(MIN_PER_MEMBER, round(base)) * scale
    return out


def load_member(municipality: Municipality, size: int, today: dt.date | None = None) -> Loaded | None:
    """Plan and record one member's residents; None if it already has some."""
    with municipality_scope(municipality, DEMO_ACTOR):
        if Person.objects.exists():
            return None
        started = time.perf_counter()
        planner = Planner(municipality, size, today or timezone.localdate())
        recorder = Recorder(planner)
        with transaction.atomic():
            for plan in planner.plan():
                recorder.record(plan)
        loaded = Loaded(events=recorder.events)
        loaded.households = sum(1 for _ in Person.objects.filter(status=Status.RESIDENT).values("household_id")
                                .distinct())
        loaded.residents = Person.objects.filter(status=Status.RESIDENT).count()
        loaded.foreign = Person.objects.filter(status=Status.RESIDENT, resident_type=ResidentType.FOREIGN).count()
        loaded.removed = Person.objects.filter(status=Status.REMOVED).count()
        loaded.seconds = time.perf_counter() - started
        return loaded


@demo_step(40)
def residents(ctx: DemoContext) -> None:
    """Residents for every member (ctx.scale × about BASE_PER_MEMBER each); scale 0 makes none."""
    if ctx.scale <= 0:
        ctx.say("  住民データは作成しません（規模 0）")
        return
    started = time.perf_counter()
    per_member = sizes(ctx.members, ctx.scale)
    total = 0
    for m in ctx.members:
        loaded = load_member(m, per_member[m.code])
        with municipality_scope(m, DEMO_ACTOR):
            held = Person.objects.filter(status=Status.RESIDENT).count()
        set_gauge(m, "residents_held", held)
        total += held
        if loaded is None:
            ctx.say(f"  {m.name}: 住民が既に登録されているため省略しました（住民 {held:,}人）")
            continue
        ctx.say(f"  {m.name}: 住民 {loaded.residents:,}人（うち外国人 {loaded.foreign}人）、世帯 {loaded.households:,}、"
                f"除票 {loaded.removed}人、異動 {loaded.events:,}件（{loaded.seconds:.1f}秒）")
    ctx.say(f"  住民の合計 {total:,}人（{time.perf_counter() - started:.1f}秒）")
