"""The register's integrity check for backups and drills (`lgcloud.platform.continuity`): what `registry verify`
reports, in the member in context."""

from __future__ import annotations

from lgcloud.areas.registry import engine_asof, invariants, references
from lgcloud.platform.continuity.checks import integrity_check


@integrity_check("registry verify")
def verify_register() -> list[str]:
    diffs = engine_asof.verify_projection()
    violations = invariants.verify_history()
    dangling = references.verify_references()
    if not diffs and not violations and not dangling:
        return []
    return [f"差異 {len(diffs)} 件、履歴上の不整合 {len(violations)} 件、参照先のない行 {len(dangling)} 件"]
