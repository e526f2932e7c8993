"""異体字 search (issue 15, item 10): 高橋 finds 髙橋 and 斉藤 斎藤 齋藤 齊藤 find each other, both ways, from the
generated table (scripts/gen_itaiji.py, docs/itaiji.md); the data migration and `registry reindex` refold
keys stored before; the 支援措置 offender matching uses the same normalisation."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.management import call_command

from lgcloud.areas.registry import restrictions, search
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import Person, SearchKey
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.restrictions import Requester, RestrictionRefused
from lgcloud.areas.registry.search import SearchQuery
from lgcloud.platform.common import itaiji

SAITO = ("斉藤", "斎藤", "齋藤", "齊藤")
TAKAHASHI = ("高橋", "髙橋")


def _person(family: str, given: str = "花子", birth: str = "1980-01-01", address: str = "埼玉県北足立郡伊奈町小室1"):
    return move_in(persons=[{"family_name": family, "given_name": given, "family_name_kana": "テスト",
                             "given_name_kana": "ハナコ", "birth_date": birth, "sex": "female",
                             "relationship": "世帯主"}],
                   address={"address": address}, effective_on="2024-04-01", notified_on="2024-04-02",
                   previous_address="東京都").persons[0]


def test_table_is_generated_with_its_source_noted():
    head = itaiji.TABLE.read_text(encoding="utf-8").splitlines()[0]
    assert "Unihan" in head and "joyokanji" in head and "gen_itaiji.py" in head
    assert len(itaiji.table()) > 2000  # a maintained table, not a few pairs


@pytest.mark.parametrize("variants", [SAITO, TAKAHASHI, ("吉田", "𠮷田"), ("山崎", "山﨑"), ("渡辺", "渡邊"),
                                   ("葛飾", "葛\U000E0100飾")])
def test_variants_normalise_alike(variants):
    assert len({normalize(name) for name in variants}) == 1


def test_distinct_common_characters_stay_apart():
    for a, b in (("着", "著"), ("卓", "棹"), ("埼", "崎"), ("六", "陸")):
        assert normalize(a) != normalize(b)


@pytest.mark.parametrize("variants", [SAITO, TAKAHASHI])
def test_search_finds_every_variant_both_ways(in_a, variants):
    # One birth date each: the same name and birth date is the same person to the register (checked alike).
    numbers = {name: _person(name, birth=f"198{n}-01-01").person_no for n, name in enumerate(variants)}
    for query in variants:
        found = {p.person_no for p in search.search(SearchQuery(name=query + "花子")).persons}
        assert found == set(numbers.values()), query


def test_reindex_and_migration_refold_keys_stored_before(in_a, muni_a, capsys):
    p = _person("齋藤")
    # As stored before the folding: the keys and columns as the old normalisation left them.
    SearchKey.objects.filter(person=p, kind="name").update(value="齋藤花子")
    SearchKey.objects.create(person=p, kind="name", value="斉藤花子")  # folds onto the first: one is removed
    Person.objects.filter(pk=p.pk).update(search_name="齋藤花子", search_names="齋藤花子")
    assert not search.search(SearchQuery(name="斎藤")).persons
    call_command("registry", "reindex", "--municipality", muni_a.code)
    assert "検索用の列を作り直しました" in capsys.readouterr().out
    assert [x.person_no for x in search.search(SearchQuery(name="斎藤")).persons] == [p.person_no]
    assert list(SearchKey.objects.filter(person=p, kind="name").values_list("value", flat=True)) == ["斉藤花子"]
    Person.objects.filter(pk=p.pk).update(search_names="髙橋\n齋藤花子")
    migration = importlib.import_module("lgcloud.areas.registry.migrations.0015_search_itaiji_fold")
    from django.apps import apps

    migration.forwards(apps, None)  # the schema editor is not used
    assert Person.objects.get(pk=p.pk).search_names == "斉藤花子\n高橋"


def test_offender_matching_uses_the_same_folding(in_a):
    victim = _person("佐藤", "美咲", address="埼玉県北足立郡伊奈町羽貫200")
    restrictions.register_support_measure(applicant_person_no=victim.person_no, starts_on=dt.date(2026, 1, 1),
                                          offender_name="齋藤 健太", offender_kana="サイトウ ケンタ",
                                          offender_birth_date=dt.date(1988, 1, 1))
    with pytest.raises(RestrictionRefused, match="加害者とされる者からの"):
        restrictions.check("issue", [victim], requester=Requester(name="斉藤 健太", birth_date=dt.date(1988, 1, 1)),
                           acknowledge_alerts=True)
