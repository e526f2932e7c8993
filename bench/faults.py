"""Faults (bench-sized; tests/test_continuity_kill.py is the CI-sized version with fixed kill points): N times,
SIGKILL the application at a random moment during a standard-layout import (`lgcloud import --replace` of a
generated register into 越生町), a 国保 assessment batch (`lgcloud nhi assess` over 伊奈町's insured households) and
a batch of 異動 (転居 of the first K households, one transaction each, skipping households already at the batch's
address). After each kill: `lgcloud registry verify` and `lgcloud audit verify --all` pass, nothing is
half-written (the import: the register whole; the assessment: no run, no assessment, no bill without the others;
the 異動: as many 転居 events as households moved), the batch run again completes, and a second re-run changes
nothing. Kill moments are drawn uniformly over the batch's duration measured by an undisturbed run first (after the
process's start-up, measured too).

    scripts/bench.sh faults                          # 20 repeats, durable PostgreSQL
    scripts/bench.sh faults --repeats 3 --sqlite
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

CODE_A = "113018"  # 伊奈町: register, 国保 households, 異動
CODE_B = "113271"  # 越生町: the import's target


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="faults", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20, help="kills of each batch")
    ap.add_argument("--residents", type=int, default=5000, help="residents of the imported register (and of 伊奈町)")
    ap.add_argument("--moves", type=int, default=200, help="転居 per 異動 batch")
    ap.add_argument("--seed", type=int, default=None, help="random seed of the kill moments")
    ap.add_argument("--only", choices=["import", "nhi", "moves"], action="append", help="only these batches")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.residents < 10 or args.moves < 1:
        ap.error("repeats ≥ 1, residents ≥ 10, moves ≥ 1")
    return args


# A 異動 batch as a management-command run (for tests/test_continuity_kill.py's RUNNER): MOVES_BATCH=marker.
MOVES = """
import os
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.models import Household
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality
m = Municipality.objects.get(code='%s')
with municipality_scope(m, Actor('faults', 'counter_clerk', 'web')):
    for no in range(1, %d + 1):
        target = '%sソーク' + os.environ['MOVES_BATCH'] + '番' + str(no)
        if Household.objects.filter(household_no=no, address=target).exists():
            continue
        try:
            move_within(household_no=no, address={'address': target}, effective_on='2026-10-01',
                        notified_on='2026-10-02')
        except ValidationFailed:
            pass
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    sys.path[:0] = [str(root / "src"), str(root / "bench"), str(root)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")
    import datetime as dt
    import hashlib
    import random
    import signal
    import subprocess
    import time

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from gen_layout import generated, place_of
    from tests.test_continuity_kill import RUNNER  # the CI-sized version's command runner

    from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage, IncomeFact, NhiHousehold
    from lgcloud.areas.registry.models import Household, Person, RegistryEvent
    from lgcloud.areas.revenue.models import Bill
    from lgcloud.platform.interchange.importer import import_municipality
    from lgcloud.platform.tenancy.context import Actor, municipality_scope
    from lgcloud.platform.tenancy.models import Group, Membership
    from lgcloud.platform.tenancy.services import ensure_municipality

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    group, _ = Group.objects.get_or_create(name="障害試験協議会")
    a, b = ensure_municipality(CODE_A), ensure_municipality(CODE_B)
    for m in (a, b):
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
    folder = generated(args.residents, seed=11, place=place_of(CODE_B))
    fy = 2026
    t0 = time.perf_counter()
    with municipality_scope(a, Actor("faults", "system", "system")):
        if Person.objects.count() < args.residents:
            result = import_municipality(generated(args.residents, seed=7, place=place_of(CODE_A)), replace=True)
            assert result.written, result.problems[:3]
        if not Coverage.objects.exists():  # every household insured, with an income (as bench/nhi_bench.py)
            rows = list(Person.objects.filter(status="resident").values_list("person_no", "household__household_no",
                                                                              "relationship"))
            heads: dict[int, int] = {}
            for no, hh, rel in rows:
                if hh is not None and (rel == "世帯主" or hh not in heads):
                    heads[hh] = no
            households = {h.household_no: h for h in NhiHousehold.objects.bulk_create(
                [NhiHousehold(household_no=hh, head_person_no=no) for hh, no in heads.items()], batch_size=5000)}
            Coverage.objects.bulk_create([
                Coverage(household=households[hh], person_no=no, coverage_start=dt.date(fy - 1, 4, 1),
                         start_reason="move_in", recorded_by="faults") for no, hh, _r in rows if hh in households],
                batch_size=5000)
            IncomeFact.objects.bulk_create([
                IncomeFact(person_no=no, income_year=fy - 1, aggregate_income=(no * 7919) % 6_000_000,
                           salary_revenue=(no * 7919) % 8_000_000) for no, hh, _r in rows if hh in households],
                batch_size=5000)
        insured = NhiHousehold.objects.count()
    print(f"setup: {args.residents:,} residents in {CODE_A}, {insured:,} 国保 households "
          f"({time.perf_counter() - t0:.0f} s); database {connection.vendor}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    connection.close()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)]),
           "HANG_MARKER": "/dev/null", "MOVES_BATCH": "0"}
    env.pop("HANG_AT", None)
    moves_code = MOVES % (CODE_A, args.moves, place_of(CODE_A))
    batches = {
        "import": ["import", "--municipality", CODE_B, str(folder), "--replace"],
        "nhi": ["nhi", "assess", "--municipality", CODE_A, "--fiscal-year", str(fy), "--quiet"],
        "moves": ["shell", "-c", moves_code],
    }
    verify = ["registry", "verify", "--municipality", CODE_A, "+", "registry", "verify", "--municipality", CODE_B,
              "+", "audit", "verify", "--all"]

    def run(command: list[str], batch: str = "0") -> float:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", RUNNER, *command], env={**env, "MOVES_BATCH": batch}, cwd=root,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"FAIL: {' '.join(command)[:80]} exited {proc.returncode}: {proc.stderr[-3000:]}")
        return time.perf_counter() - t

    def killed(command: list[str], after: float, batch: str = "0") -> bool:
        """Run, SIGKILL after `after` seconds; True if the kill landed (the process was still running)."""
        proc = subprocess.Popen([sys.executable, "-c", RUNNER, *command], env={**env, "MOVES_BATCH": batch}, cwd=root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(after)
            return False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            return True

    def state() -> dict[str, object]:
        """What the checks compare: B's register (digest), A's 異動 and 国保 results, revenue's bills."""
        out: dict[str, object] = {}
        with municipality_scope(b, Actor("faults", "system", "system")):
            rows = Person.objects.order_by("person_no").values_list(
                "person_no", "family_name", "given_name", "birth_date", "status", "household__household_no")
            out["b_persons"] = Person.objects.count()
            out["b_households"] = Household.objects.count()
            out["b_digest"] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:12]
        with municipality_scope(a, Actor("faults", "system", "system")):
            out["a_events"] = RegistryEvent.objects.count()
            out["a_moved"] = {n: Household.objects.filter(address__contains=f"ソーク{n}番").count()
                              for n in range(args.repeats + 1)}
            out["runs"] = AssessmentRun.objects.count()
            out["assessments"] = Assessment.objects.count()
            out["bills"] = Bill.objects.count()
        connection.close()
        return out

    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"    {'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            failures.append(what)

    # Undisturbed runs first: the durations the kill moments are drawn over, and the baseline state.
    startup = min(run(["shell", "-c", "pass"]) for _ in range(2))  # a process's start-up (django.setup), no work
    durations = {"import": run(batches["import"]), "nhi": run(batches["nhi"]), "moves": run(batches["moves"], "0")}
    print("undisturbed: " + ", ".join(f"{k} {v:.1f} s" for k, v in durations.items()) +
          f", of which {startup:.1f} s the process's start-up; kills drawn after the start-up", flush=True)
    landed = dict.fromkeys(batches, 0)
    for i in range(1, args.repeats + 1):
        for name in args.only or list(batches):
            before = state()
            after_s = startup + rng.uniform(0.0, 0.95) * max(0.1, durations[name] - startup)
            hit = killed(batches[name], after_s, str(i))
            landed[name] += hit
            mid = state()
            print(f"[{i}/{args.repeats}] {name}: SIGKILL after {after_s:.2f} s "
                  f"({'killed' if hit else 'had already finished'})", flush=True)
            t = time.perf_counter()
            run(verify)
            check(True, f"registry verify ({CODE_A}, {CODE_B}) and audit verify --all ({time.perf_counter() - t:.1f} s)")
            if name == "import":
                check(mid["b_persons"] == before["b_persons"] and mid["b_digest"] == before["b_digest"],
                      f"越生町's register whole: {mid['b_persons']:,} persons, digest {mid['b_digest']}")
                run(batches[name])
                first = state()
                run(batches[name])
                second = state()
                check(first["b_persons"] == second["b_persons"] and first["b_digest"] == second["b_digest"]
                      == before["b_digest"], f"re-run completes ({first['b_persons']:,} persons), second changes nothing")
            elif name == "nhi":
                same = all(mid[k] == before[k] for k in ("runs", "assessments", "bills"))
                whole = mid["runs"] == before["runs"] + 1 and mid["bills"] == before["bills"]  # type: ignore[operator]
                check(same or whole, f"no half batch: runs {before['runs']}→{mid['runs']}, assessments "
                                     f"{before['assessments']}→{mid['assessments']}, bills {before['bills']}→{mid['bills']}")
                run(batches[name])
                first = state()
                run(batches[name])
                second = state()
                check(first["assessments"] == second["assessments"] == before["assessments"]
                      and first["bills"] == second["bills"] == before["bills"]
                      and second["runs"] == first["runs"] + 1,  # type: ignore[operator]
                      f"re-run completes (run {first['runs']}), second changes nothing "
                      f"({second['assessments']} assessments, {second['bills']} bills)")
            else:
                moved = mid["a_moved"][i]  # type: ignore[index]
                check(mid["a_events"] - before["a_events"] == moved,  # type: ignore[operator]
                      f"異動: {moved} households moved, {mid['a_events'] - before['a_events']} events")  # type: ignore[operator]
                run(batches[name], str(i))
                first = state()
                run(batches[name], str(i))
                second = state()
                check(first["a_events"] - before["a_events"] == first["a_moved"][i] > 0  # type: ignore[index,operator]
                      and second["a_events"] == first["a_events"],
                      f"re-run completes ({first['a_moved'][i]} households at the batch's address), "  # type: ignore[index]
                      f"second changes nothing ({second['a_events']} events)")
    run(verify)
    print("\nkills that landed while the batch ran: " + ", ".join(f"{k} {v}/{args.repeats}" for k, v in landed.items()
                                                                  if not args.only or k in args.only))
    print(f"VERDICT {'PASS' if not failures else 'FAIL'}: {len(failures)} failed checks; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
