"""全国状況: public open data on 自治体クラウド groups nationwide (no login, no personal data)."""
