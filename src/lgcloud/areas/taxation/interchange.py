"""税務のデータ移行: 標準レイアウトとアダプタはまだない（中間標準レイアウトの税務のファイルは今後）。

Until this area registers an adapter (`lgcloud.platform.interchange.adapters.register_adapter`), its
personal-data models are listed here as not carried, so the completeness test names the gap instead of
failing; replace this with the area's layout (`layouts/*.yaml`) and adapter.
"""

from __future__ import annotations

from lgcloud.platform.interchange.adapters import not_carried

GAP = "税務の標準レイアウトとアダプタが未作成のため、まだ移行ファイルに含まれない（今後追加する）"

not_carried({
    "taxation.ResidenceOnlyTaxpayer": GAP,
    "taxation.IncomeRecord": GAP,
    "taxation.Assessment": GAP,
    "taxation.LandParcel": GAP,
    "taxation.Building": GAP,
    "taxation.PropertyOwner": GAP,
    "taxation.Ownership": GAP,
    "taxation.CoOwnerGroup": GAP,
    "taxation.LedgerChange": GAP,
    "taxation.PropertyAssessment": GAP,
})
