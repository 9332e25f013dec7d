"""Streaming reader of an .xlsx workbook's first worksheet, as the cell texts staff see.

Each cell's text is exactly what the importer would make of the value openpyxl reads (the
contract is tests/ledger/openpyxl_oracle.py), except for the Chinese built-in date formats
(below), at over ten times openpyxl's speed. Rows in the
shapes that Excel, WPS, LibreOffice and openpyxl write are scanned with regular expressions over
the raw bytes (`fast_rows`); a row in any other shape is parsed on its own by expat, and anything
that could make the scan misread the sheet (a comment, CDATA, an encoding other than UTF-8)
hands the rest of the sheet to expat (`expat_rows`), so the scan never guesses. Memory holds a
chunk of the sheet and the shared-string table, as in every xlsx reader.

One deliberate difference from openpyxl: a cell styled with a built-in number format that Excel
and WPS use in a Chinese locale without declaring it (ids 27–36 and 50–58, e.g. yyyy"年"m"月")
is a date, as staff see it, where openpyxl reads a plain number.

Known differences from openpyxl, all on files no spreadsheet program writes: cells out of
column order are all kept (openpyxl drops those right of the row's last cell); and the scan
does not check everything expat would (stray text between cells, "]]>" or U+FFFE in a text),
so such a file is read rather than refused.

The modules, from the archive down: `workbook` (the zip, the first sheet, limits), `styles`
and `shared_strings` (parts read whole), `sheet` (which path reads the rows), `fast_rows` and
`expat_rows` (the two paths), `cells` (a cell's text); and the helpers they share: `head`,
`events`, `parsers`, `markup`, `references`, `errors`.
"""

from ledger.xlsx.errors import XlsxError
from ledger.xlsx.workbook import iter_xlsx_rows

__all__ = ["XlsxError", "iter_xlsx_rows"]
