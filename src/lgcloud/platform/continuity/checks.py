"""What a restored database must show: registry verify and audit verify pass for every member, and the
standard-layout export of every member has the same file checksums as the live database's export at the
moment the backup (or mark) was taken. Used on the live database when a backup is made (the reference) and
inside the restored copy by `lgcloud backup inspect` (run against the scratch database)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction

from lgcloud.platform.audit.models import AuditChainHead
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

ACTOR = Actor(username="cli:backup", role="cli", channel="cli")

# An area's own consistency check, run in each member's context: returns problems (empty when sound). Areas
# register theirs in an `integrity.py` module (`@integrity_check("registry verify")`), found like subscribers.
IntegrityCheck = Callable[[], list[str]]
_checks: dict[str, IntegrityCheck] = {}


def integrity_check(name: str) -> Callable[[IntegrityCheck], IntegrityCheck]:
    def register(fn: IntegrityCheck) -> IntegrityCheck:
        _checks[name] = fn
        return fn
    return register


def integrity_checks() -> dict[str, IntegrityCheck]:
    for config in apps.get_app_configs():
        module = f"{config.name}.integrity"
        if find_spec(module) is not None:
            import_module(module)
    return dict(sorted(_checks.items()))


def export_checksums(purpose: str) -> dict[str, dict[str, Any]]:
    """{municipality code: {"files": {file: sha256}, "rows": {file: rows}}} of every member's standard-layout
    export (the registry's layout; exported_at and other manifest metadata left out)."""
    from lgcloud.platform.interchange.export import export_municipality

    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lgcloud-backup-export-") as tmp:
        for m in Municipality.objects.order_by("code"):
            with municipality_scope(m, ACTOR):
                result = export_municipality(Path(tmp) / m.code, purpose=purpose)
            if not result.ok:
                out[m.code] = {"error": [f"{p.file} {p.line} {p.item}: {p.reason}" for p in result.problems[:5]]}
                continue
            out[m.code] = {"files": {k: v["sha256"] for k, v in result.files.items()},
                           "rows": {k: v["rows"] for k, v in result.files.items()}}
    return out


def verify_database() -> list[str]:
    """Problems found by each area's integrity check (registry verify …) for every member and by audit verify
    (every chain); empty when sound."""
    problems = []
    checks = integrity_checks()
    for m in Municipality.objects.order_by("code"):
        for name, check in checks.items():
            with municipality_scope(m, ACTOR), transaction.atomic():
                found = check()
            problems += [f"{name} {m.code}: {p}" for p in found]
    for chain in AuditChainHead.objects.order_by("chain").values_list("chain", flat=True):
        result = verify_chain(chain)
        if not result.ok:
            where = f"連番 {result.broken_seq} で" if result.broken_seq is not None else ""
            problems.append(f"audit verify {chain}: {where}壊れています: {result.reason}")
    return problems


def compare(reference: dict[str, dict[str, Any]], restored: dict[str, dict[str, Any]]) -> list[str]:
    """Differences between the reference exports and the restored database's, member by member."""
    problems = []
    for code in sorted(set(reference) | set(restored)):
        ref, got = reference.get(code), restored.get(code)
        if ref is None or got is None:
            problems.append(f"{code}: {'復元側' if got is None else '基準側'}にこの団体がありません")
            continue
        if "error" in got:
            problems.append(f"{code}: 復元したデータベースから出力できません: {got['error']}")
            continue
        for file in sorted(set(ref.get("files", {})) | set(got.get("files", {}))):
            a, b = ref.get("files", {}).get(file), got.get("files", {}).get(file)
            if a != b:
                problems.append(f"{code} {file}: チェックサムが違います（基準 {str(a)[:12]}… {ref['rows'].get(file)}件 / "
                                f"復元 {str(b)[:12]}… {got['rows'].get(file)}件）")
    return problems
