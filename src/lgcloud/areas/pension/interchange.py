"""国民年金のデータ移行: 標準レイアウトとアダプタはまだない（中間標準レイアウトの国民年金のファイルは今後）。

Until this area registers an adapter (`lgcloud.platform.interchange.adapters.register_adapter`), its
personal-data models are listed here as not carried, so the completeness test names the gap instead of
failing; replace this with the area's layout (`layouts/*.yaml`) and adapter.
"""

from __future__ import annotations

from lgcloud.platform.interchange.adapters import not_carried

GAP = "国民年金の標準レイアウトとアダプタが未作成のため、まだ移行ファイルに含まれない（今後追加する）"

not_carried({
    "pension.Qualification": GAP,
    "pension.ExemptionApplication": GAP,
})
