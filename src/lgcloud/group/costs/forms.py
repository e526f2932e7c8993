"""Forms of the cost screens. They parse input; the services validate the business rules and say
in Japanese what to fix (a form attaches a service error to the field it names)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from lgcloud.group.costs import funding, records, rules, sharing
from lgcloud.group.costs.models import CostCategory, CostKind, CostPhase, PopulationSource
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.metering import METERS
from lgcloud.platform.tenancy.models import Municipality

FIRST_FY, LAST_FY = 2000, 2040
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
USAGE_PREFIX = "usage_"


def fiscal_year_choices() -> list[tuple[int, str]]:
    return [(fy, f"{format_fiscal_year(fy)}（{fy}年度）") for fy in range(FIRST_FY, LAST_FY + 1)]


def fiscal_year_field(label: str, initial: int | None = None, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=fiscal_year_choices(), coerce=int, initial=initial, required=required,
        error_messages={"invalid_choice": f"{label}は{FIRST_FY}年度から{LAST_FY}年度の間で選んでください。",
                        "required": f"{label}を選んでください。"},
    )


def member_choices(members: Iterable[Municipality], blank: str | None = None) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    return choices + [(m.code, f"{m.name}（{m.code}）") for m in members]


def add_service_error(form: forms.Form, error: LgcloudError) -> None:
    """Show a service's message at the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "municipality_code" and "join" in form.fields:
        field = "join"
    form.add_error(field, error.message)


class AmountField(forms.CharField):
    """Whole yen; 全角 digits and thousands separators accepted; Japanese errors from the service."""

    def __init__(self, label: str, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label=label, required=required, max_length=30,
                         widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                         error_messages={"required": f"{label}を入力してください。"}, **kwargs)
        self.amount_label = label

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in (None, ""):
            return 0 if not self.required else text
        try:
            return records.parse_amount(text, self.amount_label)
        except LgcloudError as e:
            raise forms.ValidationError(e.message) from None


class PeriodForm(forms.Form):
    start = fiscal_year_field("開始年度", 2014)
    end = fiscal_year_field("終了年度", 2018)


class FiscalYearForm(forms.Form):
    fy = fiscal_year_field("年度")


class WhatIfForm(forms.Form):
    fiscal_year = fiscal_year_field("年度")
    join = forms.CharField(
        label="加入を想定する団体の全国地方公共団体コード（6桁）", required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    population = forms.IntegerField(
        label="加入を想定する団体の人口（人）", required=False, min_value=1, max_value=100_000_000,
        error_messages={"invalid": "人口は整数で入力してください。", "min_value": "人口は1以上で入力してください。",
                        "max_value": "人口が大きすぎます。"},
    )
    leave = forms.CharField(label="脱退を想定する構成団体", required=False, max_length=10)

    def __init__(self, *args: Any, members: Iterable[Municipality] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave"].widget = forms.Select(choices=member_choices(members, "（脱退なし）"))

    def what_if(self) -> sharing.WhatIf:
        d = self.cleaned_data
        return sharing.WhatIf(d.get("join") or None, d.get("population"), d.get("leave") or None)


class FormulaForm(forms.Form):
    fiscal_year = fiscal_year_field("適用開始年度")
    equal = forms.CharField(label="均等割の比率", max_length=20, help_text="0以上1以下。例: 0.2")
    population = forms.CharField(label="人口割の比率", max_length=20, help_text="0以上1以下。例: 0.5")
    population_exponent = forms.CharField(
        label="人口の規模補正指数", max_length=20, initial="1",
        help_text=f"1 = 補正なし。HARP方式（人口2倍で負担1.5倍）は {rules.HARP_EXPONENT}",
    )
    population_source = forms.ChoiceField(label="人口の基準", choices=PopulationSource.choices)
    note = forms.CharField(label="備考", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, spec in METERS.items():
            self.fields[USAGE_PREFIX + name] = forms.CharField(
                label=f"利用割の比率（{spec.label}）", max_length=20, required=False)

    def usage(self) -> dict[str, str]:
        """Every usage_<meter> sent, including meters the form does not offer: the service names an
        unknown meter rather than this form silently dropping it."""
        out = {}
        for key in self.data:
            if key.startswith(USAGE_PREFIX):
                value = str(self.data.get(key, "")).strip()
                if value:
                    out[key[len(USAGE_PREFIX):]] = value
        return out

    def usage_fields(self) -> list[forms.BoundField]:
        return [self[USAGE_PREFIX + name] for name in METERS]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("fiscal_year", "equal", "population", "population_exponent", "population_source")]


class CostRecordForm(forms.Form):
    fiscal_year = fiscal_year_field("年度")
    phase = forms.ChoiceField(label="区分", choices=CostPhase.choices)
    kind = forms.ChoiceField(label="費用種別", choices=CostKind.choices)
    category = forms.ChoiceField(label="費目", choices=CostCategory.choices)
    amount = forms.CharField(label="金額（円）", max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                             error_messages={"required": "金額を入力してください。"})
    note = forms.CharField(label="備考", max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="費用ファイル（CSV または Excel .xlsx）",
                           error_messages={"required": "取り込むファイルを選んでください。",
                                           "empty": "ファイルが空です。"})

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"ファイルが大きすぎます（上限 {MAX_UPLOAD_BYTES // 1024 // 1024}MB）。")
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("ファイルは .csv か .xlsx を指定してください。")
        return f


class FiscalSupportForm(forms.Form):
    municipality = forms.ChoiceField(label="構成団体")
    fiscal_year = fiscal_year_field("年度")

    def __init__(self, *args: Any, members: Iterable[Municipality] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["municipality"]
        else:
            field = self.fields["municipality"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = member_choices(members)
            field.error_messages["invalid_choice"] = "構成団体を一覧から選んでください。"
        for key, label in funding.SPECIAL_ALLOCATION_ITEMS:
            self.fields[key] = AmountField(f"{label}の調査額（円）", required=False)

    def amount_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, _ in funding.SPECIAL_ALLOCATION_ITEMS]

    def surveyed(self) -> dict[str, int]:
        return {key: self.cleaned_data.get(key) or 0 for key, _ in funding.SPECIAL_ALLOCATION_ITEMS}
