"""個人住民税 (RULES.md §1) as a pure function: facts of one taxpayer + a parameter set → levies + breakdown.

The order follows the law: 所得 (給与所得, 公的年金等の雑所得, 所得金額調整控除, その他) → 合計所得 → 所得控除 →
課税標準 (to 1,000 yen) → 所得割 at the municipal and prefectural rates → 調整控除 → each levy to 100 yen →
非課税 → 均等割 with the prefectural surcharge and 森林環境税. Every amount is in yen (int).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from lgcloud.areas.taxation.rules.params import Breakdown, ParamSet, floor_to, percent

EXEMPT_NONE = "none"
EXEMPT_INCOME_LEVY = "income_levy"
EXEMPT_BOTH = "both"


@dataclass(frozen=True)
class Spouse:
    income: int  # 合計所得金額
    age: int  # on 31 December of the income year


@dataclass(frozen=True)
class Dependant:
    income: int
    age: int
    living_together: bool = False  # 同居 (an elderly dependant living together counts as 同居老親等)


@dataclass(frozen=True)
class ResidentTaxFacts:
    fiscal_year: int
    age: int  # the taxpayer's age on 31 December of the income year (FY − 1)
    salary_revenue: int = 0  # 給与収入
    pension_revenue: int = 0  # 公的年金等の収入
    other_income: int = 0  # other 所得 (already after expenses): 事業・不動産・雑 etc.
    social_insurance_paid: int = 0
    life_insurance_deduction: int = 0  # the 住民税 deduction amount (≤ 70,000)
    earthquake_insurance_paid: int = 0
    medical_expenses: int = 0  # paid less reimbursements
    disability: str = ""  # "" / "ordinary" / "special"
    widow: bool = False
    single_parent: bool = False
    working_student: bool = False
    public_assistance: bool = False  # 生活扶助
    spouse: Spouse | None = None
    dependants: tuple[Dependant, ...] = ()
    residence_only: bool = False  # 家屋敷課税: 均等割 only, no 森林環境税
    grade: int | None = None  # 級地; None → the member's parameter
    designated_city: bool | None = None  # 政令指定都市; None → the member's parameter


@dataclass
class ResidentTaxResult:
    fiscal_year: int
    employment_income: int
    pension_income: int
    total_income: int  # 合計所得金額 (= 総所得金額等 here)
    deductions: int
    taxable_base: int
    municipal_income_levy: int
    prefectural_income_levy: int
    municipal_per_capita: int
    prefectural_per_capita: int
    forest_environment_tax: int
    exempt: str
    total: int
    breakdown: list[dict[str, Any]] = field(default_factory=list)

    @property
    def income_levy(self) -> int:
        return self.municipal_income_levy + self.prefectural_income_levy

    @property
    def per_capita(self) -> int:
        return self.municipal_per_capita + self.prefectural_per_capita

    def as_dict(self) -> dict[str, Any]:
        """As dataclasses.asdict gives it (the same keys, order and values), without its deep copy: the
        breakdown rows are fresh plain dicts already, and the copy was most of an assessment's time."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["breakdown"] = [dict(row) for row in self.breakdown]
        return out


