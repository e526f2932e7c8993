from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.interchange.importer import import_municipality
from lgcloud.platform.observability.progress import progress_bar
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = ("標準レイアウトのファイルを取り込みます（全件を検証してから一括登録）: import --municipality CODE DIR "
            "[--layout KEY] [--dry-run] [--replace]")
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("dir", help="取り込むファイルのフォルダ")
        parser.add_argument("--layout", help="レイアウト（既定: manifest.json に書かれたもの、または登録が1つならそれ）")
        parser.add_argument("--encoding", help="utf-8 または cp932（既定: manifest.json に書かれたもの、なければ utf-8）")
        parser.add_argument("--dry-run", action="store_true", help="検証のみ行い、登録しない")
        parser.add_argument("--replace", action="store_true", help="既存の住民記録を置き換える（一括・原子的）")
        parser.add_argument("--mapping", help="他システムのCSVの対応定義（YAML）")
        parser.add_argument("--gaiji-map", help="外字対応表（CSV: 外字コード,文字,MJ文字図形名,備考。docs/gaiji.md）")
        parser.add_argument("--include-sensitive", "--include-support-measures", dest="include_sensitive",
                            action="store_true", help="要配慮のファイル（支援措置など）も取り込む（要: --purpose）")
        parser.add_argument("--purpose", default="")
        parser.add_argument("--report", help="エラー一覧CSVの出力先（既定: DIR/import_errors.csv）")

    @staticmethod
    def _gaiji(path: Path) -> Any:
        from lgcloud.platform.interchange.gaiji import GaijiMapError, load_gaiji_map

        try:
            return load_gaiji_map(path)
        except GaijiMapError as e:
            raise CommandError(str(e)) from None

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["dir"])
        batch = None
        problems: list[Any] = []
        if options.get("mapping"):
            from lgcloud.platform.interchange.mapping import MappingError, load_mapping, read_vendor

            try:
                mapping = load_mapping(Path(options["mapping"]))
            except MappingError as e:
                raise CommandError(str(e)) from None
            if options.get("gaiji_map"):
                mapping.gaiji = self._gaiji(Path(options["gaiji_map"]))
            batch = read_vendor(mapping, folder, problems)
            options["layout"] = options["layout"] or mapping.layout
        municipality = self.current_municipality()
        bar = progress_bar(f"import-{municipality.code if municipality else ''}")
        result = import_municipality(folder, layout=options["layout"], encoding=options["encoding"],
                                     dry_run=options["dry_run"], replace=options["replace"],
                                     include_sensitive=options["include_sensitive"],
                                     purpose=options["purpose"], progress=bar.labelled, batch=batch,
                                     prior_problems=problems,
                                     gaiji_map=Path(options["gaiji_map"]) if options.get("gaiji_map") else None)
        if not result.ok:
            report = Path(options.get("report") or folder / "import_errors.csv")
            report.write_text(result.report_csv(), encoding="utf-8")
            for p in result.problems[:100]:
                where = f"{p.file} {p.line}行目" if p.line else p.file
                self.stderr.write(f"{where} {p.item}「{p.value}」: {p.reason}")
            if len(result.problems) > 100:
                self.stderr.write(f"…ほか {len(result.problems) - 100} 件")
            raise CommandError(f"{len(result.problems)}件のエラーがあるため、何も登録していません。一覧: {report}")
        counts = "、".join(f"{k} {v}" for k, v in result.counts.items())
        if options["dry_run"]:
            self.stdout.write(f"検証しました（登録はしていません）: {counts}")
        else:
            self.stdout.write(f"取り込みました: {counts}")
