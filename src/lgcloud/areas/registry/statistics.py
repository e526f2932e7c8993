"""Resident-register statistics (住民基本台帳に基づく人口・世帯数, 人口動態, 地区別・年齢別人口).

Pure functions over the register as of a date (engine_asof.register_as_of) and the events: nothing here
reads the current projection, so the figures for any past date come out as they stood then, with
retroactive corrections and cancellations applied. Each table is an aggregate (no names or numbers
of residents) and can be written as CSV (UTF-8 with BOM, Japanese headers) exactly as shown.

- population_and_households(on): population by sex, Japanese/foreign; households by the head's
  nationality, and 複数国籍世帯 (Japanese and foreign members together), as in the annual report.
- movements(start, end): 転入 (incl. 国外からの転入, 再転入), 出生, 職権記載, 転出, 死亡, 職権消除・失踪 in
  a period, counted in persons by 異動日; cancelled events (and the cancellations) do not count.
- district_age_table(on) / age_sex_table(on): 5-year age bands (0–4 … 95–99, 100+) in full years
  on the date, by 地区 and by sex, with totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lgcloud.areas.registry import engine, engine_asof
from lgcloud.areas.registry.models import EventKind, RegistryEvent, ResidentType, Sex, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.common.wareki import format_wareki

Resident = Mapping[str, Any]
Cell = int | str

TYPES = (ResidentType.JAPANESE, ResidentType.FOREIGN)
SEXES = (Sex.MALE, Sex.FEMALE)
TYPE_LABEL = {ResidentType.JAPANESE: "日本人住民", ResidentType.FOREIGN: "外国人住民"}
SEX_LABEL = {Sex.MALE: "男", Sex.FEMALE: "女"}
NO_DISTRICT = "（地区の記載なし）"
WITHHELD = "（地区の表示を控える住民）"
UNKNOWN_AGE = "年齢不詳"
BAND_WIDTH = 5
TOP_BAND = 100  # 100歳以上

# The kinds each movement line counts, and whether the person is added to or removed from the register.
MOVE_IN_KINDS = (EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN)
# 帰化・国籍喪失: the person leaves one table (日本人住民 / 外国人住民) and enters the other, as in the annual
# report's その他の記載 / その他の消除.
NATIONALITY_KINDS = (EventKind.NATURALIZATION, EventKind.NATIONALITY_LOSS)
MOVEMENT_LINES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("move_in", "転入", MOVE_IN_KINDS),
    ("move_in_from_abroad", "うち国外からの転入", (EventKind.MOVE_IN_FROM_ABROAD,)),
    ("birth", "出生", (EventKind.BIRTH,)),
    ("other_entry", "その他の記載（職権記載・帰化等）", (EventKind.EX_OFFICIO_ENTRY, *NATIONALITY_KINDS)),
    ("move_out", "転出", (EventKind.MOVE_OUT,)),
    ("death", "死亡", (EventKind.DEATH,)),
    ("other_removal", "その他の消除（職権消除・失踪・帰化等）",
     (EventKind.EX_OFFICIO_REMOVAL, EventKind.DISAPPEARANCE, *NATIONALITY_KINDS)),
)
_ADDING = {"move_in", "move_in_from_abroad", "birth", "other_entry"}
_CHUNK = 500


# --- tables ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """An aggregate table: `columns[0]` heads the row-header column; each row starts with its header."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    foot: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    def csv_bytes(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        writer.writerows(self.foot)
        return buf.getvalue().encode("utf-8-sig")


# --- ages -----------------------------------------------------------------------------------------------


