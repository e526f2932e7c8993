"""Writes src/lgcloud/areas/taxation/params_catalogue/*.json (the 税務 parameters, RULES.md §1 and §4).

The JSON files are the standard under version control; this script is how they were written and how a
new fiscal year's values are added (edit the tables below, run `python3 scripts/gen_taxation_catalogue.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/lgcloud/areas/taxation/params_catalogue"
RT = "個人住民税"
PT = "固定資産税"
LAW_RT = "地方税法第292条・第310条・第314条の2・第314条の3・第314条の6（個人住民税）、所得税法第28条・第35条"
LAW_PT = "地方税法第349条の3の2・第350条・第351条、附則第18条（固定資産税）"


def p(name, label, type_, standard, *, unit=None, min_=None, max_=None, note="", law="", area=RT,
      overridable=True, choices=None):
    unit = unit if unit is not None else {"yen": "円", "rate": "%", "integer": "", "boolean": "", "choice": ""}[type_]
    entry = {"name": name, "label": label, "area": area, "unit": unit, "type": type_,
             "min": None if min_ is None else str(min_), "max": None if max_ is None else str(max_),
             "standard": {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in standard.items()},
             "note": note, "legal_basis": law or (LAW_RT if area == RT else LAW_PT), "overridable": overridable}
    if choices:
        entry["choices"] = choices
    return entry


def yen(name, label, standard, note="", *, min_=0, max_=100_000_000, **kw):
    return p(name, label, "yen", standard, min_=min_, max_=max_, note=note, **kw)


def rate(name, label, standard, note="", *, max_=100, **kw):
    return p(name, label, "rate", standard, min_=0, max_=max_, note=note, **kw)


NATIONAL = dict(overridable=False)  # amounts set by the law, the same in every municipality
R = "resident_tax."
rt = [
    # 均等割 and 森林環境税
    yen(R + "per_capita.municipal", "均等割 市町村民税", {2021: 3500, 2024: 3000},
        "FY2014〜FY2023 は復興特別分 500 円を含む 3,500 円。FY2024 から 3,000 円。", max_=10000),
    yen(R + "per_capita.prefectural", "均等割 道府県民税（標準）", {2021: 1500, 2024: 1000},
        "FY2014〜FY2023 は 1,500 円。FY2024 から 1,000 円。", max_=10000),
    yen(R + "per_capita.prefectural_surcharge", "均等割 道府県民税の超過課税（県独自の加算）", {2021: 0},
        "森林・環境などの県独自の超過課税（例: 愛知県 500 円で計 1,500 円、福島県 1,000 円、静岡県 400 円）。",
        max_=10000),
    yen(R + "forest_environment_tax", "森林環境税（国税、均等割と併せて徴収）", {2021: 0, 2024: 1000},
        "FY2024 から 1,000 円。均等割が非課税の人・家屋敷課税のみの人には課さない。", max_=10000, **NATIONAL),
    # 給与所得 (FY2021 on = 2020 income on; FY2026 = 2025 income change)
    yen(R + "employment.zero_upper", "給与所得 0 円となる給与収入の上限", {2021: 550999, 2026: 650999}, **NATIONAL),
    yen(R + "employment.minimum_deduction", "給与所得控除の最低額", {2021: 550000, 2026: 650000}, **NATIONAL),
    yen(R + "employment.flat_upper", "最低額を控除する給与収入の上限", {2021: 1618999, 2026: 1899999}, **NATIONAL),
    p(R + "employment.step_count", "給与所得の階段表の段数（所得税法別表第五の特例部分）", "integer", {2021: 4, 2026: 0},
      min_=0, max_=4, note="FY2025 までの 1,619,000〜1,627,999 円の階段表。FY2026 は無し。", **NATIONAL),
]
steps = [(1619999, 1069000), (1621999, 1070000), (1623999, 1072000), (1627999, 1074000)]
for i, (upper, income) in enumerate(steps, 1):
    rt.append(yen(R + f"employment.step{i}_upper", f"給与所得 階段表 第{i}段 給与収入の上限", {2021: upper}, **NATIONAL))
    rt.append(yen(R + f"employment.step{i}_income", f"給与所得 階段表 第{i}段 給与所得", {2021: income}, **NATIONAL))
rt += [
    yen(R + "employment.band60_upper", "給与所得 B×60%＋10万円 の区分の給与収入上限", {2021: 1799999, 2026: 1899999},
        "B = 給与収入 ÷ 4 の千円未満切捨て × 4。FY2026 は区分が無い（上限 = 最低額区分の上限）。", **NATIONAL),
    rate(R + "employment.band60_rate", "給与所得 第1区分 B の率", {2021: 60}, **NATIONAL),
    yen(R + "employment.band60_offset", "給与所得 第1区分 加算額（負は減算）", {2021: 100000}, min_=-10_000_000, **NATIONAL),
    yen(R + "employment.band70_upper", "給与所得 B×70%−8万円 の区分の給与収入上限", {2021: 3599999}, **NATIONAL),
    rate(R + "employment.band70_rate", "給与所得 第2区分 B の率", {2021: 70}, **NATIONAL),
    yen(R + "employment.band70_offset", "給与所得 第2区分 加算額（負は減算）", {2021: -80000}, min_=-10_000_000, **NATIONAL),
    yen(R + "employment.band80_upper", "給与所得 B×80%−44万円 の区分の給与収入上限", {2021: 6599999}, **NATIONAL),
    rate(R + "employment.band80_rate", "給与所得 第3区分 B の率", {2021: 80}, **NATIONAL),
    yen(R + "employment.band80_offset", "給与所得 第3区分 加算額（負は減算）", {2021: -440000}, min_=-10_000_000, **NATIONAL),
    yen(R + "employment.band90_upper", "給与所得 A×90%−110万円 の区分の給与収入上限", {2021: 8499999}, **NATIONAL),
    rate(R + "employment.band90_rate", "給与所得 第4区分 A の率", {2021: 90}, **NATIONAL),
    yen(R + "employment.band90_offset", "給与所得 第4区分 加算額（負は減算）", {2021: -1100000}, min_=-10_000_000, **NATIONAL),
    yen(R + "employment.maximum_deduction", "給与所得控除の上限額（850万円超）", {2021: 1950000}, **NATIONAL),
    # 所得金額調整控除 (給与所得と公的年金等の雑所得の両方がある場合)
    yen(R + "income_adjustment.cap", "所得金額調整控除（給与・年金の両方）の各上限", {2021: 100000},
        "給与所得と年金所得のそれぞれ（上限 10 万円）の合計から 10 万円を引いた額を給与所得から控除。", **NATIONAL),
    # 公的年金等控除
    p(R + "pension.elderly_age", "公的年金等控除 高齢者の年齢（12月31日現在）", "integer", {2021: 65}, min_=60, max_=75,
      **NATIONAL),
    yen(R + "pension.elderly_minimum", "公的年金等控除 65歳以上の最低額", {2021: 1100000}, **NATIONAL),
    yen(R + "pension.elderly_minimum_upper", "65歳以上 最低額が適用される年金収入の上限", {2021: 3300000}, **NATIONAL),
    yen(R + "pension.young_minimum", "公的年金等控除 65歳未満の最低額", {2021: 600000}, **NATIONAL),
    yen(R + "pension.young_minimum_upper", "65歳未満 最低額が適用される年金収入の上限", {2021: 1300000}, **NATIONAL),
    yen(R + "pension.band25_upper", "公的年金等控除 25%＋27.5万円 の区分の上限", {2021: 4100000}, **NATIONAL),
    rate(R + "pension.band25_rate", "公的年金等控除 第1区分の率", {2021: 25}, **NATIONAL),
    yen(R + "pension.band25_add", "公的年金等控除 第1区分の加算額", {2021: 275000}, **NATIONAL),
    yen(R + "pension.band15_upper", "公的年金等控除 15%＋68.5万円 の区分の上限", {2021: 7700000}, **NATIONAL),
    rate(R + "pension.band15_rate", "公的年金等控除 第2区分の率", {2021: 15}, **NATIONAL),
    yen(R + "pension.band15_add", "公的年金等控除 第2区分の加算額", {2021: 685000}, **NATIONAL),
    yen(R + "pension.band5_upper", "公的年金等控除 5%＋145.5万円 の区分の上限", {2021: 10000000}, **NATIONAL),
    rate(R + "pension.band5_rate", "公的年金等控除 第3区分の率", {2021: 5}, **NATIONAL),
    yen(R + "pension.band5_add", "公的年金等控除 第3区分の加算額", {2021: 1455000}, **NATIONAL),
    yen(R + "pension.maximum", "公的年金等控除の上限額", {2021: 1955000}, **NATIONAL),
    yen(R + "pension.other_income_limit1", "年金以外の合計所得 第1段階（超えると減額）", {2021: 10000000}, **NATIONAL),
    yen(R + "pension.other_income_reduction1", "年金以外の所得が第1段階超の減額", {2021: 100000}, **NATIONAL),
    yen(R + "pension.other_income_limit2", "年金以外の合計所得 第2段階（超えると減額）", {2021: 20000000}, **NATIONAL),
    yen(R + "pension.other_income_reduction2", "年金以外の所得が第2段階超の減額", {2021: 200000}, **NATIONAL),
]
# 基礎控除
for i, (limit, amount) in enumerate([(24000000, 430000), (24500000, 290000), (25000000, 150000)], 1):
    rt.append(yen(R + f"basic.limit{i}", f"基礎控除 第{i}段階の合計所得上限", {2021: limit}, **NATIONAL))
    rt.append(yen(R + f"basic.amount{i}", f"基礎控除 第{i}段階の額", {2021: amount}, **NATIONAL))
# 配偶者控除
rt += [
    yen(R + "dependant_income_limit", "同一生計配偶者・扶養親族の合計所得の上限", {2021: 480000, 2026: 580000},
        "FY2026（令和7年分所得）から 58 万円。", **NATIONAL),
    p(R + "elderly_age", "老人控除対象配偶者・老人扶養親族の年齢", "integer", {2021: 70}, min_=60, max_=80, **NATIONAL),
]
for i, (limit, ordinary, elderly) in enumerate([(9000000, 330000, 380000), (9500000, 220000, 260000),
                                                 (10000000, 110000, 130000)], 1):
    rt.append(yen(R + f"spouse.taxpayer_limit{i}", f"配偶者控除 納税者の合計所得 第{i}段階上限", {2021: limit}, **NATIONAL))
    rt.append(yen(R + f"spouse.amount{i}", f"配偶者控除 第{i}段階の額", {2021: ordinary}, **NATIONAL))
    rt.append(yen(R + f"spouse.elderly_amount{i}", f"老人配偶者控除 第{i}段階の額", {2021: elderly}, **NATIONAL))
# 配偶者特別控除 (住民税): spouse income band upper, amounts per taxpayer tier
special = [(1000000, 330000, 220000, 110000), (1050000, 310000, 210000, 110000), (1100000, 260000, 180000, 90000),
           (1150000, 210000, 140000, 70000), (1200000, 160000, 110000, 60000), (1250000, 110000, 80000, 40000),
           (1300000, 60000, 40000, 20000), (1330000, 30000, 20000, 10000)]
for i, (upper, a1, a2, a3) in enumerate(special, 1):
    rt.append(yen(R + f"spouse_special.band{i}_upper", f"配偶者特別控除 第{i}区分 配偶者の合計所得上限", {2021: upper},
                  **NATIONAL))
    for t, a in enumerate((a1, a2, a3), 1):
        rt.append(yen(R + f"spouse_special.band{i}_amount{t}", f"配偶者特別控除 第{i}区分 納税者第{t}段階の額", {2021: a},
                      **NATIONAL))
# 扶養控除
rt += [
    p(R + "dependant.min_age", "扶養控除の対象となる年齢（16歳未満は控除なし）", "integer", {2021: 16}, min_=0, max_=30,
      **NATIONAL),
    p(R + "dependant.specified_min_age", "特定扶養親族の年齢の下限", "integer", {2021: 19}, min_=0, max_=30, **NATIONAL),
    p(R + "dependant.specified_max_age", "特定扶養親族の年齢の上限", "integer", {2021: 22}, min_=0, max_=30, **NATIONAL),
    yen(R + "dependant.general", "扶養控除 一般", {2021: 330000}, **NATIONAL),
    yen(R + "dependant.specified", "扶養控除 特定扶養親族（19〜22歳）", {2021: 450000}, **NATIONAL),
    yen(R + "dependant.elderly", "扶養控除 老人扶養親族", {2021: 380000}, **NATIONAL),
    yen(R + "dependant.elderly_parent", "扶養控除 同居老親等", {2021: 450000}, **NATIONAL),
]
# 特定親族特別控除 (FY2026)
relative = [(950000, 450000), (1000000, 410000), (1050000, 310000), (1100000, 210000), (1150000, 110000),
            (1200000, 60000), (1230000, 30000)]
for i, (upper, amount) in enumerate(relative, 1):
    rt.append(yen(R + f"specific_relative.band{i}_upper", f"特定親族特別控除 第{i}区分 親族の合計所得上限", {2021: upper},
                  **NATIONAL))
    rt.append(yen(R + f"specific_relative.band{i}_amount", f"特定親族特別控除 第{i}区分の額", {2021: 0, 2026: amount},
                  "FY2026（令和7年分所得）から。それ以前は 0。", **NATIONAL))
rt += [
    yen(R + "life_insurance.maximum", "生命保険料控除の上限（住民税）", {2021: 70000}, **NATIONAL),
    rate(R + "earthquake_insurance.rate", "地震保険料控除 支払額に対する率", {2021: 50}, **NATIONAL),
    yen(R + "earthquake_insurance.maximum", "地震保険料控除の上限", {2021: 25000}, **NATIONAL),
    yen(R + "medical.floor", "医療費控除 足切り額", {2021: 100000}, **NATIONAL),
    rate(R + "medical.floor_rate", "医療費控除 足切り（総所得金額等に対する率）", {2021: 5}, **NATIONAL),
    yen(R + "medical.maximum", "医療費控除の上限", {2021: 2000000}, **NATIONAL),
    yen(R + "disability", "障害者控除", {2021: 260000}, **NATIONAL),
    yen(R + "disability_special", "特別障害者控除", {2021: 300000}, **NATIONAL),
    yen(R + "widow", "寡婦控除", {2021: 260000}, **NATIONAL),
    yen(R + "single_parent", "ひとり親控除", {2021: 300000}, **NATIONAL),
    yen(R + "working_student", "勤労学生控除", {2021: 260000}, **NATIONAL),
    yen(R + "widow_income_limit", "寡婦・ひとり親控除の合計所得の上限", {2021: 5000000}, **NATIONAL),
    yen(R + "working_student_income_limit", "勤労学生控除の合計所得の上限", {2021: 750000, 2026: 850000}, **NATIONAL),
    # rates
    rate(R + "rate.municipal", "所得割 市町村民税の税率（政令市以外）", {2021: 6}, max_=20),
    rate(R + "rate.prefectural", "所得割 道府県民税の税率（政令市以外）", {2021: 4}, max_=20),
    rate(R + "rate.designated_municipal", "所得割 市民税の税率（政令指定都市）", {2021: 8}, max_=20),
    rate(R + "rate.designated_prefectural", "所得割 道府県民税の税率（政令指定都市）", {2021: 2}, max_=20),
    p(R + "designated_city", "政令指定都市", "boolean", {2021: False}, note="団体の属性（構成団体ごとのパラメータ）。"),
    p(R + "cost_of_living_grade", "級地（非課税限度額の区分）", "choice", {2021: "1"},
      note="生活保護基準の級地区分。構成団体ごとに設定する。",
      choices=[["1", "1級地"], ["2", "2級地"], ["3", "3級地"]]),
    # 調整控除
    yen(R + "adjustment.taxable_limit", "調整控除 合計課税所得の区分額", {2021: 2000000}, **NATIONAL),
    rate(R + "adjustment.rate", "調整控除の率", {2021: 5}, **NATIONAL),
    rate(R + "adjustment.municipal_rate", "調整控除 市町村民税分の率", {2021: 3}, **NATIONAL),
    rate(R + "adjustment.designated_municipal_rate", "調整控除 市民税分の率（政令市）", {2021: 4}, **NATIONAL),
    yen(R + "adjustment.minimum", "調整控除の最低額", {2021: 2500}, **NATIONAL),
    yen(R + "adjustment.minimum_municipal", "調整控除の最低額 市町村民税分", {2021: 1500}, **NATIONAL),
    yen(R + "adjustment.minimum_designated_municipal", "調整控除の最低額 市民税分（政令市）", {2021: 2000},
        "政令市の内訳は未確認（RULES.md）。", **NATIONAL),
    yen(R + "adjustment.income_limit", "調整控除を受けられる合計所得の上限", {2021: 25000000}, **NATIONAL),
    yen(R + "adjustment.basic", "人的控除差 基礎控除", {2021: 50000}, **NATIONAL),
    yen(R + "adjustment.spouse", "人的控除差 配偶者控除", {2021: 50000}, **NATIONAL),
    yen(R + "adjustment.elderly_spouse", "人的控除差 老人配偶者控除", {2021: 100000}, **NATIONAL),
    yen(R + "adjustment.spouse_special1_limit", "人的控除差 配偶者特別控除 配偶者所得 第1段階上限", {2021: 500000},
        "FY2026 の配偶者所得上限の引上げ後の区分は未確認。", **NATIONAL),
    yen(R + "adjustment.spouse_special1", "人的控除差 配偶者特別控除 第1段階", {2021: 50000}, **NATIONAL),
    yen(R + "adjustment.spouse_special2_limit", "人的控除差 配偶者特別控除 配偶者所得 第2段階上限", {2021: 550000},
        **NATIONAL),
    yen(R + "adjustment.spouse_special2", "人的控除差 配偶者特別控除 第2段階", {2021: 30000}, **NATIONAL),
    yen(R + "adjustment.dependant_general", "人的控除差 一般扶養", {2021: 50000}, **NATIONAL),
    yen(R + "adjustment.dependant_specified", "人的控除差 特定扶養", {2021: 180000}, **NATIONAL),
    yen(R + "adjustment.dependant_elderly", "人的控除差 老人扶養", {2021: 100000}, **NATIONAL),
    yen(R + "adjustment.dependant_elderly_parent", "人的控除差 同居老親等", {2021: 130000}, **NATIONAL),
    yen(R + "adjustment.disability", "人的控除差 障害者", {2021: 10000}, **NATIONAL),
    yen(R + "adjustment.disability_special", "人的控除差 特別障害者", {2021: 100000}, **NATIONAL),
    yen(R + "adjustment.widow", "人的控除差 寡婦", {2021: 10000}, **NATIONAL),
    yen(R + "adjustment.single_parent", "人的控除差 ひとり親", {2021: 50000}, **NATIONAL),
    yen(R + "adjustment.working_student", "人的控除差 勤労学生", {2021: 10000}, **NATIONAL),
    # 非課税
    yen(R + "exempt.special_income_limit", "障害者・未成年者・寡婦・ひとり親の非課税 合計所得上限", {2021: 1350000}, **NATIONAL),
    p(R + "exempt.minor_age", "未成年者の年齢（この年齢未満）", "integer", {2021: 20, 2023: 18}, min_=15, max_=25, **NATIONAL),
]
for g, (single, per, add) in {1: (450000, 350000, 310000), 2: (415000, 315000, 289000),
                              3: (380000, 280000, 268000)}.items():
    rt.append(yen(R + f"exempt.grade{g}_single", f"均等割非課税 {g}級地 単身の合計所得上限", {2021: single}))
    rt.append(yen(R + f"exempt.grade{g}_per_person", f"均等割非課税 {g}級地 1人あたりの額（N×）", {2021: per}))
    rt.append(yen(R + f"exempt.grade{g}_addition", f"均等割非課税 {g}級地 加算額（扶養ありの場合）", {2021: add}))
rt += [
    yen(R + "exempt.income_levy_single", "所得割非課税 単身の総所得金額等上限", {2021: 450000}, **NATIONAL),
    yen(R + "exempt.income_levy_per_person", "所得割非課税 1人あたりの額（N×）", {2021: 350000}, **NATIONAL),
    yen(R + "exempt.income_levy_addition", "所得割非課税 加算額（扶養ありの場合）", {2021: 420000}, **NATIONAL),
    # rounding and collection
    yen(R + "rounding.tax_base_unit", "課税標準の端数切捨て単位", {2021: 1000}, min_=1, max_=10000, **NATIONAL),
    yen(R + "rounding.income_levy_unit", "所得割の端数切捨て単位", {2021: 100}, min_=1, max_=10000, **NATIONAL),
    yen(R + "ordinary.installment_unit", "普通徴収 各期の端数単位（端数は第1期へ）", {2021: 1000}, min_=1, max_=10000),
    p(R + "ordinary.installment_months", "普通徴収の納期の月（- 区切り）", "choice", {2021: "6-8-10-1"},
      choices=[["6-8-10-1", "6月・8月・10月・1月"], ["6-7-8-9-10-11-12-1-2-3", "6月〜翌3月の10回"],
               ["6-9-11-1", "6月・9月・11月・1月"], ["6", "6月（一括）"]]),
    p(R + "ordinary.due_day", "普通徴収 納期限の日（月末は 31）", "integer", {2021: 31}, min_=1, max_=31),
    yen(R + "withholding.monthly_unit", "特別徴収 月割額の端数単位（端数は6月へ）", {2021: 100}, min_=1, max_=10000),
    yen(R + "certificate_fee", "所得・課税証明書の手数料（1通）", {2021: 300}, max_=10000,
        law="地方自治法第227条、各団体の手数料条例"),
    p(R + "pension_withholding.age", "公的年金からの特別徴収の対象年齢", "integer", {2021: 65}, min_=60, max_=75, **NATIONAL),
]

P = "property_tax."
pt = [
    rate(P + "rate", "固定資産税の税率", {2021: "1.4"}, "標準税率 1.4%。団体が条例で定める（例: 1.7%）。", max_=5, area=PT),
    yen(P + "exemption_floor.land", "免税点 土地（課税標準額の合計がこの額未満は課さない）", {2021: 300000}, area=PT, **NATIONAL),
    yen(P + "exemption_floor.building", "免税点 家屋", {2021: 200000}, area=PT, **NATIONAL),
    yen(P + "exemption_floor.depreciable", "免税点 償却資産", {2021: 1500000}, area=PT, **NATIONAL),
    p(P + "residential.small_area_per_dwelling", "小規模住宅用地 住戸1戸あたりの面積", "integer", {2021: 200}, unit="㎡",
      min_=0, max_=1000, area=PT, **NATIONAL),
    p(P + "residential.small_divisor", "小規模住宅用地の特例（価格の 1/n）", "integer", {2021: 6}, min_=1, max_=10, area=PT,
      **NATIONAL),
    p(P + "residential.general_divisor", "一般住宅用地の特例（価格の 1/n）", "integer", {2021: 3}, min_=1, max_=10, area=PT,
      **NATIONAL),
    rate(P + "burden.increase_rate", "負担調整 前年度課税標準額に加える本則課税標準額の率", {2021: 5}, area=PT, **NATIONAL),
    rate(P + "burden.lower_bound", "負担調整 本則課税標準額に対する下限", {2021: 20}, area=PT, **NATIONAL),
    rate(P + "burden.upper_bound", "負担調整 本則課税標準額に対する上限", {2021: 100}, max_=200, area=PT, **NATIONAL),
    yen(P + "rounding.tax_base_unit", "課税標準額の端数切捨て単位", {2021: 1000}, min_=1, max_=10000, area=PT, **NATIONAL),
    yen(P + "rounding.tax_unit", "税額の端数切捨て単位", {2021: 100}, min_=1, max_=10000, area=PT, **NATIONAL),
    yen(P + "installment_unit", "各期の端数単位（端数は第1期へ）", {2021: 1000}, min_=1, max_=10000, area=PT),
    p(P + "installment_months", "納期の月（- 区切り）", "choice", {2021: "4-7-12-2"}, area=PT,
      choices=[["4-7-12-2", "4月・7月・12月・2月"], ["5-7-12-2", "5月・7月・12月・2月"], ["4-6-9-12", "4月・6月・9月・12月"],
               ["4", "4月（一括）"]]),
]

for fname, params, source in [("resident_tax.json", rt, "shared RULES.md §1 個人住民税"),
                              ("property_tax.json", pt, "shared RULES.md §4 固定資産税")]:
    names = [e["name"] for e in params]
    assert len(names) == len(set(names)), fname
    doc = {"source": source + "（FY2021 から: 更正が届く5年分）", "parameters": params}
    (OUT / fname).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(fname, len(params))
