"""Which personal-data models the standard layout carries, and why the others are left out.

tests/test_interchange_completeness.py fails when a model holding personal data (a ScopedModel) is
in neither list, or when a field of a covered model is neither in the layout nor derived.
"""

from __future__ import annotations

COVERED: dict[str, list[str]] = {
    "registry.Person": ["persons", "removed", "memberships"],
    "registry.Household": ["households"],
    "registry.RegistryEvent": ["events"],
    "registry.Restriction": ["restrictions"],
    "registry.SupportMeasure": ["support_measures"],
}

EXCLUDED: dict[str, str] = {
    "registry.EventSubject": "異動履歴の変更内容から取込み時に再作成する",
    "registry.PersonSnapshot": "履歴（履歴番号）は異動履歴から取込み時に再作成する",
    "registry.SearchKey": "検索用の索引。住民・除票と異動履歴から再作成する",
    "registry.Counter": "宛名番号・世帯番号の採番。取込み時に最大値から再設定する",
    "registry.SearchHistory": "職員の検索履歴（操作の記録）。移行対象外とし、移行元で保存する",
    "registry.PreparedRequest": "窓口委託の未承認の受付。移行前に承認または却下する",
    "registry.TransferMessage": "団体間の未処理の通知。移行前に処理する",
    "registry.OffenderReview": "加害者の疑いのある請求の審査（2人目の職員の判断待ち）。移行前に判断を終える",
    "registry.MoveLink": "このクラウドの構成団体間の異動による同一人の対応（支援措置の連携用）。移行先の連携先とは別のため移行しない",
    "registry.Certificate": "交付した証明書の控え。交付した団体で保存する（公開照合は照合索引で続く）",
}

# Fields of covered models that are not items because they are derived or internal.
DERIVED_FIELDS: dict[str, set[str]] = {
    "registry.Person": {"id", "municipality", "version", "history_no", "search_name", "search_kana",
                        "search_names", "search_kanas", "search_addresses",
                        "individual_number_enc", "individual_number_hash", "individual_number_last4",
                        "household"},  # household: the memberships file
    "registry.Household": {"id", "municipality", "version", "head"},  # head: 世帯主宛名番号
    "registry.RegistryEvent": {"id", "municipality", "approved_request"},
    "registry.Restriction": {"id", "municipality", "person", "household", "lifted_until", "lifted_by"},
    # origin_*: the member that sent the measure and its number there — a link inside this cloud, not carried
    "registry.SupportMeasure": {"id", "municipality", "applicant", "offender_person", "origin_code",
                                "origin_measure_id"},
}

# Items of the layout named differently from the model field they carry.
RENAMED: dict[str, set[str]] = {"registry.Person": {"relationship", "household_order"},
                                "registry.RegistryEvent": {"corrects", "cancels"}}
