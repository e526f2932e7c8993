"""How a levy hands its 調定 to revenue (収納): one small interface, nothing else.

A levy (個人住民税, 固定資産税, 軽自動車税, 国民健康保険税 …) never imports revenue. After each assessment
or 更正 it calls `submit_bills` with the *complete current* set of instalments of one taxpayer for one
levy and fiscal year; the receiver (revenue's ledger) compares them with what it already holds and books
the differences as 調定 or adjustments, in the caller's transaction. Sending the same set twice changes
nothing, so a re-run of an assessment is harmless.

The receiver is registered once, by the app that keeps the ledger (`register_receiver` in its
AppConfig.ready). Without a receiver (a deployment without revenue, or a unit test) the bills are kept
in memory by `CollectingReceiver` only when a test installs it; otherwise `submit_bills` refuses loudly,
so that no 調定 is silently lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lgcloud.platform.common.errors import LgcloudError, ValidationFailed


@dataclass(frozen=True)
class BillLine:
    """One instalment (期別) of one levy for one taxpayer: the amount due by `due_on`."""

    installment: int  # 期別 1, 2, … (0 = 随時)
    due_on: dt.date  # 納期限
    amount: int  # yen, ≥ 0


@dataclass(frozen=True)
class BillSet:
    """Every instalment of `levy` for `fiscal_year` owed by `person_no` as the levy now assesses it."""

    levy: str  # e.g. "resident_tax.ordinary", "property_tax", "light_vehicle_tax", "nhi_tax"
    fiscal_year: int
    person_no: int  # the taxpayer's 宛名番号 in the current municipality
    lines: tuple[BillLine, ...]
    reason: str  # 当初賦課 / 更正 (…) — shown in the ledger
    effective_on: dt.date  # 調定日 / 更正日
    source_ref: str = ""  # the levy's own record (e.g. "assessment:123:v2"), for tracing
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


Receiver = Callable[[BillSet], None]  # may also have `many(bill_sets)`, used by `submit_many`
_receiver: Receiver | None = None


class NoLedger(LgcloudError):
    """No revenue ledger is installed to receive 調定."""

    def __init__(self) -> None:
        super().__init__("調定を受け取る収納の台帳が登録されていません（revenue アプリを確認してください）。")


def register_receiver(receiver: Receiver | None) -> Receiver | None:
    """Install the ledger's receiver; returns the previous one (tests restore it)."""
    global _receiver
    previous, _receiver = _receiver, receiver
    return previous


def _validate(bills: BillSet) -> None:
    if not bills.levy:
        raise ValidationFailed("調定の税目（levy）がありません。", field="levy")
    seen: set[int] = set()
    for line in bills.lines:
        if line.amount < 0:
            raise ValidationFailed(f"第{line.installment}期の調定額が負です（{line.amount}円）。", field="amount")
        if line.installment in seen:
            raise ValidationFailed(f"第{line.installment}期が重複しています。", field="installment")
        seen.add(line.installment)


def submit_bills(bills: BillSet) -> None:
    """Hand one taxpayer's current instalments of one levy to the ledger (in the caller's transaction)."""
    _validate(bills)
    if _receiver is None:
        raise NoLedger()
    _receiver(bills)


def submit_many(bill_sets: Sequence[BillSet]) -> None:
    """Hand many taxpayers' sets at once (an assessment run): what `submit_bills` does for each, in order, but
    written by the ledger set-based when its receiver can (`many`), with one audit record for the batch. A
    receiver without `many` (a test's, a benchmark's) gets the sets one by one."""
    for bills in bill_sets:
        _validate(bills)
    if _receiver is None:
        raise NoLedger()
    many = getattr(_receiver, "many", None)
    if many is not None:
        many(list(bill_sets))
    else:
        for bills in bill_sets:
            _receiver(bills)


class CollectingReceiver:
    """A receiver for tests of a levy without the ledger: keeps the last set per key."""

    def __init__(self) -> None:
        self.received: list[BillSet] = []

    def __call__(self, bills: BillSet) -> None:
        self.received.append(bills)

    def current(self) -> dict[tuple[str, int, int], BillSet]:
        out: dict[tuple[str, int, int], BillSet] = {}
        for b in self.received:
            out[(b.levy, b.fiscal_year, b.person_no)] = b
        return out
