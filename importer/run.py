"""Import files: read, check, write, report — `flask --app main import FILE...`.

Each file is read (reader.py), its columns matched (headers.py), its rows read into staging
records (orders.py, catalog.py) and written in one transaction (database/imports.py). The
report names every skipped row (file, line, column, reason) and counts per table; the exit
status is 0 when everything went in, 1 when rows were skipped, 2 when a file could not be
read at all — the worst of the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from database.imports import Counts, DemoShopPresent, Target, WriteFailed, write
from importer.catalog import people_rows, product_rows
from importer.headers import Columns, HeaderProblem, for_kind, kind_of, match, missing
from importer.mapping import Mapping
from importer.orders import Problem, Reading, Staged, staged_lines
from importer.reader import FileProblem, Row, read_csv, read_xlsx

OK, SKIPPED, UNREADABLE = 0, 1, 2
TABLE_ORDER = ("orders", "order_items", "products", "product_inventory", "customers", "employees")


@dataclass(frozen=True)
class Options:
    """How to import: what the command line and settings say."""

    dsn: str
    timezone: str
    kind: str | None = None
    mapping: Mapping = field(default_factory=Mapping)
    dry_run: bool = False
    replace_demo: bool = False
    sheet: str | None = None


@dataclass
class FileReport:
    """What happened to one file."""

    path: Path
    kind: str | None = None
    rows: int = 0
    error: str | None = None  # the file could not be read or written at all
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, Counts] = field(default_factory=dict)
    unused: tuple[str, ...] = ()

    @property
    def status(self) -> int:
        if self.error is not None:
            return UNREADABLE
        return SKIPPED if self.problems else OK


def _read(path: Path, sheet: str | None) -> tuple[list[str], Iterator[Row]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if path.suffix.lower() == ".xls":
        raise FileProblem(f"{path.name}: old Excel format (.xls); save it as .xlsx or CSV UTF-8")
    return read_csv(path)


async def import_file(
    path: Path, options: Options, progress: Callable[[int], None] | None = None
) -> FileReport:
    """Import one file and say what happened (never raises for a bad file)."""
    report = FileReport(path)
    try:
        names, rows = _read(path, options.sheet)
        columns = match(names, options.mapping.columns)
        kind = options.kind or kind_of(columns)
        columns = for_kind(columns, kind)
        lacking = missing(columns, kind)
        if lacking:
            raise HeaderProblem(
                f"no column for {', '.join(lacking)} in a {kind} file "
                f"(columns: {', '.join(names)}); name it in a mapping file"
            )
    except (FileProblem, HeaderProblem) as exc:
        report.error = str(exc)
        return report
    report.kind, report.unused = kind, columns.unknown
    reading = Reading(
        ZoneInfo(options.timezone),
        month_first=options.mapping.month_first,
        statuses=options.mapping.statuses,
        country_code=options.mapping.country_code,
        payments=options.mapping.payments,
    )
    staged = _staged(kind, _counted(rows, report, progress), columns, reading)
    target = Target(options.dsn, options.dry_run, options.replace_demo, reading.country_code)
    try:
        written = await write(target, kind, _records(staged, report))
    except FileProblem as exc:  # a broken record halfway: nothing of the file is written
        report.error, report.problems = str(exc), []
        return report
    except (DemoShopPresent, WriteFailed) as exc:
        report.error, report.problems = str(exc), []
        return report
    field_columns = columns.fields
    report.problems.extend(
        Problem(line, field_columns.get(name, name), reason)
        for line, name, reason in written.problems
    )
    report.problems.sort(key=lambda p: p.line)
    report.tables = written.tables
    if kind != "orders":
        report.tables.setdefault(kind, Counts()).skipped = len({p.line for p in report.problems})
    return report


def _staged(kind: str, rows: Iterable[Row], columns: Columns, reading: Reading) -> Iterator[Staged]:
    if kind == "orders":
        return staged_lines(rows, columns, reading)
    if kind == "products":
        return product_rows(rows, columns, reading)
    return people_rows(rows, columns, reading, kind)


def _counted(
    rows: Iterator[Row], report: FileReport, progress: Callable[[int], None] | None
) -> Iterator[Row]:
    for row in rows:
        report.rows += 1
        if progress is not None and report.rows % 5000 == 0:
            progress(row.line)
        yield row


def _records(staged: Iterator[Staged], report: FileReport) -> Iterator[tuple[object, ...]]:
    """The records to stage; problems are collected on the way (an orders file stages its
    bad lines too, so their orders are skipped whole; other files leave them out)."""
    for item in staged:
        report.problems.extend(item.problems)
        if item.record:
            yield item.record


def worst(reports: Iterable[FileReport]) -> int:
    return max((report.status for report in reports), default=OK)


def describe(report: FileReport, dry_run: bool = False) -> list[str]:
    """The report of one file as lines of text."""
    name = report.path.name
    if report.error is not None:
        return [f"{name}: not imported: {report.error}"]
    verb = "would import" if dry_run else "imported"
    lines = [f"{name}: {report.kind}, {report.rows:,} rows — {verb}"]
    if report.unused:
        lines.append(f"  columns not used: {', '.join(report.unused)}")
    for problem in report.problems:
        lines.append(f"  skipped {name} {problem}")
    lines.append(f"  {'table':<18}{'created':>10}{'updated':>10}{'unchanged':>11}{'skipped':>9}")
    for table in TABLE_ORDER:
        counts = report.tables.get(table)
        if counts is None:
            continue
        removed = f"  ({counts.removed:,} removed)" if counts.removed else ""
        lines.append(
            f"  {table:<18}{counts.created:>10,}{counts.updated:>10,}"
            f"{counts.unchanged:>11,}{counts.skipped:>9,}{removed}"
        )
    return lines


__all__ = ["FileReport", "Options", "describe", "import_file", "worst"]
