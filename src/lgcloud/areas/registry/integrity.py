"""The register's integrity check for backups and drills (`lgcloud.platform.continuity`): what `registry verify`
reports, in the member in context."""

from __future__ import annotations

from lgcloud.areas.registry import engine, invariants
from lgcloud.platform.continuity.checks import integrity_check


@integrity_check("registry verify")
def verify_register() -> list[str]:
    diffs = engine.verify_projection()
    violations = invariants.verify_history()
    return [f"差異 {len(diffs)} 件、履歴上の不整合 {len(violations)} 件"] if diffs or violations else []