def employment_income(revenue: int, p: ParamSet) -> int:
    """給与所得 from 給与収入 A (FY2025 table with its steps; FY2026 change through the parameters)."""
    a = revenue
    if a <= p.yen("resident_tax.employment.zero_upper"):
        return 0
    if a <= p.yen("resident_tax.employment.flat_upper"):
        return a - p.yen("resident_tax.employment.minimum_deduction")
    for i in range(1, p.integer("resident_tax.employment.step_count") + 1):
        if a <= p.yen(f"resident_tax.employment.step{i}_upper"):
            return p.yen(f"resident_tax.employment.step{i}_income")
    b = (a // 4 // 1000) * 1000 * 4  # 給与収入 ÷ 4 truncated to 1,000 yen, × 4
    for band in ("band60", "band70", "band80"):
        if a <= p.yen(f"resident_tax.employment.{band}_upper"):
            return percent(b, p.rate(f"resident_tax.employment.{band}_rate")) + p.yen(
                f"resident_tax.employment.{band}_offset")
    if a <= p.yen("resident_tax.employment.band90_upper"):
        return percent(a, p.rate("resident_tax.employment.band90_rate")) + p.yen(
            "resident_tax.employment.band90_offset")
    return a - p.yen("resident_tax.employment.maximum_deduction")


def pension_deduction(revenue: int, age: int, other_income: int, p: ParamSet) -> int:
    """公的年金等控除 by age (65+ on 31 December) and the other income (10M / 20M steps)."""
    if revenue <= 0:
        return 0
    elderly = age >= p.integer("resident_tax.pension.elderly_age")
    minimum = p.yen("resident_tax.pension.elderly_minimum" if elderly else "resident_tax.pension.young_minimum")
    minimum_upper = p.yen(
        "resident_tax.pension.elderly_minimum_upper" if elderly else "resident_tax.pension.young_minimum_upper")
    if revenue <= minimum_upper:
        deduction = minimum
    else:
        for band in ("band25", "band15", "band5"):
            if revenue <= p.yen(f"resident_tax.pension.{band}_upper"):
                # income = revenue × (1 − rate) − add, truncated: the deduction takes the fraction
                deduction = revenue - (revenue - percent(revenue, p.rate(f"resident_tax.pension.{band}_rate"))
                                       - p.yen(f"resident_tax.pension.{band}_add"))
                break
        else:
            deduction = p.yen("resident_tax.pension.maximum")
    if other_income > p.yen("resident_tax.pension.other_income_limit2"):
        deduction -= p.yen("resident_tax.pension.other_income_reduction2")
    elif other_income > p.yen("resident_tax.pension.other_income_limit1"):
        deduction -= p.yen("resident_tax.pension.other_income_reduction1")
    return max(0, deduction)


def _tier(total_income: int, p: ParamSet, prefix: str, count: int) -> int:
    """Index (1…count) of the first limit the taxpayer's 合計所得 stays within, 0 if above all."""
    for i in range(1, count + 1):
        if total_income <= p.yen(f"{prefix}{i}"):
            return i
    return 0


def _spouse(facts: ResidentTaxFacts, total: int, p: ParamSet, b: Breakdown) -> tuple[int, int, bool]:
    """(deduction, 人的控除差, counts as 同一生計配偶者 for 非課税)."""
    s = facts.spouse
    if s is None:
        return 0, 0, False
    limit = p.yen("resident_tax.dependant_income_limit")
    tier = _tier(total, p, "resident_tax.spouse.taxpayer_limit", 3)
    if s.income <= limit:
        elderly = s.age >= p.integer("resident_tax.elderly_age")
        amount = p.yen(f"resident_tax.spouse.{'elderly_amount' if elderly else 'amount'}{tier}") if tier else 0
        b.add("spouse_deduction", "老人配偶者控除" if elderly else "配偶者控除", amount, spouse_income=s.income)
        diff = p.yen("resident_tax.adjustment.elderly_spouse" if elderly else "resident_tax.adjustment.spouse")
        return amount, (diff if amount else 0), True
    amount = 0
    if tier:
        for i in range(1, 9):
            if s.income <= p.yen(f"resident_tax.spouse_special.band{i}_upper"):
                amount = p.yen(f"resident_tax.spouse_special.band{i}_amount{tier}")
                break
    b.add("spouse_special_deduction", "配偶者特別控除", amount, spouse_income=s.income)
    diff = 0
    if amount:
        if s.income < p.yen("resident_tax.adjustment.spouse_special1_limit"):
            diff = p.yen("resident_tax.adjustment.spouse_special1")
        elif s.income < p.yen("resident_tax.adjustment.spouse_special2_limit"):
            diff = p.yen("resident_tax.adjustment.spouse_special2")
    return amount, diff, False


def _dependants(facts: ResidentTaxFacts, p: ParamSet, b: Breakdown) -> tuple[int, int, int]:
    """(扶養控除 + 特定親族特別控除, 人的控除差, number counted for 非課税)."""
    if not facts.dependants:
        return 0, 0, 0
    limit = p.yen("resident_tax.dependant_income_limit")
    min_age = p.integer("resident_tax.dependant.min_age")
    spec_lo = p.integer("resident_tax.dependant.specified_min_age")
    spec_hi = p.integer("resident_tax.dependant.specified_max_age")
    elderly_age = p.integer("resident_tax.elderly_age")
    total = diff = counted = 0
    for n, d in enumerate(facts.dependants, 1):
        if d.income > limit:
            if spec_lo <= d.age <= spec_hi:  # 特定親族特別控除 (FY2026 on; 0 before)
                for i in range(1, 8):
                    if d.income <= p.yen(f"resident_tax.specific_relative.band{i}_upper"):
                        amount = p.yen(f"resident_tax.specific_relative.band{i}_amount")
                        total += b.add("specific_relative_deduction", f"特定親族特別控除（{n}人目）", amount,
                                       income=d.income, age=d.age)
                        break
            continue
        counted += 1
        if d.age < min_age:
            continue  # 年少扶養: no deduction, counts for 非課税
        if spec_lo <= d.age <= spec_hi:
            kind, label, diff_name = "specified", "特定扶養", "dependant_specified"
        elif d.age >= elderly_age and d.living_together:
            kind, label, diff_name = "elderly_parent", "同居老親等", "dependant_elderly_parent"
        elif d.age >= elderly_age:
            kind, label, diff_name = "elderly", "老人扶養", "dependant_elderly"
        else:
            kind, label, diff_name = "general", "一般扶養", "dependant_general"
        total += b.add("dependent_deduction", f"扶養控除 {label}（{n}人目）", p.yen(f"resident_tax.dependant.{kind}"),
                       income=d.income, age=d.age)
        diff += p.yen(f"resident_tax.adjustment.{diff_name}")
    return total, diff, counted


def _personal(facts: ResidentTaxFacts, total: int, p: ParamSet, b: Breakdown) -> tuple[int, int]:
    """障害者・寡婦・ひとり親・勤労学生 (deduction, 人的控除差)."""
    amount = diff = 0
    if facts.disability in ("ordinary", "special"):
        name = "disability" if facts.disability == "ordinary" else "disability_special"
        amount += b.add("disability_deduction", "障害者控除" if name == "disability" else "特別障害者控除",
                        p.yen(f"resident_tax.{name}"))
        diff += p.yen(f"resident_tax.adjustment.{name}")
    if facts.single_parent and total <= p.yen("resident_tax.widow_income_limit"):
        amount += b.add("single_parent_deduction", "ひとり親控除", p.yen("resident_tax.single_parent"))
        diff += p.yen("resident_tax.adjustment.single_parent")
    elif facts.widow and total <= p.yen("resident_tax.widow_income_limit"):
        amount += b.add("widow_deduction", "寡婦控除", p.yen("resident_tax.widow"))
        diff += p.yen("resident_tax.adjustment.widow")
    if facts.working_student and total <= p.yen("resident_tax.working_student_income_limit"):
        amount += b.add("working_student_deduction", "勤労学生控除", p.yen("resident_tax.working_student"))
        diff += p.yen("resident_tax.adjustment.working_student")
    return amount, diff


def _adjustment_credit(base: int, total: int, diff: int, designated: bool, p: ParamSet) -> tuple[int, int]:
    """調整控除 (municipal, prefectural)."""
    if total > p.yen("resident_tax.adjustment.income_limit") or base <= 0:
        return 0, 0
    rate = p.rate("resident_tax.adjustment.rate")
    m_rate = p.rate("resident_tax.adjustment.designated_municipal_rate" if designated
                    else "resident_tax.adjustment.municipal_rate")
    limit = p.yen("resident_tax.adjustment.taxable_limit")
    if base <= limit:
        subject = min(diff, base)
        return percent(subject, m_rate), percent(subject, rate - m_rate)
    subject = diff - (base - limit)
    minimum = p.yen("resident_tax.adjustment.minimum")
    if percent(max(subject, 0), rate) < minimum:
        m_min = p.yen("resident_tax.adjustment.minimum_designated_municipal" if designated
                      else "resident_tax.adjustment.minimum_municipal")
        return m_min, minimum - m_min
    return percent(subject, m_rate), percent(subject, rate - m_rate)


def _exemption(facts: ResidentTaxFacts, total: int, people: int, p: ParamSet) -> str:
    if facts.public_assistance:
        return EXEMPT_BOTH
    if facts.residence_only:
        return EXEMPT_NONE  # 家屋敷: income is assessed where the person lives; 均等割 is due here
    special = (facts.disability in ("ordinary", "special") or facts.widow or facts.single_parent
               or facts.age < p.integer("resident_tax.exempt.minor_age"))
    if special and total <= p.yen("resident_tax.exempt.special_income_limit"):
        return EXEMPT_BOTH
    grade = facts.grade if facts.grade is not None else int(p.choice("resident_tax.cost_of_living_grade"))
    g = f"resident_tax.exempt.grade{grade}"
    limit = p.yen(f"{g}_single") if people == 1 else p.yen(f"{g}_per_person") * people + p.yen(f"{g}_addition")
    if total <= limit:
        return EXEMPT_BOTH
    e = "resident_tax.exempt.income_levy"
    limit = p.yen(f"{e}_single") if people == 1 else p.yen(f"{e}_per_person") * people + p.yen(f"{e}_addition")
    return EXEMPT_INCOME_LEVY if total <= limit else EXEMPT_NONE


def calculate(facts: ResidentTaxFacts, p: ParamSet) -> ResidentTaxResult:
    """The 個人住民税 of one taxpayer for `facts.fiscal_year` with its breakdown."""
    b = Breakdown(p)
    p.take_used()
    emp = b.add("employment_income", "給与所得", employment_income(facts.salary_revenue, p),
                salary_revenue=facts.salary_revenue)
    pen_ded = pension_deduction(facts.pension_revenue, facts.age, emp + facts.other_income, p)
    pen = b.add("pension_income", "公的年金等に係る雑所得", max(0, facts.pension_revenue - pen_ded),
                pension_revenue=facts.pension_revenue, public_pension_deduction=pen_ded)
    if emp > 0 and pen > 0:
        cap = p.yen("resident_tax.income_adjustment.cap")
        adj = max(0, min(emp, cap) + min(pen, cap) - cap)
        emp -= b.add("income_adjustment", "所得金額調整控除", adj)
    total = b.add("total_income", "合計所得金額", emp + pen + facts.other_income, other_income=facts.other_income)

    deductions = b.add("social_insurance_deduction", "社会保険料控除", facts.social_insurance_paid)
    life = min(facts.life_insurance_deduction, p.yen("resident_tax.life_insurance.maximum"))
    deductions += b.add("life_insurance_deduction", "生命保険料控除", life)
    if facts.earthquake_insurance_paid:
        amount = min(percent(facts.earthquake_insurance_paid, p.rate("resident_tax.earthquake_insurance.rate")),
                     p.yen("resident_tax.earthquake_insurance.maximum"))
        deductions += b.add("earthquake_insurance_deduction", "地震保険料控除", amount)
    if facts.medical_expenses:
        floor = min(p.yen("resident_tax.medical.floor"), percent(total, p.rate("resident_tax.medical.floor_rate")))
        amount = min(max(0, facts.medical_expenses - floor), p.yen("resident_tax.medical.maximum"))
        deductions += b.add("medical_deduction", "医療費控除", amount)
    personal, diff = _personal(facts, total, p, b)
    deductions += personal
    spouse_amount, spouse_diff, spouse_counts = _spouse(facts, total, p, b)
    deductions += spouse_amount
    dep_amount, dep_diff, dep_count = _dependants(facts, p, b)
    deductions += dep_amount
    tier = _tier(total, p, "resident_tax.basic.limit", 3)
    basic = p.yen(f"resident_tax.basic.amount{tier}") if tier else 0
    diff += (p.yen("resident_tax.adjustment.basic") if basic else 0) + spouse_diff + dep_diff
    deductions += b.add("basic_deduction", "基礎控除", basic)
    b.add("income_deductions", "所得控除の合計", deductions)
    base = b.add("taxable_base", "課税標準（千円未満切捨て）",
                 floor_to(max(0, total - deductions), p.yen("resident_tax.rounding.tax_base_unit")))

    people = 1 + (1 if spouse_counts else 0) + dep_count
    exempt = _exemption(facts, total, people, p)
    b.add("exemption", "非課税の判定", 0, exempt=exempt, household_size=people)
    designated = facts.designated_city if facts.designated_city is not None else p.flag("resident_tax.designated_city")
    if designated:
        m_rate, p_rate = p.rate("resident_tax.rate.designated_municipal"), p.rate("resident_tax.rate.designated_prefectural")
    else:
        m_rate, p_rate = p.rate("resident_tax.rate.municipal"), p.rate("resident_tax.rate.prefectural")
    m_levy = b.add("municipal_income_levy_before_credits", "市町村民税 所得割（税額控除前）", percent(base, m_rate))
    p_levy = b.add("prefectural_income_levy_before_credits", "道府県民税 所得割（税額控除前）", percent(base, p_rate))
    m_credit, p_credit = _adjustment_credit(base, total, diff, designated, p)
    b.add("adjustment_credit_municipal", "調整控除 市町村民税", m_credit, personal_deduction_difference=diff)
    b.add("adjustment_credit_prefectural", "調整控除 道府県民税", p_credit)
    unit = p.yen("resident_tax.rounding.income_levy_unit")
    if exempt != EXEMPT_NONE or facts.residence_only:
        m_levy = p_levy = 0
    m_levy = b.add("municipal_income_levy", "市町村民税 所得割（百円未満切捨て）", floor_to(max(0, m_levy - m_credit), unit))
    p_levy = b.add("prefectural_income_levy", "道府県民税 所得割（百円未満切捨て）", floor_to(max(0, p_levy - p_credit), unit))

    taxed = exempt != EXEMPT_BOTH
    m_pc = b.add("municipal_per_capita", "市町村民税 均等割",
                 p.yen("resident_tax.per_capita.municipal") if taxed else 0)
    p_pc = b.add("prefectural_per_capita", "道府県民税 均等割（超過課税を含む）",
                 p.yen("resident_tax.per_capita.prefectural") + p.yen("resident_tax.per_capita.prefectural_surcharge")
                 if taxed else 0)
    forest = b.add("forest_environment_tax", "森林環境税",
                   p.yen("resident_tax.forest_environment_tax") if taxed and not facts.residence_only else 0)
    grand = b.add("total", "年税額", m_levy + p_levy + m_pc + p_pc + forest)
    return ResidentTaxResult(
        fiscal_year=facts.fiscal_year, employment_income=emp, pension_income=pen, total_income=total,
        deductions=deductions, taxable_base=base, municipal_income_levy=m_levy, prefectural_income_levy=p_levy,
        municipal_per_capita=m_pc, prefectural_per_capita=p_pc, forest_environment_tax=forest, exempt=exempt,
        total=grand, breakdown=b.steps,
    )

