"""Tables as downloads: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
Chinese correctly) and XLSX written with openpyxl. Any area may use them.

A table is a header row and data rows of str, int, float or None.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

Row = Sequence[object]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def disposition(filename: str) -> str:
    """An attachment header for ``filename`` (ASCII fallback and the UTF-8 name)."""
    from urllib.parse import quote

    return f"attachment; filename=\"{filename.encode('ascii', 'replace').decode()}\"; " \
           f"filename*=UTF-8''{quote(filename)}"


def csv_bytes(header: Row, rows: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet program.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else
                         ("" if v is None else v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(header: Row, rows: Iterable[Row], sheet: str = "Sheet1") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Strings are stored as text; openpyxl never turns them into formulas unless they
        # start with "=", which we store with a leading apostrophe-free quote prefix.
        ws.append([("'" + v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(kind: str, filename: str, header: Row, rows: Iterable[Row]) -> Response:
    """A CSV or XLSX attachment named ``filename`` + the extension. Raises KeyError on an
    unknown ``kind``."""
    body, mimetype = {"csv": lambda: (csv_bytes(header, rows), "text/csv; charset=utf-8"),
                      "xlsx": lambda: (xlsx_bytes(header, rows), XLSX)}[kind]()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = disposition(f"{filename}.{kind}")
    return response
