"""Screens for a municipal administrator: export the register and download it; upload files for a dry run."""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.interchange.adapters import adapters
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.interchange.importer import import_municipality
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.web.decorators import require_cap

GAIJI_FILE = "gaiji.csv"
MAX_UPLOAD = 200 * 1024 * 1024
REPORT_KEY = "interchange_reports"


def _layouts() -> list[tuple[str, str]]:
    return [(a.key, f"{a.label}（{a.layout.name}）") for a in adapters().values()]


def _layout_field() -> forms.ChoiceField:
    return forms.ChoiceField(label="レイアウト", required=False, choices=_layouts)


class ExportForm(forms.Form):
    layout = _layout_field()
    encoding = forms.ChoiceField(label="文字コード", choices=[("utf-8", "UTF-8"), ("cp932", "Shift_JIS（CP932）")])
    as_of = forms.CharField(label="基準日（空欄は現在）", required=False, help_text="例: 2026-01-01、令和8年1月1日")
    include_sensitive = forms.BooleanField(label="要配慮のファイル（支援措置など）も出力する", required=False)
    purpose = forms.CharField(label="利用目的", max_length=200, required=False)


class DryRunForm(forms.Form):
    layout = _layout_field()
    encoding = forms.ChoiceField(label="文字コード", choices=[("utf-8", "UTF-8"), ("cp932", "Shift_JIS（CP932）")])


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_http_methods(["GET", "POST"])
def export_view(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    problems = None
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            as_of = parse_japanese_date(form.cleaned_data["as_of"]) if form.cleaned_data["as_of"] else None
        except ValueError as e:
            form.add_error("as_of", str(e))
        else:
            work = Path(tempfile.mkdtemp(prefix="lgcloud-export-"))
            try:
                result = export_municipality(work, layout=form.cleaned_data["layout"] or None,
                                             encoding=form.cleaned_data["encoding"], as_of=as_of,
                                             include_sensitive=form.cleaned_data["include_sensitive"],
                                             purpose=form.cleaned_data["purpose"])
                if result.ok:
                    buf = io.BytesIO()
                    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                        for path in sorted(work.iterdir()):
                            z.write(path, path.name)
                    name = f"{require_municipality().code}_standard_layout_{timezone.localdate():%Y%m%d}.zip"
                    response = HttpResponse(buf.getvalue(), content_type="application/zip")
                    response["Content-Disposition"] = f'attachment; filename="{name}"'
                    return response
                problems = result.problems
            except LgcloudError as e:
                error = e.message
            finally:
                shutil.rmtree(work, ignore_errors=True)
    status = 400 if (problems or error or (request.method == "POST" and not form.is_valid())) else 200
    return render(request, "interchange/export.html", {"form": form, "problems": problems, "error": error,
                                                       "adapters": adapters().values()}, status=status)


MAX_UNPACKED = 1024 * 1024 * 1024


def _unpack(z: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, unpacked: int) -> int:
    """Copy one ZIP entry to disk, counting the bytes actually inflated (the header's size can lie), and stop
    at MAX_UNPACKED for the whole archive: a small upload must not fill memory or disk."""
    with z.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(1024 * 1024):
            unpacked += len(chunk)
            if unpacked > MAX_UNPACKED:
                raise ValidationFailed(
                    f"ZIP を展開すると {MAX_UNPACKED // 1024 // 1024} MB を超えます。大きなファイルはコマンド"
                    "（lgcloud import --dry-run）で検証してください。", field="files")
            dst.write(chunk)
    return unpacked


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_http_methods(["GET", "POST"])
def dry_run_view(request: HttpRequest) -> HttpResponse:
    form = DryRunForm(request.POST or None)
    found = adapters()
    adapter = found.get(form.data.get("layout") or "") or next(iter(found.values()))
    layout = adapter.layout
    result = None
    error = None
    token = None
    if request.method == "POST" and form.is_valid():
        uploads = request.FILES.getlist("files")
        if not uploads:
            error = "取り込むファイル（CSV、または CSV をまとめた ZIP）を選択してください。"
        elif sum(f.size or 0 for f in uploads) > MAX_UPLOAD:
            error = f"ファイルが大きすぎます（合計 {MAX_UPLOAD // 1024 // 1024} MB まで）。大きなファイルはコマンド（lgcloud import --dry-run）で検証してください。"
        else:
            work = Path(tempfile.mkdtemp(prefix="lgcloud-dryrun-"))
            try:
                known = {f.file for f in layout.files} | {GAIJI_FILE}  # the vendor's 外字 table (docs/gaiji.md)
                for f in uploads:
                    name = Path(f.name or "").name
                    if name.lower().endswith(".zip"):
                        with zipfile.ZipFile(f) as z:
                            unpacked = 0
                            for info in z.infolist():
                                base = Path(info.filename).name
                                if base in known:
                                    unpacked = _unpack(z, info, work / base, unpacked)
                    elif name in known:
                        (work / name).write_bytes(f.read())
                gaiji = work / GAIJI_FILE
                result = import_municipality(work, layout=adapter.key, encoding=form.cleaned_data["encoding"],
                                             dry_run=True, gaiji_map=gaiji if gaiji.is_file() else None)
                token = secrets.token_urlsafe(12)
                reports = request.session.get(REPORT_KEY, {})
                reports = dict(list(reports.items())[-4:])
                reports[token] = result.report_csv()
                request.session[REPORT_KEY] = reports
            except (zipfile.BadZipFile, LgcloudError) as e:
                error = getattr(e, "message", "ZIP ファイルを読み取れません。")
            finally:
                shutil.rmtree(work, ignore_errors=True)
    status = 400 if error or (result is not None and not result.ok) else 200
    return render(request, "interchange/dry_run.html", {"form": form, "result": result, "error": error,
                                                        "token": token, "layout": layout,
                                                        "adapter": adapter,
                                                        "counts": adapter.describe(result.counts) if result else ""},
                  status=status)


@require_cap(Cap.MUNICIPALITY_ADMIN)
def dry_run_report(request: HttpRequest, token: str) -> HttpResponse:
    text = request.session.get(REPORT_KEY, {}).get(token)
    if text is None:
        return render(request, "web/error.html", {"title": "レポートがありません",
                                                  "message": "検証結果の有効期限が切れました。もう一度検証してください。"}, status=404)
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import_errors.csv"'
    return response
