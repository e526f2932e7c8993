"""軽自動車税（種別割） (地方税法第463条の15, 附則第30条): the annual tax of one vehicle.

Levied on whoever owns the vehicle on 4月1日 (賦課期日) for the whole fiscal year. The rate depends on the
vehicle type (車種); for 三輪 and 四輪以上 also on the 初度検査年月 (first registration): before April 2015
the old rate, and once 13 years have passed (初度検査年月 up to March of FY−13) the 重課 rate. Electric and
other low-emission vehicles are exempt from the 重課 (flag `heavy_exempt`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lgcloud.platform.common.errors import ValidationFailed

VEHICLE_TYPES: dict[str, str] = {
    "moped_50": "原動機付自転車（50cc以下）",
    "moped_90": "原動機付自転車（50cc超90cc以下）",
    "moped_125": "原動機付自転車（90cc超125cc以下）",
    "minicar": "ミニカー",
    "motorcycle_250": "軽二輪（125cc超250cc以下）",
    "small_special_farm": "小型特殊自動車（農耕作業用）",
    "small_special_other": "小型特殊自動車（その他）",
    "motorcycle_small": "二輪の小型自動車（250cc超）",
    "three_wheel": "軽自動車 三輪",
    "passenger_private": "軽自動車 四輪 乗用・自家用",
    "passenger_commercial": "軽自動車 四輪 乗用・営業用",
    "cargo_private": "軽自動車 四輪 貨物・自家用",
    "cargo_commercial": "軽自動車 四輪 貨物・営業用",
}
AGED_TYPES = {"three_wheel", "passenger_private", "passenger_commercial", "cargo_private", "cargo_commercial"}


@dataclass(frozen=True)
class LightVehicleParams:
    rates: dict[str, int]  # 標準税率 by type
    old_rates: dict[str, int]  # 旧税率 (初度検査 before `old_rate_before`) for AGED_TYPES
    heavy_rates: dict[str, int]  # 重課 for AGED_TYPES
    heavy_after_years: int = 13
    old_rate_before: int = 201504  # YYYYMM


@dataclass(frozen=True)
class LightVehicleTax:
    vehicle_type: str
    first_registered: int  # YYYYMM
    fiscal_year: int
    rate_kind: str  # 標準 / 旧税率 / 重課
    amount: int

    def as_dict(self) -> dict[str, object]:
        return {"vehicle_type": self.vehicle_type, "label": VEHICLE_TYPES[self.vehicle_type],
                "first_registered": self.first_registered, "fiscal_year": self.fiscal_year,
                "rate_kind": self.rate_kind, "amount": self.amount}


def light_vehicle_tax(
    vehicle_type: str, first_registered: int, fiscal_year: int, params: LightVehicleParams, *,
    heavy_exempt: bool = False,
) -> LightVehicleTax:
    if vehicle_type not in VEHICLE_TYPES:
        raise ValidationFailed(f"車種「{vehicle_type}」は定められていません。", field="vehicle_type")
    year, month = divmod(first_registered, 100)
    if not (1950 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationFailed(f"初度検査年月「{first_registered}」は YYYYMM で指定してください。", field="first_registered")
    kind, amount = "標準", params.rates[vehicle_type]
    if vehicle_type in AGED_TYPES:
        heavy_until = (fiscal_year - params.heavy_after_years) * 100 + 3
        if first_registered <= heavy_until and not heavy_exempt:
            kind, amount = "重課", params.heavy_rates[vehicle_type]
        elif first_registered < params.old_rate_before:
            kind, amount = "旧税率", params.old_rates[vehicle_type]
    return LightVehicleTax(vehicle_type, first_registered, fiscal_year, kind, amount)
