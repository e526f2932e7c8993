"""The demo register's plan: households of realistic composition and a little history, drawn from the tables of
demo_names with a generator seeded by the municipality code (the same day gives the same register)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.demo_names import (
    ALIAS_GIVEN,
    ALIASES,
    AREAS,
    COMPANIES,
    DEFAULT_AREAS,
    DOMICILES,
    ELSEWHERE,
    GUN,
    NATIONALITIES,
    NEW_FEMALE,
    NEW_MALE,
    OLD_FEMALE,
    OLD_MALE,
    PERIODS,
    WORKER_STATUSES,
)
from lgcloud.areas.registry.models import ForeignCategory, Sex
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.tenancy.models import Municipality

FOREIGN_SHARE = 0.025


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