def age_on(birth: dt.date, on: dt.date) -> int:
    """満年齢 on `on` (a person born on 29 February is a year older from 1 March in common years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def band_of(age: int) -> int:
    """Index of the 5-year band: 0 for 0–4, 1 for 5–9, … 20 for 100 and over."""
    return min(max(age, 0), TOP_BAND) // BAND_WIDTH


def band_labels() -> list[str]:
    labels = [f"{lo}～{lo + BAND_WIDTH - 1}歳" for lo in range(0, TOP_BAND, BAND_WIDTH)]
    return [*labels, f"{TOP_BAND}歳以上"]


def _band(resident: Resident, on: dt.date) -> int | None:
    birth = resident.get("birth_date")
    if not isinstance(birth, dt.date):
        return None
    return band_of(age_on(birth, on))


# --- (1) population and households -----------------------------------------------------------------------


@dataclass
class PopulationFigures:
    on: dt.date
    population: Counter[tuple[str, str]] = field(default_factory=Counter)  # (resident_type, sex) → persons
    households: int = 0
    japanese_head: int = 0  # 世帯主が日本人住民の世帯
    foreign_head: int = 0  # 世帯主が外国人住民の世帯
    japanese_only: int = 0
    foreign_only: int = 0
    mixed_japanese_head: int = 0  # 複数国籍世帯（世帯主が日本人住民）
    mixed_foreign_head: int = 0  # 複数国籍世帯（世帯主が外国人住民）

    @property
    def mixed(self) -> int:
        return self.mixed_japanese_head + self.mixed_foreign_head

    def persons(self, resident_type: str | None = None, sex: str | None = None) -> int:
        return sum(n for (t, s), n in self.population.items()
                   if (resident_type is None or t == resident_type) and (sex is None or s == sex))


def residents_on(on: dt.date) -> list[dict[str, Any]]:
    """Everyone resident on `on`, as they stood that day."""
    return list(engine_asof.register_as_of(on))


def population_and_households(on: dt.date, residents: Iterable[Resident] | None = None) -> PopulationFigures:
    residents = residents_on(on) if residents is None else residents
    fig = PopulationFigures(on)
    by_household: dict[Any, list[Resident]] = defaultdict(list)
    for r in residents:
        fig.population[(r["resident_type"], r["sex"])] += 1
        by_household[r["household_id"]].append(r)
    for members in by_household.values():
        fig.households += 1
        head = next((m for m in members if m["relationship"] == HEAD), members[0])
        types = {m["resident_type"] for m in members}
        head_japanese = head["resident_type"] == ResidentType.JAPANESE
        if head_japanese:
            fig.japanese_head += 1
        else:
            fig.foreign_head += 1
        if len(types) > 1:
            if head_japanese:
                fig.mixed_japanese_head += 1
            else:
                fig.mixed_foreign_head += 1
        elif head_japanese:
            fig.japanese_only += 1
        else:
            fig.foreign_only += 1
    return fig


def population_table(fig: PopulationFigures) -> Table:
    rows: list[list[Cell]] = []
    for t in TYPES:
        households = fig.japanese_head if t == ResidentType.JAPANESE else fig.foreign_head
        rows.append([TYPE_LABEL[t], fig.persons(t, Sex.MALE), fig.persons(t, Sex.FEMALE), fig.persons(t), households])
    foot: list[list[Cell]] = [["計", fig.persons(None, Sex.MALE), fig.persons(None, Sex.FEMALE), fig.persons(),
                               fig.households]]
    return Table(
        "population", f"人口及び世帯数（{format_wareki(fig.on)}現在）", ["区分", "男", "女", "計", "世帯数"], rows, foot,
        note="世帯数は世帯主が日本人住民か外国人住民かで区分しています。",
    )


def household_table(fig: PopulationFigures) -> Table:
    rows: list[list[Cell]] = [
        ["日本人住民のみの世帯", fig.japanese_only],
        ["外国人住民のみの世帯", fig.foreign_only],
        ["複数国籍世帯（世帯主が日本人住民）", fig.mixed_japanese_head],
        ["複数国籍世帯（世帯主が外国人住民）", fig.mixed_foreign_head],
    ]
    foot: list[list[Cell]] = [["複数国籍世帯の計", fig.mixed], ["世帯数の計", fig.households]]
    return Table("households", f"世帯の構成（{format_wareki(fig.on)}現在）", ["区分", "世帯数"], rows, foot,
                 note="複数国籍世帯は、日本人住民と外国人住民がともにいる世帯です。")


# --- (2) movements in a period ----------------------------------------------------------------------------


@dataclass
class Movements:
    start: dt.date
    end: dt.date
    counts: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)  # line → (type, sex) → persons

    def count(self, line: str, resident_type: str | None = None, sex: str | None = None) -> int:
        return sum(n for (t, s), n in self.counts.get(line, Counter()).items()
                   if (resident_type is None or t == resident_type) and (sex is None or s == sex))


def live_events(start: dt.date | None = None, end: dt.date | None = None) -> list[RegistryEvent]:
    """Events that stand: not cancelled by another event's `cancels`, and not cancellations themselves."""
    qs = RegistryEvent.objects.filter(cancellations__isnull=True).exclude(kind=EventKind.CANCELLATION)
    if start is not None:
        qs = qs.filter(effective_on__gte=start)
    if end is not None:
        qs = qs.filter(effective_on__lte=end)
    return list(qs.order_by("effective_on", "id"))


