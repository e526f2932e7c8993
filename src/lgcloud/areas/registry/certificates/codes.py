"""The certificates' codes: kinds and their titles, the items a clerk may choose, the fee parameter, and the
document kind each is issued under (lgcloud.platform.documents)."""

from __future__ import annotations

from lgcloud.areas.registry.models import CertificateKind

FEE_PARAMETER = "registry.certificate.fee"
PERSONS_PER_PAGE = 4

# 記載事項の選択. The standard leaves 住民票コード and 個人番号 off unless asked for.
OPTION_DEFAULTS: dict[str, bool] = {
    "household_head": True,  # 世帯主・続柄
    "registered_domicile": True,  # 本籍・筆頭者
    "resident_code": False,
    "individual_number": False,
    "nationality": True,
    "residence_status": True,
    "period_of_stay": True,
    "stay_expires_on": True,
    "residence_card_number": True,
    "alias": True,
    "history": False,  # 異動の履歴 (and 異動前住所)
}
OPTION_LABELS: dict[str, str] = {
    "household_head": "世帯主・続柄",
    "registered_domicile": "本籍・筆頭者",
    "resident_code": "住民票コード",
    "individual_number": "個人番号",
    "nationality": "国籍・地域",
    "residence_status": "在留資格",
    "period_of_stay": "在留期間",
    "stay_expires_on": "在留期間の満了日",
    "residence_card_number": "在留カード等番号",
    "alias": "通称",
    "history": "異動の履歴",
}

TITLES = {
    CertificateKind.RESIDENCE: "住民票の写し",
    CertificateKind.REMOVED_RECORD: "除票の写し",
    CertificateKind.ENTRY: "住民票記載事項証明書",
    CertificateKind.REMOVED_ENTRY: "除票記載事項証明書",
}
REMOVED_KINDS = (CertificateKind.REMOVED_RECORD, CertificateKind.REMOVED_ENTRY)


def document_kind(kind: str) -> str:
    """The kind in the documents register: registry.residence_certificate, …"""
    return f"registry.{kind}"
