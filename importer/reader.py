"""CSV files and Excel workbooks as point-of-sale systems and Excel write them, row by row
with their own line numbers, streamed (a file of any size in bounded memory).

- Encodings: UTF-8 with or without a BOM; UTF-16 with its BOM (Excel's "Unicode text");
  anything else is refused with one readable line (`FileProblem`).
- Delimiter: comma, semicolon or tab, whichever the header line uses most.
- Line numbers are the file's own: the header is line 1, a quoted field spanning lines
  counts its lines, and a record is named by its first line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

DELIMITERS = (",", ";", "\t")
SNIFF_BYTES = 64 * 1024


class FileProblem(Exception):
    """A file that cannot be read at all (the import's exit status 2)."""


@dataclass(frozen=True)
class Row:
    """One record: its first line's number and its cells by header."""

    line: int
    cells: dict[str, str]


def encoding_of(head: bytes) -> str:
    """The file's encoding from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not only a character cut at the sniffing boundary
            raise FileProblem(
                f"not UTF-8 or UTF-16 text (byte {exc.start + 1}); save it as CSV UTF-8"
            ) from exc
    return "utf-8"


def delimiter_of(header: str) -> str:
    """The delimiter the header line uses most (outside quotes)."""
    counts = {d: _outside_quotes(header).count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","  # one column
    return best


def _outside_quotes(line: str) -> str:
    return "".join(part for index, part in enumerate(line.split('"')) if index % 2 == 0)


def read_csv(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header's column names and the file's rows (streamed)."""
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
    except OSError as exc:
        raise FileProblem(f"cannot open {path}: {exc.strerror or exc}") from exc
    if not head.strip():
        raise FileProblem(f"{path.name} is empty")
    encoding = encoding_of(head)
    stream = path.open(encoding=encoding, newline="")
    try:
        first = stream.readline()
        delimiter = delimiter_of(first)
        header = next(csv.reader([first], delimiter=delimiter))
    except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
        stream.close()
        raise FileProblem(f"{path.name}: unreadable header ({exc})") from exc
    columns = [name.strip() for name in header]
    if not any(columns):
        stream.close()
        raise FileProblem(f"{path.name}: the first line has no column names")
    return columns, _rows(stream, columns, delimiter, path)


def _rows(stream: io.TextIOBase, columns: list[str], delimiter: str, path: Path) -> Iterator[Row]:
    """Records after the header, each named by its first line (the header is line 1)."""
    with stream:
        reader = csv.reader(stream, delimiter=delimiter)
        done = 1  # lines consumed so far: the header
        try:
            for record in reader:
                first = done + 1
                done = 1 + reader.line_num
                values = list(map(str.strip, record))
                if not "".join(values):
                    continue  # a blank line
                yield Row(first, dict(zip(columns, values, strict=False)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileProblem(f"{path.name} line {done + 1}: {exc}") from exc


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[list[str], Iterator[Row]]:
    """An Excel workbook's first sheet (or `sheet`), streamed: the header's column names and
    the rows, each named by its row number. Dates come as shop-local ISO text; numbers as
    text `values.money` reads exactly (a fraction of three digits is padded, "1234.5670",
    so it is never taken for a thousands separator)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, BadZipFile, KeyError, ValueError) as exc:
        raise FileProblem(f"cannot read {path.name} as an Excel workbook: {exc}") from exc
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise FileProblem(f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(names)})")
        worksheet = book[sheet or names[0]]
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
    except FileProblem:
        book.close()
        raise
    if not header or not any(cell not in (None, "") for cell in header):
        book.close()
        raise FileProblem(f"{path.name}: the first row has no column names")
    columns = [_text(cell).strip() for cell in header]
    return columns, _sheet_rows(book, rows, columns)


def _sheet_rows(book: Any, rows: Iterator[tuple[Any, ...]], columns: list[str]) -> Iterator[Row]:
    try:
        for number, values in enumerate(rows, 2):
            cells = [_text(value).strip() for value in values]
            if any(cells):
                yield Row(number, dict(zip(columns, cells, strict=False)))
    finally:
        book.close()


def _text(value: Any) -> str:
    """A cell as the text an export would have written."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if number == number.to_integral_value():
            return str(number.quantize(Decimal(1)))
        whole, _, fraction = format(number, "f").partition(".")
        return f"{whole}.{fraction.ljust(4, '0') if len(fraction) == 3 else fraction}"
    return str(value)