def _counted(ev: RegistryEvent, change: Mapping[str, Any]) -> bool:
    if change["target"] != "person":
        return False
    return "status" in change["set"] or (ev.kind in NATIONALITY_KINDS and "resident_type" in change["set"])


def _person_states(events: list[RegistryEvent]) -> dict[tuple[int, int], dict[str, Any]]:
    """For each (event, person) it counts for: the person's items just after that event, folded from the
    live events, so sex and Japanese/foreign are as they stood then."""
    wanted: dict[int, set[int]] = defaultdict(set)  # person pk → event ids
    for ev in events:
        for ch in ev.changes:
            if _counted(ev, ch):
                wanted[ch["id"]].add(ev.pk)
    if not wanted:
        return {}
    history: dict[int, dict[int, RegistryEvent]] = defaultdict(dict)
    end = max(ev.effective_on for ev in events)
    pks = sorted(wanted)
    for i in range(0, len(pks), _CHUNK):
        chunk = set(pks[i: i + _CHUNK])
        qs = (RegistryEvent.objects.filter(cancellations__isnull=True, effective_on__lte=end,
                                           subjects__person_id__in=chunk)
              .exclude(kind=EventKind.CANCELLATION).distinct())
        for ev in qs:
            for ch in ev.changes:
                if ch["target"] == "person" and ch["id"] in chunk:
                    history[ch["id"]][ev.pk] = ev
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for pk, event_ids in wanted.items():
        evs = sorted(history[pk].values(), key=lambda e: (e.effective_on, e.pk))
        for i, ev in enumerate(evs):
            if ev.pk in event_ids:
                state = engine.fold("person", pk, None, evs[: i + 1])
                if state is not None:
                    out[(ev.pk, pk)] = state
    return out


def movements(start: dt.date, end: dt.date) -> Movements:
    """Persons added to or removed from the register by 異動日 in [start, end], by kind, sex and nationality."""
    result = Movements(start, end, {key: Counter() for key, _label, _kinds in MOVEMENT_LINES})
    events = live_events(start, end)
    states = _person_states(events)
    for ev in events:
        lines = [key for key, _label, kinds in MOVEMENT_LINES if ev.kind in kinds]
        if not lines:
            continue
        for ch in ev.changes:
            if not _counted(ev, ch):
                continue
            state = states.get((ev.pk, ch["id"]))
            if state is None:
                continue
            after = (state["resident_type"], state["sex"])
            if ev.kind in NATIONALITY_KINDS:
                # Entered the new table, removed from the old one.
                before = (ResidentType.FOREIGN if after[0] == ResidentType.JAPANESE else ResidentType.JAPANESE, after[1])
                result.counts["other_entry"][after] += 1
                result.counts["other_removal"][before] += 1
                continue
            for line in lines:
                if (ch["set"]["status"] == Status.RESIDENT) == (line in _ADDING):
                    result.counts[line][after] += 1
    return result


def movement_table(mv: Movements) -> Table:
    columns = ["区分"]
    for t in TYPES:
        columns += [f"{TYPE_LABEL[t]}（男）", f"{TYPE_LABEL[t]}（女）", f"{TYPE_LABEL[t]}（計）"]
    columns.append("合計")
    rows: list[list[Cell]] = []
    for key, label, _kinds in MOVEMENT_LINES:
        row: list[Cell] = [label]
        for t in TYPES:
            row += [mv.count(key, t, Sex.MALE), mv.count(key, t, Sex.FEMALE), mv.count(key, t)]
        row.append(mv.count(key))
        rows.append(row)
    period = f"{format_wareki(mv.start)}～{format_wareki(mv.end)}"
    return Table("movements", f"人口動態（{period}）", columns, rows,
                 note="人数は異動日で数えています。取り消された異動は含みません。「うち国外からの転入」は転入の内数です。")


