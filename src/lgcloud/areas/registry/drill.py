"""`lgcloud dr drill`: clerks' load through gunicorn, SIGKILL of the primary, promotion of the standby, and what
was lost (RPO, in acknowledged 異動), how long writes failed (RTO), how many requests failed, and whether the
promoted database verifies (registry verify, audit verify --all).

The cluster is the one `scripts/standby.sh start DIR` makes (DIR/primary, DIR/standby); for two real sites,
--kill-command and --promote-command replace the local SIGKILL and `pg_ctl promote`. The application finds the
promoted standby by itself: DATABASE_URL lists both hosts (target_session_attrs=read-write, see settings.py).
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from lgcloud.platform.continuity.pgtools import as_postgres, pgbin

KANA = "サトウ スズキ タカハシ タナカ イトウ ワタナベ".split()
MUNICIPALITY = "113018"


@dataclass
class Call:
    kind: str  # read | write
    started: float
    ended: float
    status: int  # HTTP status, 0 when the connection failed
    event_id: int | None = None


@dataclass
class DrillReport:
    calls: list[Call] = field(default_factory=list)
    killed_at: float = 0.0
    promoted_at: float = 0.0
    ready_at: float | None = None
    missing: list[int] = field(default_factory=list)
    verify: dict[str, str] = field(default_factory=dict)
    verify_ok: bool = True

    def acknowledged(self) -> list[Call]:
        return [c for c in self.calls if c.kind == "write" and 200 <= c.status < 300 and c.event_id]

    def first_write_after_kill(self) -> Call | None:
        after = [c for c in self.acknowledged() if c.started >= self.killed_at]
        return min(after, key=lambda c: c.ended) if after else None

    @property
    def rto(self) -> float | None:
        first = self.first_write_after_kill()
        return None if first is None else first.ended - self.killed_at

    @property
    def failed(self) -> list[Call]:
        return [c for c in self.calls if c.status == 0 or c.status >= 500]

    @property
    def ok(self) -> bool:
        return not self.missing and self.verify_ok and self.rto is not None

    def render(self) -> str:
        acked = self.acknowledged()
        before = [c for c in acked if c.ended < self.killed_at]
        last = max(before, key=lambda c: c.ended) if before else None
        rto = self.rto
        lines = [
            f"要求 {len(self.calls)} 件（読み取り {sum(c.kind == 'read' for c in self.calls)}、"
            f"異動 {sum(c.kind == 'write' for c in self.calls)}）、うち失敗 {len(self.failed)} 件"
            f"（停止中の 503・接続断）"
            + (f"、実効 {len(self.calls) / max(0.001, max(c.ended for c in self.calls) - min(c.started for c in self.calls)):.1f}"
               " 要求/秒" if self.calls else ""),
            "応答: " + "、".join(f"{'接続断' if k == 0 else k}×{v}" for k, v in sorted(Counter(
                c.status for c in self.calls).items())),
            "主系停止前に応答済みの最後の異動: "
            + (f"異動ID {last.event_id}（停止の {self.killed_at - last.ended:.2f} 秒前）→ "
               f"{'昇格後も存在' if last.event_id not in self.missing else '失われました'}" if last else "なし"),
            f"RPO: 応答済みの異動 {len(acked)} 件のうち失われたもの {len(self.missing)} 件"
            + (f"（異動ID {', '.join(map(str, self.missing[:20]))}）" if self.missing else ""),
            "RTO: 停止から最初の書き込み成功まで "
            + (f"{rto:.1f} 秒" if rto is not None else "（書き込みは再開しませんでした）")
            + f"（昇格 {self.promoted_at - self.killed_at:.1f} 秒、/health/ready 200 まで "
            + (f"{self.ready_at - self.killed_at:.1f} 秒）" if self.ready_at else "—）"),
        ]
        for name, out in self.verify.items():
            lines.append(f"{name}: {out}")
        target = rto is not None and rto <= 30 and not self.missing
        lines.append(f"目標 RPO 0・RTO ≤ 30 秒: {'達成' if target else '未達'}")
        return "\n".join(lines)


def kill_primary(cluster: Path) -> None:
    """SIGKILL of the postmaster and of every one of its backends at once: the site is gone, nothing flushes."""
    pid = int((cluster / "primary" / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.split("/")[2]))
    for p in [pid, *children]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def promote_standby(cluster: Path) -> None:
    subprocess.run(as_postgres([str(pgbin() / "pg_ctl"), "-D", str(cluster / "standby"), "-w", "-t", "60",  # noqa: S603
                                 "promote"]), check=True, capture_output=True)


def prepare(households: int) -> tuple[str, list[int], list[int]]:
    """A clerk with an API token and at least `households` households in the drill municipality."""
    from lgcloud.areas.registry.actions.move_in import move_in
    from lgcloud.areas.registry.models import Household, Person
    from lgcloud.platform.accounts.models import ApiToken, Staff
    from lgcloud.platform.tenancy.context import Actor, municipality_scope
    from lgcloud.platform.tenancy.models import Group, Membership
    from lgcloud.platform.tenancy.services import ensure_municipality

    m = ensure_municipality(MUNICIPALITY, 44000)
    if not Membership.objects.filter(municipality=m).exists():
        group, _ = Group.objects.get_or_create(name="DR訓練協議会")
        Membership.objects.create(group=group, municipality=m, joined_on=dt.date(2014, 4, 1))
    clerk, _ = Staff.objects.get_or_create(username="dr-drill-clerk", defaults={"role": "counter_clerk",
                                                                               "municipality": m})
    _token, raw = ApiToken.issue(clerk, "DR訓練")
    with municipality_scope(m, Actor(username="cli:dr-drill", role="cli", channel="cli")):
        for n in range(Household.objects.count(), households):
            with transaction.atomic():
                move_in(persons=[{"family_name": "訓練", "given_name": f"太郎{n}", "family_name_kana": random.choice(KANA),
                                  "given_name_kana": "タロウ", "birth_date": "1980-04-02", "sex": "male",
                                  "relationship": "世帯主"}],
                        address={"address": f"埼玉県北足立郡伊奈町小室{n + 1}"}, effective_on="2020-04-01",
                        notified_on="2020-04-05", previous_address="東京都千代田区")
        hnos = list(Household.objects.filter(status="active").values_list("household_no", flat=True)[:households])
        pnos = list(Person.objects.values_list("person_no", flat=True)[:households * 2])
    return raw, hnos, pnos


class Load:
    """Clerks at a modest rate: 80% reads (search, person), 20% 転居, each call timed and its 異動ID kept."""

    def __init__(self, base: str, token: str, households: list[int], persons: list[int], rate: float,
                 clients: int = 4) -> None:
        self.base, self.token, self.households, self.persons = base, token, households, persons
        self.interval = clients / rate
        self.clients = clients
        self.calls: list[Call] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]
        self.lock = threading.Lock()

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={  # noqa: S310
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as r:  # noqa: S310 (our own server)
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {}
        except (OSError, ValueError):
            return 0, {}

    def _client(self, n: int) -> None:
        rnd = random.Random(n)
        seq = 0
        while not self.stop.is_set():
            t = time.monotonic()
            roll = rnd.random()
            event_id = None
            if roll < 0.2:
                seq += 1
                body = {"household_no": rnd.choice(self.households), "acknowledge_alerts": True,
                        "address": {"address": f"埼玉県北足立郡伊奈町小室{n}-{seq}-{rnd.randint(1, 10**9)}"},
                        "effective_on": dt.date.today().isoformat(), "notified_on": dt.date.today().isoformat()}
                status, out = self._request("POST", "/api/v1/registry/events/move_within", body)
                kind = "write"
                event_id = out.get("event_id")
            elif roll < 0.6:
                status, _ = self._request("POST", "/api/v1/registry/search", {"kana": rnd.choice(KANA)})
                kind = "read"
            else:
                status, _ = self._request("GET", f"/api/v1/registry/persons/{rnd.choice(self.persons)}", None)
                kind = "read"
            with self.lock:
                self.calls.append(Call(kind, t, time.monotonic(), status, event_id))
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - t)))

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> list[Call]:
        self.stop.set()
        for t in self.threads:
            t.join(30)
        return self.calls


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health/ready", timeout=3) as r:  # noqa: S310
            return r.status == 200
    except (OSError, ValueError):
        return False


def _verify(report: DrillReport) -> None:
    """registry verify and audit verify --all on the promoted database, and every acknowledged 異動 present."""
    from lgcloud.areas.registry.models import RegistryEvent
    from lgcloud.platform.tenancy.context import municipality_scope
    from lgcloud.platform.tenancy.models import Municipality

    connection.close()  # the drill's own connection went down with the primary
    m = Municipality.objects.get(code=MUNICIPALITY)
    acked = {c.event_id for c in report.acknowledged() if c.event_id}
    with municipality_scope(m):
        present = set(RegistryEvent.objects.filter(pk__in=acked).values_list("pk", flat=True))
    report.missing = sorted(acked - present)
    for name, args in (("registry verify", ["registry", "verify", "--municipality", MUNICIPALITY]),
                       ("audit verify --all", ["audit", "verify", "--all"])):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, stdout=out, stderr=err)
            report.verify[name] = (out.getvalue().strip().splitlines() or ["OK"])[-1]
        except CommandError as e:
            report.verify_ok = False
            report.verify[name] = f"失敗: {e} {err.getvalue().strip()[:500]}"


def run_drill(*, cluster: Path | None, kill_command: str | None, promote_command: str | None, rate: float,
              before: float, after: float, port: int, households: int, log: Any = print) -> DrillReport:
    token, hnos, pnos = prepare(households)
    connection.close()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LGCLOUD_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "lgcloud.wsgi:application", "--bind", f"127.0.0.1:{port}",  # noqa: S603
                               "--workers", "2", "--threads", "4", "--timeout", "60", "--log-level", "warning"],
                              env=env)
    report = DrillReport()
    try:
        deadline = time.monotonic() + 60
        while not _ready(base):
            if server.poll() is not None or time.monotonic() > deadline:
                raise CommandError("アプリケーションサーバが起動しませんでした。")
            time.sleep(0.2)
        load = Load(base, token, hnos, pnos, rate)
        load.start()
        log(f"負荷開始: {rate:g} 要求/秒（読み取り 80%・転居 20%）、{before:g} 秒後に主系を停止します")
        time.sleep(before)
        report.killed_at = time.monotonic()
        if kill_command:
            subprocess.run(shlex.split(kill_command), check=True)  # noqa: S603 (the operator's command)
        else:
            assert cluster is not None
            kill_primary(cluster)
        log("主系を SIGKILL で停止しました。待機系を昇格します")
        if promote_command:
            subprocess.run(shlex.split(promote_command), check=True)  # noqa: S603 (the operator's command)
        else:
            assert cluster is not None
            promote_standby(cluster)
        report.promoted_at = time.monotonic()
        deadline = time.monotonic() + 120
        while not _ready(base) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _ready(base):
            report.ready_at = time.monotonic()
            log(f"/health/ready が 200 を返しました（停止から {report.ready_at - report.killed_at:.1f} 秒）")
        time.sleep(after)
        report.calls = load.finish()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    _verify(report)
    return report
