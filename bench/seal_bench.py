"""Audit sealer: N unsealed records of one member (bulk-created), sealed by `sealing.seal`, once with Django's
bulk_update (the former way) and once with the sealer's own write (`UPDATE … FROM unnest` on PostgreSQL), twice
each; wall and CPU seconds of the sealing process. Runs on the database in DATABASE_URL (a kept cluster of
bench/README.md, with the demo member 113018 伊奈町 loaded).

    .venv/bin/python bench/seal_bench.py 20000
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from lgcloud.platform.audit import sealing  # noqa: E402
from lgcloud.platform.audit.models import AuditRecord  # noqa: E402
from lgcloud.platform.tenancy.models import Municipality  # noqa: E402


def bulk_update(recs: list[AuditRecord]) -> None:
    AuditRecord.objects.bulk_update(recs, ["seq", "prev_hash", "hash"], batch_size=500)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    m = Municipality.objects.get(code="113018")
    sealing.seal()  # whatever is pending first
    own = sealing._write_seals
    for label, write in (("bulk_update (before)", bulk_update), ("UPDATE … FROM unnest (after)", own)) * 2:
        now = timezone.now()
        AuditRecord.objects.bulk_create([
            AuditRecord(chain=m.code, municipality=m, occurred_at=now, actor="bench", role="system", channel="system",
                        action="bench.seal", object_type="X", object_id=str(i)) for i in range(n)], batch_size=2000)
        sealing._write_seals = write
        t, c = time.perf_counter(), time.process_time()
        [r] = sealing.seal([m.code])
        print(f"{label}: sealed {r.sealed} records in {time.perf_counter() - t:.2f} s wall, "
              f"{time.process_time() - c:.2f} s CPU of the sealer; load average {os.getloadavg()[0]:.2f}", flush=True)
    sealing._write_seals = own


if __name__ == "__main__":
    main()