# --- (3) district × 5-year age band -------------------------------------------------------------------------


def district_age_table(on: dt.date, residents: Iterable[Resident] | None = None) -> Table:
    from lgcloud.areas.registry.restrictions import protected_person_ids

    residents = residents_on(on) if residents is None else residents
    labels = band_labels()
    counts: dict[str, Counter[int | None]] = defaultdict(Counter)
    hidden = protected_person_ids()
    for r in residents:
        # A person under a 支援措置 is counted, but in no district: a small cell must not say where they live.
        district = WITHHELD if r.get("pk") in hidden else r.get("district") or NO_DISTRICT
        counts[district][_band(r, on)] += 1
    has_unknown = any(c[None] for c in counts.values())
    keys: list[int | None] = [*range(len(labels)), *([None] if has_unknown else [])]
    columns = ["地区", *labels, *([UNKNOWN_AGE] if has_unknown else []), "計"]
    districts = sorted(d for d in counts if d not in (NO_DISTRICT, WITHHELD))
    districts += [d for d in (NO_DISTRICT, WITHHELD) if d in counts]
    rows: list[list[Cell]] = []
    total: Counter[int | None] = Counter()
    for d in districts:
        rows.append([d, *(counts[d][k] for k in keys), sum(counts[d].values())])
        total.update(counts[d])
    foot: list[list[Cell]] = [["計", *(total[k] for k in keys), sum(total.values())]]
    return Table("district_age", f"地区別・年齢（5歳階級）別人口（{format_wareki(on)}現在）", columns, rows, foot,
                 note="年齢はその日現在の満年齢です。日本人住民と外国人住民の計です。")


def age_sex_table(on: dt.date, residents: Iterable[Resident] | None = None) -> Table:
    residents = residents_on(on) if residents is None else residents
    counts: Counter[tuple[int | None, str]] = Counter()
    for r in residents:
        counts[(_band(r, on), r["sex"])] += 1
    labels = band_labels()
    keys: list[int | None] = list(range(len(labels)))
    row_labels = list(labels)
    if any(b is None for b, _s in counts):
        keys.append(None)
        row_labels.append(UNKNOWN_AGE)
    rows: list[list[Cell]] = []
    for k, label in zip(keys, row_labels, strict=True):
        m, f = counts[(k, Sex.MALE)], counts[(k, Sex.FEMALE)]
        rows.append([label, m, f, m + f])
    men = sum(n for (_b, s), n in counts.items() if s == Sex.MALE)
    women = sum(n for (_b, s), n in counts.items() if s == Sex.FEMALE)
    foot: list[list[Cell]] = [["計", men, women, men + women]]
    return Table("age_sex", f"年齢（5歳階級）・男女別人口（{format_wareki(on)}現在）", ["年齢", "男", "女", "計"], rows, foot)


# --- everything for one request -------------------------------------------------------------------------------

TABLE_KEYS = ("population", "households", "movements", "district_age", "age_sex")


def tables(on: dt.date, start: dt.date, end: dt.date, only: str | None = None) -> list[Table]:
    """The statistics tables as of `on` and for the period [start, end]; `only` builds just that one."""
    out: list[Table] = []
    wanted = set(TABLE_KEYS if only is None else [only])
    residents: list[dict[str, Any]] | None = None
    if wanted & {"population", "households", "district_age", "age_sex"}:
        residents = residents_on(on)
    if wanted & {"population", "households"}:
        assert residents is not None
        fig = population_and_households(on, residents)
        if "population" in wanted:
            out.append(population_table(fig))
        if "households" in wanted:
            out.append(household_table(fig))
    if "movements" in wanted:
        out.append(movement_table(movements(start, end)))
    if "district_age" in wanted:
        out.append(district_age_table(on, residents))
    if "age_sex" in wanted:
        out.append(age_sex_table(on, residents))
    return out
