"""`lgcloud calc resident-tax` / `property-tax`: the documented fields, overrides, refusals with exit 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

KAMIFURANO = {"fiscal_year": 2025, "salary_revenue": 5_779_320, "pension_revenue": 0, "other_income": 0, "age": 45,
              "social_insurance_paid": 1_140_601, "life_insurance_deduction": 70_000, "spouse": None,
              "dependants": [], "grade": 3, "designated_city": False}
OUTPUT = {"total_income", "deductions", "taxable_base", "municipal_income_levy", "prefectural_income_levy",
          "municipal_per_capita", "prefectural_per_capita", "forest_environment_tax", "exempt", "total", "breakdown"}


def run(name: str, data: dict, monkeypatch) -> dict:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    call_command("calc", name, stdout=out)
    return json.loads(out.getvalue())


def refused(name: str, data: dict, monkeypatch, field: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    with pytest.raises(CommandError) as e:
        call_command("calc", name)
    assert e.value.returncode == 2
    assert f"項目: {field}" in str(e.value)
    return str(e.value)


def test_resident_tax_kamifurano_with_every_documented_field(monkeypatch):
    r = run("resident-tax", KAMIFURANO, monkeypatch)
    assert OUTPUT <= set(r)
    assert (r["deductions"], r["taxable_base"], r["total"], r["exempt"]) == (1_640_601, 2_540_000, 256_500, "none")
    assert all({"step", "label", "amount", "parameters"} <= set(s) for s in r["breakdown"])


def test_resident_tax_family_and_parameter_override(monkeypatch):
    data = {**KAMIFURANO, "spouse": {"income": 0, "age": 40},
            "dependants": [{"income": 0, "age": 20, "living_together": True}, {"income": 0, "age": 8}],
            "parameters": {"resident_tax.per_capita.prefectural_surcharge": 500, "resident_tax.rate.municipal": "6.2"}}
    r = run("resident-tax", data, monkeypatch)
    assert r["prefectural_per_capita"] == 1_500
    assert r["deductions"] == 1_640_601 + 330_000 + 450_000
    levy = next(s for s in r["breakdown"] if s["step"] == "municipal_income_levy_before_credits")
    assert levy["parameters"]["resident_tax.rate.municipal"] == "6.2"


@pytest.mark.parametrize(("change", "field"), [
    ({"salary": 1}, "salary"),
    ({"fiscal_year": None}, "fiscal_year"),
    ({"fiscal_year": 2020}, "fiscal_year"),
    ({"age": -1}, "age"),
    ({"salary_revenue": "5,779,320"}, "salary_revenue"),
    ({"salary_revenue": 1.5}, "salary_revenue"),
    ({"life_insurance_deduction": 70_001}, "life_insurance_deduction"),
    ({"grade": 4}, "grade"),
    ({"designated_city": "yes"}, "designated_city"),
    ({"spouse": {"income": 0}}, "spouse.age"),
    ({"spouse": {"income": 0, "age": 40, "name": "x"}}, "spouse.name"),
    ({"dependants": [{"income": 0, "age": 10, "together": True}]}, "dependants[0].together"),
    ({"dependants": {"income": 0}}, "dependants"),
    ({"parameters": {"resident_tax.no_such": 1}}, "parameters.resident_tax.no_such"),
    ({"parameters": {"resident_tax.rate.municipal": 30}}, "parameters.resident_tax.rate.municipal"),
])
def test_resident_tax_refuses_bad_input_naming_the_field(monkeypatch, change, field):
    data = {**KAMIFURANO, **change}
    if change.get("fiscal_year", 0) is None:
        del data["fiscal_year"]
    refused("resident-tax", data, monkeypatch, field)


HOUSE = {"fiscal_year": 2026, "land": [{"area_m2": 300, "value": 30_000_000, "previous_tax_base": None,
                                         "residential": "small", "dwellings": 1}],
         "buildings": [{"value": 150_000}], "rate": 1.4}


def test_property_tax_output(monkeypatch):
    r = run("property-tax", HOUSE, monkeypatch)
    assert r["land"][0]["tax_base"] == 6_666_666 and r["buildings"][0]["tax_base"] == 150_000
    assert (r["tax_base"], r["tax"]) == (6_666_000, 93_300)
    assert [i["amount"] for i in r["instalments"]] == [24_300, 23_000, 23_000, 23_000]


@pytest.mark.parametrize(("change", "field"), [
    ({"owner": "x"}, "owner"),
    ({"rate": 14}, "rate"),
    ({"land": [{"value": 1}]}, "land[0].area_m2"),
    ({"land": [{"area_m2": 10, "value": 1, "residential": "yes"}]}, "land[0].residential"),
    ({"land": [{"area_m2": 10, "value": 1, "residential": "small"}]}, "land[0].dwellings"),
    ({"buildings": [{"value": -1}]}, "buildings[0].value"),
    ({"buildings": [{"value": 1, "kind": "木造"}]}, "buildings[0].kind"),
])
def test_property_tax_refuses_bad_input_naming_the_field(monkeypatch, change, field):
    refused("property-tax", {**HOUSE, **change}, monkeypatch, field)


def test_the_command_line_exits_2_with_the_message():
    proc = subprocess.run([sys.executable, "-m", "lgcloud.cli", "calc", "resident-tax"], input='{"age": 40}',
                          capture_output=True, text=True, timeout=120)
    if "No module named" in proc.stderr:
        pytest.skip("lgcloud.cli has no __main__")
    assert proc.returncode == 2 and "fiscal_year" in proc.stderr
