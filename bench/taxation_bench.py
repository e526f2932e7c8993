"""個人住民税 benchmark: the annual assessment (`lgcloud tax assess`, `assessment.assess_all`) of N taxpayers on
PostgreSQL, beside a COPY of the same number of assessment rows measured in the same run (target: ≤ 3×), with the
peak memory of the process.

    scripts/bench.sh taxation --taxpayers 1000000

The register (N residents) is loaded through the standard-layout import, as the registry benchmark does; the
income records are synthesised by bulk insert — a realistic mix: salary for most people of working age (some with
特別徴収 by one of 200 employers, some with a spouse or dependants), public pension for those of 65 and over, other
income (申告) for one in ten — setup, not measured. The measured assessment reads the register as of 1 January
(registry.public), the income records and the current versions, computes every taxpayer and writes the assessment
rows in bulk. The 調定 go to a receiver that only counts them, so the figure is the assessment's own (revenue's
ledger has its own benchmark). A second run over the same inputs writes nothing (timed too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from gen_layout import generate  # noqa: E402

from lgcloud.areas.registry.models import Person  # noqa: E402
from lgcloud.areas.taxation import assessment  # noqa: E402
from lgcloud.areas.taxation.models import Assessment, IncomeKind, IncomeRecord, MatchedBy  # noqa: E402
from lgcloud.platform import levies  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import Actor, municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

FY = 2026
COLUMNS = ("municipality_id, fiscal_year, person_no, version, reason, assessed_on, is_current, full_name, input_hash, "
           "parameter_version, facts, result, total, collection_method, installments")


def _age(birth: dt.date | None) -> int:
    if birth is None:
        return 40
    end = dt.date(FY - 1, 12, 31)
    return end.year - birth.year - ((end.month, end.day) < (birth.month, birth.day))


def incomes(rows: list[tuple[int, str, str, dt.date | None]]) -> list[IncomeRecord]:
    """A realistic mix of income records for the residents (deterministic)."""
    rng = random.Random(20260101)
    out = []
    for person_no, family, given, birth in rows:
        age = _age(birth)
        base = {"fiscal_year": FY, "person_no": person_no, "matched_by": MatchedBy.INDIVIDUAL_NUMBER,
                "full_name": f"{family}　{given}", "birth_date": birth, "source_file": "bench"}
        if 18 <= age < 65 and rng.random() < 0.72:
            salary = int(rng.lognormvariate(15.1, 0.5)) // 1000 * 1000
            employer = rng.randrange(200)
            family_facts = {}
            if rng.random() < 0.3:
                family_facts["spouse"] = {"income": rng.choice([0, 0, 480_000, 900_000, 1_200_000]), "age": age}
            if rng.random() < 0.25:
                family_facts["dependants"] = [{"income": 0, "age": rng.randrange(0, 22), "living_together": True}
                                              for _ in range(rng.randrange(1, 4))]
            out.append(IncomeRecord(kind=IncomeKind.SALARY_REPORT, payer_no=f"E{employer:05d}",
                                    payer_name=f"ベンチ工業{employer}", salary_revenue=salary,
                                    social_insurance_paid=salary * 15 // 100,
                                    life_insurance_deduction=rng.choice([0, 28_000, 56_000, 70_000]),
                                    payroll_withholding=rng.random() < 0.65, **family_facts, **base))
        elif age >= 65:
            pension = int(rng.lognormvariate(14.3, 0.45)) // 1000 * 1000
            out.append(IncomeRecord(kind=IncomeKind.PENSION_REPORT, payer_no="P0001", payer_name="日本年金機構",
                                    pension_revenue=pension, social_insurance_paid=pension * 8 // 100, **base))
        if age >= 20 and rng.random() < 0.1:
            out.append(IncomeRecord(kind=IncomeKind.TAX_RETURN, other_income=rng.randrange(20, 800) * 10_000, **base))
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--taxpayers", type=int, default=1_000_000)
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-taxbench-"))
    counted = 0

    def count(_bills: levies.BillSet) -> None:
        nonlocal counted
        counted += 1

    previous = levies.register_receiver(count)
    try:
        group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
        m = ensure_municipality("113018", args.taxpayers)
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
        with municipality_scope(m, Actor("bench", "system", "system")):
            t = time.perf_counter()
            if Person.objects.count() < args.taxpayers:
                generate(work / "in", args.taxpayers)
                result = import_municipality(work / "in", replace=True)
                assert result.written, result.problems[:3]
            print(f"register: {Person.objects.count():,} residents ({time.perf_counter() - t:.0f} s setup)", flush=True)
            if not IncomeRecord.objects.filter(fiscal_year=FY).exists():
                t = time.perf_counter()
                rows = list(Person.objects.filter(status="resident").values_list(
                    "person_no", "family_name", "given_name", "birth_date"))
                records = incomes(rows)
                IncomeRecord.objects.bulk_create(records, batch_size=5000)
                print(f"income records: {len(records):,} ({time.perf_counter() - t:.0f} s setup)", flush=True)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            Assessment.objects.filter(fiscal_year=FY).delete()  # a fresh 当初賦課 every run
            setup_mb = peak_mb()
            t = time.perf_counter()
            run = assessment.assess_all(FY)
            assess_s = time.perf_counter() - t
            t = time.perf_counter()
            again = assessment.assess_all(FY)
            rerun_s = time.perf_counter() - t
            assert again.written == 0, again
            n = Assessment.objects.filter(fiscal_year=FY).count()
            buffer = io.BytesIO()
            with connection.cursor() as cur:
                with cur.cursor.copy(f"COPY (SELECT {COLUMNS} FROM taxation_assessment WHERE fiscal_year = %s) "
                                     "TO STDOUT", (FY,)) as copy:
                    for chunk in copy:
                        buffer.write(chunk)
                cur.execute(f"CREATE TEMP TABLE bench_tax AS SELECT {COLUMNS} FROM taxation_assessment WITH NO DATA")
                data = buffer.getvalue()
                t = time.perf_counter()
                with cur.cursor.copy(f"COPY bench_tax ({COLUMNS}) FROM STDIN") as copy:
                    copy.write(data)
                copy_s = time.perf_counter() - t
        by_method: dict[str, int] = {}
        with municipality_scope(m, Actor("bench", "system", "system")):
            for method in Assessment.objects.filter(fiscal_year=FY).values_list("collection_method", flat=True):
                by_method[method] = by_method.get(method, 0) + 1
        print(f"assessment: {run.taxpayers:,} taxpayers, {n:,} rows ({len(data) / 1e6:,.0f} MB as COPY text), "
              f"{counted:,} bill sets, total {run.total:,} yen in {assess_s:.1f} s; methods {by_method}")
        print(f"re-run over the same inputs: {again.written} written in {rerun_s:.1f} s")
        print(f"COPY of the same {n:,} rows: {copy_s:.1f} s → ratio {assess_s / max(copy_s, 1e-9):.1f}× (target ≤ 3×)")
        print(f"peak memory: {peak_mb():,.0f} MB (after setup {setup_mb:,.0f} MB)")
    finally:
        levies.register_receiver(previous)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
