"""The streaming xlsx reader gives every cell the text `cell_text` makes of openpyxl's value."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.datetime import CALENDAR_MAC_1904

import ledger.xlsx.fast_rows
import ledger.xlsx.workbook
from ledger.generator import write_ledger
from ledger.record import RowParser
from ledger.source import SourceError, open_ledger
from ledger.xlsx import XlsxError, iter_xlsx_rows
from tests.ledger.builders import HEADER, id_number
from tests.ledger.openpyxl_oracle import cell_text

Row = tuple[int, list[str]]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
TODAY = date(2026, 11, 22)


def _trim(cells: Sequence[str]) -> list[str]:
    cells = list(cells)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def openpyxl_rows(path: Path) -> list[Row]:
    """The contract: openpyxl's read-only values, through `cell_text`, without trailing blanks.

    openpyxl also yields rows that the file does not have, as blank rows; they are dropped.
    """
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        values = workbook.worksheets[0].iter_rows(values_only=True)
        rows = [(n, _trim([cell_text(v) for v in row])) for n, row in enumerate(values, start=1)]
    finally:
        workbook.close()
    return [(n, cells) for n, cells in rows if cells]


def reader_rows(path: Path) -> list[Row]:
    """What the reader gives, compared the same way: trailing blanks and blank rows dropped."""
    rows = [(n, _trim(cells)) for n, cells in iter_xlsx_rows(path)]
    return [(n, cells) for n, cells in rows if cells]


def make_xlsx(
    path: Path,
    sheets: Sequence[tuple[str, str | bytes]],
    *,
    shared: str | None = None,
    styles: str | None = None,
    workbook_properties: str = "",
    strict: bool = False,
) -> Path:
    """A minimal workbook, by hand: (part name, XML) per sheet in workbook order."""
    ns, rels = (STRICT, STRICT_RELS) if strict else (MAIN, RELS)
    sheet_list = "".join(
        f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets))
    )
    links = [
        (f"rId{i + 1}", "worksheet", f"worksheets/{name}") for i, (name, _) in enumerate(sheets)
    ]
    if shared is not None:
        links.append(("rIdS", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        links.append(("rIdT", "styles", "styles.xml"))
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/{name}" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for name, _ in sheets
    )
    if shared is not None:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    if styles is not None:
        overrides += (
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            xml + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            xml + f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            xml + f'<workbook xmlns="{ns}" xmlns:r="{rels}">{workbook_properties}'
            f"<sheets>{sheet_list}</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            xml
            + f'<Relationships xmlns="{PACKAGE}">'
            + "".join(
                f'<Relationship Id="{i}" Type="{rels}/{kind}" Target="{target}"/>'
                for i, kind, target in links
            )
            + "</Relationships>",
        )
        for name, text in sheets:
            archive.writestr(f"xl/worksheets/{name}", text)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
    return path


def sheet_xml(rows: str, *, ns: str = MAIN) -> str:
    """A worksheet part around the rows' XML."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<worksheet xmlns="{ns}" xmlns:r="{RELS}" xmlns:x14ac="{X14AC}">'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetData>{rows}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
        'bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )


SHARED = (
    f'<sst xmlns="{MAIN}" count="5" uniqueCount="5">'
    "<si><t>共享</t></si>"
    '<si><r><t>富</t></r><r><rPr><sz val="11"/></rPr><t xml:space="preserve"> 文本</t></r></si>'
    '<si><t>弥勒</t><rPh sb="0" eb="2"><t>ミロク</t></rPh>'
    '<phoneticPr fontId="1" type="noConversion"/></si>'
    '<si><t xml:space="preserve">  两端空格  </t></si>'
    "<si><t>a &amp; b</t></si>"
    "</sst>"
)
PLAIN_SHARED = (
    f'<?xml version="1.0" encoding="UTF-8"?>\r\n<sst xmlns="{MAIN}" count="4" uniqueCount="4">'
    '<si><t>共享</t><phoneticPr fontId="1" type="noConversion"/></si>'
    '<si><t xml:space="preserve">  两端空格  </t></si>'
    "<si><t>a &amp; b &lt;c&gt; &#20013;&#x6587;</t></si>"
    "<si><t>line\r\nbreak</t></si>"
    "</sst>"
)
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1">'
    '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="20"/><xf numFmtId="46"/><xf numFmtId="49"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Every kind of cell, in the shapes Excel writes, and a few it writes less often.
CELLS = (
    '<row r="1" spans="1:27" x14ac:dyDescent="0.25">'
    '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="s"><v>3</v></c><c r="E1" t="inlineStr"><is><t>行内</t></is></c>'
    '<c r="F1" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr>'
    '<t xml:space="preserve"> 文本</t></r></is></c>'
    '<c r="G1" t="str"><f>CONCAT("a","b")</f><v>ab</v></c>'
    '<c r="H1" t="e"><f>NA()</f><v>#N/A</v></c><c r="I1"><f>1+1</f><v>2</v></c>'
    '<c r="J1" t="b"><v>1</v></c><c r="K1" t="b"><v>0</v></c>'
    '<c r="L1" t="d"><v>2024-03-05T10:20:00</v></c>'
    '<c r="N1"><v>13812345678</v></c><c r="O1"><v>5.32504199001011E+17</v></c>'
    '<c r="P1" s="1"><v>45352</v></c><c r="Q1" s="2"><v>45352.75</v></c>'
    '<c r="R1" s="3"><v>0.5</v></c><c r="S1" s="4"><v>1.25</v></c>'
    '<c r="T1" t="n"><v>13812345678.0</v></c><c r="U1" s="5"><v>-7</v></c>'
    '<c r="V1" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &#20013;&#x6587;&#x20000;</t></is></c>'
    '<c r="W1" t="inlineStr"><is><t>line\r\nbreak</t></is></c><c r="X1" s="1"/>'
    '<c r="Y1" t="s"><v>4</v></c><c r="Z1" t="shared"><v>x</v></c><c r="AA1"><v>3.25</v></c>'
    "</row>"
    '<row r="3" spans="1:3" x14ac:dyDescent="0.25"><c r="A3" t="s"><v>0</v></c></row>'
    '<row r="7"/>'
    '<row r="9"><c r="C9"><v>7</v></c><c r="E9" t="str"><f t="shared" ref="E9:E10" si="0">'
    "A9</f><v> x </v></c></row>"
    '<row r="10"><c r="E10" t="str"><f t="shared" si="0"/><v>y</v></c></row>'
)


def test_every_cell_kind_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    """Shared, inline and rich strings, formulas' cached values, errors, bools, numbers, dates."""
    path = make_xlsx(
        tmp_path / "k.xlsx", [("sheet1.xml", sheet_xml(CELLS))], shared=SHARED, styles=STYLES
    )
    rows = reader_rows(path)
    assert rows == openpyxl_rows(path)
    first = dict(zip((f"{chr(65 + i)}" for i in range(26)), rows[0][1], strict=False))
    assert first["B"] == "富 文本"
    assert first["C"] == "弥勒"
    assert first["D"] == "  两端空格  "
    assert first["F"] == "富 文本"
    assert first["G"] == "ab"
    assert first["H"] == "#N/A"
    assert first["J"] + first["K"] == "是否"
    assert first["L"] == "2024-03-05"
    assert first["M"] == ""
    assert first["N"] == first["T"] == "13812345678"
    assert first["O"] == "5.32504199001011e+17"
    assert first["P"] == first["Q"] == "2024-03-01"
    assert first["R"] == "12:00:00"
    assert first["S"] == "1 day, 6:00:00"
    assert first["V"] == "a & b <c> 中文\U00020000"
    assert first["W"] == "line\nbreak"
    assert [n for n, _ in rows] == [1, 3, 9, 10]


def test_plain_shared_strings_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """A table of plain strings (the common, fast case) with escapes, phonetics and line ends."""
    rows = '<row r="1">' + "".join(
        f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD")
    )
    path = make_xlsx(
        tmp_path / "s.xlsx", [("sheet1.xml", sheet_xml(rows + "</row>"))], shared=PLAIN_SHARED
    )
    assert reader_rows(path) == openpyxl_rows(path)
    assert reader_rows(path)[0][1] == ["共享", "  两端空格  ", "a & b <c> 中文", "line\nbreak"]


def _values_workbook(workbook: Any, *, write_only: bool) -> None:
    rows: list[list[Any]] = [
        ["姓名", "公民身份号码", "联系电话", None, "备注"],
        ["张三", "532504198001010011", 13812345678, None, "  前后空格 & <标记>  "],
        ["李四", 5.32504199001011e17, 13812345678.0, 3.25, True],
        [None, None, None, None, None],
        ["王五", -12, 0.1, False, date(2024, 3, 5)],
        # Spreadsheet dates have no time zone: naive datetimes are what openpyxl writes.
        [datetime(2024, 3, 5, 23, 59), time(12, 30), timedelta(days=1, hours=2), 1e15, 1e-7],  # noqa: DTZ001
        ["", "多行\n文本", 10**14, 2**53, "=1+1"],
    ]
    sheet = workbook.create_sheet("台账") if write_only else workbook.active
    for row in rows:
        if write_only:
            cells: list[Any] = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, datetime | date):
                    cell.number_format = "yyyy年m月"
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append(row)
    if not write_only:
        sheet["E5"].number_format = "yyyy年m月"
        sheet.append([])
        sheet.append([None, None, "空行之后"])
    other = workbook.create_sheet("第二页")
    other.append(["must not be read"])


@pytest.mark.parametrize(
    ("iso_dates", "epoch"),
    [(False, None), (True, None), (False, CALENDAR_MAC_1904)],
    ids=["serial-dates", "iso-dates", "1904"],
)
def test_openpyxl_workbook_reads_identically(
    tmp_path: Path, iso_dates: bool, epoch: datetime | None
) -> None:
    """An openpyxl workbook of strings, numbers, bools, dates, gaps and blank rows."""
    workbook = Workbook()
    workbook.iso_dates = iso_dates
    if epoch is not None:
        workbook.epoch = epoch
    _values_workbook(workbook, write_only=False)
    workbook.save(tmp_path / "w.xlsx")
    rows = reader_rows(tmp_path / "w.xlsx")
    assert rows == openpyxl_rows(tmp_path / "w.xlsx")
    assert rows[2][1][:3] == ["李四", "5.32504199001011e+17", "13812345678"]
    assert rows[3][1][4] == "2024-03-05"
    assert rows[-1] == (9, ["", "", "空行之后"])


def test_write_only_workbook_reads_identically(tmp_path: Path) -> None:
    """A write-only workbook, as the generator writes: inline strings and styled cells."""
    workbook = Workbook(write_only=True)
    _values_workbook(workbook, write_only=True)
    workbook.save(tmp_path / "w.xlsx")
    assert reader_rows(tmp_path / "w.xlsx") == openpyxl_rows(tmp_path / "w.xlsx")


def test_generated_ledger_reads_identically(tmp_path: Path) -> None:
    """The project's own generated ledgers, bad rows included, read as openpyxl reads them."""
    path = tmp_path / "ledger.xlsx"
    write_ledger(path, 400, seed=11, today=TODAY, bad_fraction=0.3)
    rows = list(iter_xlsx_rows(path))
    assert len(rows) == 401
    assert reader_rows(path) == openpyxl_rows(path)


def test_first_sheet_is_found_in_workbook_order(tmp_path: Path) -> None:
    """The first sheet of the workbook is read, whatever its part is called; the others not."""
    first = sheet_xml('<row r="2"><c r="B2" t="inlineStr"><is><t>名单</t></is></c></row>')
    second = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>other</t></is></c></row>')
    path = make_xlsx(tmp_path / "o.xlsx", [("data.xml", first), ("sheet1.xml", second)])
    assert reader_rows(path) == openpyxl_rows(path) == [(2, ["", "名单"])]


def _prefixed(xml: str) -> str:
    body = re.sub(r"<(/?)(\w+)", r"<\1x:\2", xml.split("\n", 1)[1])
    return body.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')


# Markup the scan does not take in stride: each is read by expat instead, from that row on or
# for that row alone, and must read exactly the same.
UNUSUAL = {
    "comment-first": ("<sheetData>", "<sheetData><!-- 说明 -->"),
    "comment-mid": ('<row r="3"', '<!-- </row> --><row r="3"'),
    "cdata": ("<v>7</v>", "<v><![CDATA[7]]></v>"),
    "attributes-reordered": ('<c r="A3" t="s">', '<c t="s" r="A3">'),
    "single-quotes": ('<c r="C9">', "<c r='C9'>"),
    "no-cell-reference": ('<c r="C9">', "<c>"),
    "no-row-number": ('<row r="10">', "<row>"),
    "spaces-in-tags": ('<row r="9">', '<row  r = "9" >'),
    "rich-inline": ("<is><t>行内</t></is>", "<is><r><t>行</t></r><r><t>内</t></r></is>"),
    "cell-extension": ("<v>7</v></c>", "<v>7</v><extLst/></c>"),
    "processing-instruction": ('<row r="9">', '<?mso x?><row r="9">'),
    "foreign-element": ("<v>7</v></c>", "<v>7</v><x14ac:note>n</x14ac:note></c>"),
    "row-number-as-float": ('<row r="9">', '<row r="9.0">'),
}


@pytest.mark.parametrize("change", sorted(UNUSUAL))
def test_unusual_markup_reads_identically(tmp_path: Path, change: str) -> None:
    """Well-formed markup in shapes the scan does not recognise is read by expat, identically."""
    old, new = UNUSUAL[change]
    xml = sheet_xml(CELLS)
    assert old in xml
    path = make_xlsx(
        tmp_path / "u.xlsx",
        [("sheet1.xml", xml.replace(old, new, 1))],
        shared=SHARED,
        styles=STYLES,
    )
    rows = reader_rows(path)
    assert rows == openpyxl_rows(path)
    plain = make_xlsx(tmp_path / "p.xlsx", [("sheet1.xml", xml)], shared=SHARED, styles=STYLES)
    if change != "no-cell-reference":  # that cell moves to column A, as openpyxl puts it
        assert rows == reader_rows(plain)


@pytest.mark.parametrize(
    "encode",
    [
        lambda xml: _prefixed(xml).encode(),
        lambda xml: xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        lambda xml: b"\xef\xbb\xbf" + xml.encode(),
    ],
    ids=["prefixed-namespace", "utf-16", "utf-8-bom"],
)
def test_other_serialisations_read_identically(tmp_path: Path, encode: Any) -> None:
    """A namespace prefix, UTF-16 and a byte-order mark change nothing."""
    path = make_xlsx(
        tmp_path / "e.xlsx",
        [("sheet1.xml", encode(sheet_xml(CELLS)))],
        shared=SHARED,
        styles=STYLES,
    )
    plain = make_xlsx(
        tmp_path / "p.xlsx", [("sheet1.xml", sheet_xml(CELLS))], shared=SHARED, styles=STYLES
    )
    assert reader_rows(path) == openpyxl_rows(path) == reader_rows(plain)


def test_strict_ooxml_reads_as_transitional(tmp_path: Path) -> None:
    """A strict OOXML workbook (which openpyxl cannot open) reads as its transitional twin."""
    strict = make_xlsx(
        tmp_path / "strict.xlsx",
        [("sheet1.xml", sheet_xml(CELLS, ns=STRICT))],
        shared=SHARED.replace(MAIN, STRICT),
        styles=STYLES.replace(MAIN, STRICT),
        strict=True,
    )
    plain = make_xlsx(
        tmp_path / "p.xlsx", [("sheet1.xml", sheet_xml(CELLS))], shared=SHARED, styles=STYLES
    )
    assert reader_rows(strict) == reader_rows(plain)


def test_row_inside_a_row_is_numbered_as_openpyxl_numbers_it(tmp_path: Path) -> None:
    """A <row> nested in a row counts as a row, so the rows after it keep openpyxl's numbers."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row><row></row><c r="A3"><v>3</v></c></row><row><c><v>4</v></c></row>'
    )
    path = make_xlsx(tmp_path / "n.xlsx", [("sheet1.xml", sheet_xml(rows))])
    assert reader_rows(path) == openpyxl_rows(path) == [(1, ["1"]), (3, ["3"]), (4, ["4"])]


def test_1904_date_system_is_honoured(tmp_path: Path) -> None:
    """Serial dates count from 1904 when the workbook says so."""
    rows = '<row r="1"><c r="A1" s="1"><v>1</v></c><c r="B1" s="1"><v>45352</v></c></row>'
    path = make_xlsx(
        tmp_path / "m.xlsx",
        [("sheet1.xml", sheet_xml(rows))],
        styles=STYLES,
        workbook_properties='<workbookPr date1904="1"/>',
    )
    assert reader_rows(path) == openpyxl_rows(path) == [(1, ["1904-01-02", "2028-03-02"])]


# Styles 1 to 5 use built-in formats that Excel and WPS in a Chinese locale write without
# declaring them: yyyy"年"m"月"d"日" (31), yyyy"年"m"月" (57), m"月"d"日" (58), h"时"mm"分" (32);
# then yyyy/m/d (14), which openpyxl knows.
CHINESE_STYLES = (
    f'<styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="57"/>'
    '<xf numFmtId="58"/><xf numFmtId="32"/><xf numFmtId="14"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@pytest.mark.parametrize("comment", ["", "<!---->"], ids=["scan", "expat"])
def test_chinese_builtin_date_formats_read_as_dates(tmp_path: Path, comment: str) -> None:
    """Undeclared built-in formats 27–36 and 50–58 make a number cell a date, on either path.

    openpyxl reads these cells as plain numbers, so this cannot be compared to openpyxl: the
    expected texts are the dates staff see in Excel and WPS.
    """
    cells = "".join(f'<c r="{c}1" s="{s}"><v>45352</v></c>' for s, c in enumerate("ABCDEF"))
    rows = f'<row r="1">{cells}<c r="G1" s="4"><v>0.5</v></c></row>'
    xml = sheet_xml(rows).replace("<sheetData>", "<sheetData>" + comment)
    path = make_xlsx(tmp_path / "c.xlsx", [("sheet1.xml", xml)], styles=CHINESE_STYLES)
    assert reader_rows(path) == [(1, ["45352", *["2024-03-01"] * 5, "12:00:00"])]


def test_declared_format_wins_over_a_chinese_builtin(tmp_path: Path) -> None:
    """A number format the file declares with id 57 is the cell's format, as openpyxl reads it."""
    styles = CHINESE_STYLES.replace(
        "<fonts", '<numFmts count="1"><numFmt numFmtId="57" formatCode="0.00"/></numFmts><fonts'
    )
    rows = '<row r="1"><c r="A1" s="1"><v>45352</v></c><c r="B1" s="2"><v>45352</v></c></row>'
    path = make_xlsx(tmp_path / "d.xlsx", [("sheet1.xml", sheet_xml(rows))], styles=styles)
    assert reader_rows(path) == [(1, ["2024-03-01", "45352"])]
    assert openpyxl_rows(path)[0][1][1] == "45352"


def test_chinese_month_cell_imports_as_its_month(tmp_path: Path) -> None:
    """A 养老保险最后缴费年月 cell shown as 2024年3月 (format 57) imports as month 2024-03.

    Not comparable to openpyxl, which reads the cell as the number 45352.
    """
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{title}</t></is></c>'
        for i, title in enumerate(HEADER)
    )
    resident = id_number("19800101", 1)
    month_at = HEADER.index("养老保险最后缴费年月")
    rows = (
        f'<row r="1">{header}</row><row r="2">'
        '<c r="A2" t="inlineStr"><is><t>张三</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>{resident}</t></is></c>'
        f'<c r="{chr(65 + month_at)}2" s="2"><v>45352</v></c></row>'
    )
    path = make_xlsx(tmp_path / "l.xlsx", [("sheet1.xml", sheet_xml(rows))], styles=CHINESE_STYLES)
    with open_ledger(path) as (columns, data):
        parser = RowParser(columns, today=TODAY)
        parsed = list(data)
    assert len(parsed) == 1
    number, cells = parsed[0]
    assert isinstance(cells, list)
    assert cells[month_at] == "2024-03-01"
    values = parser.parse(number, cells)
    assert isinstance(values, tuple)
    assert dict(zip(parser.columns, values, strict=True))["pension_last_paid"] == date(2024, 3, 1)


@pytest.mark.parametrize("chunk", [1, 7, 100, 4096])
def test_chunk_boundaries_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Rows, characters and line ends split across reads come out whole."""
    path = tmp_path / "ledger.xlsx"
    write_ledger(path, 60, seed=5, today=TODAY, bad_fraction=0.2)
    mixed = make_xlsx(
        tmp_path / "k.xlsx", [("sheet1.xml", sheet_xml(CELLS))], shared=SHARED, styles=STYLES
    )
    whole = [list(iter_xlsx_rows(path)), list(iter_xlsx_rows(mixed))]
    monkeypatch.setattr(ledger.xlsx.workbook, "_CHUNK", chunk)
    assert [list(iter_xlsx_rows(path)), list(iter_xlsx_rows(mixed))] == whole


def test_cells_out_of_order_and_sheets_without_rows(tmp_path: Path) -> None:
    """Cells land by their column, the last of two wins; a sheet without rows yields none."""
    rows = '<row r="1"><c r="C1"><v>3</v></c><c r="A1"><v>1</v></c><c r="C1"><v>4</v></c></row>'
    path = make_xlsx(tmp_path / "o.xlsx", [("sheet1.xml", sheet_xml(rows))])
    assert reader_rows(path) == openpyxl_rows(path) == [(1, ["1", "", "4"])]
    bare = f'<worksheet xmlns="{MAIN}"><sheetViews/></worksheet>'
    empty = make_xlsx(
        tmp_path / "e.xlsx", [("sheet1.xml", bare)], shared=f'<sst xmlns="{MAIN}" count="0"></sst>'
    )
    assert reader_rows(empty) == openpyxl_rows(empty) == []


def test_date_out_of_range_reads_as_openpyxl_error_value(tmp_path: Path) -> None:
    """A date cell past the calendar reads as #VALUE!, openpyxl's value for it (with a warning)."""
    rows = '<row r="1"><c r="A1" s="1"><v>1E+20</v></c></row>'
    path = make_xlsx(tmp_path / "d.xlsx", [("sheet1.xml", sheet_xml(rows))], styles=STYLES)
    with pytest.warns(UserWarning, match="outside the limits for dates"):
        expected = openpyxl_rows(path)
    assert reader_rows(path) == expected == [(1, ["#VALUE!"])]


def test_endless_row_raises_xlsx_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row longer than the limit stops the read rather than filling memory."""
    cells = "".join(f'<c r="A{n}"><v>{n}</v></c>' for n in range(1, 200))
    path = make_xlsx(tmp_path / "l.xlsx", [("sheet1.xml", sheet_xml(f'<row r="1">{cells}</row>'))])
    monkeypatch.setattr(ledger.xlsx.workbook, "_CHUNK", 64)
    monkeypatch.setattr(ledger.xlsx.fast_rows, "_ROW_LIMIT", 1000)
    with pytest.raises(XlsxError, match="longer than"):
        list(iter_xlsx_rows(path))


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


BROKEN_ROWS = {
    "truncated": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"',
    "mismatched": '<row r="1"><c r="A1"><v>1</c></row>',
    "control-character": '<row r="1"><c r="A1" t="str"><v>a\x01b</v></c></row>',
    "bad-entity": '<row r="1"><c r="A1" t="str"><v>a &nbsp; b</v></c></row>',
    "bare-ampersand": '<row r="1"><c r="A1" t="str"><v>a & b</v></c></row>',
    "shared-index": '<row r="1"><c r="A1" t="s"><v>99</v></c></row>',
    "negative-shared-index": '<row r="1"><c r="A1" t="s"><v>-1</v></c></row>',
    "not-a-number": '<row r="1"><c r="A1"><v>abc</v></c></row>',
    "bad-row-number": '<row r="x"><c r="A1"><v>1</v></c></row>',
    "bad-reference": '<row r="1"><c r="1A"><v>1</v></c></row>',
}


@pytest.mark.parametrize("case", sorted(BROKEN_ROWS))
def test_broken_sheets_raise_xlsx_error(tmp_path: Path, case: str) -> None:
    """A damaged sheet stops the read with XlsxError, however far it got."""
    xml = sheet_xml(BROKEN_ROWS[case])
    if case == "truncated":
        xml = xml[: xml.index("</sheetData>")]
    path = make_xlsx(tmp_path / "b.xlsx", [("sheet1.xml", xml)], shared=SHARED)
    with pytest.raises(XlsxError):
        list(iter_xlsx_rows(path))


def test_damaged_workbooks_raise_xlsx_error(tmp_path: Path) -> None:
    """Not a zip, a zip without a workbook, no worksheet, a DTD: XlsxError, in English."""
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    no_workbook = _zip(tmp_path / "empty.xlsx", {"hello.txt": b"hello"})
    no_sheet = make_xlsx(tmp_path / "none.xlsx", [])
    bomb = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    dtd = make_xlsx(
        tmp_path / "dtd.xlsx",
        [
            (
                "sheet1.xml",
                sheet_xml('<row r="1"><c r="A1" t="str"><v>&b;</v></c></row>').replace(
                    "\r\n", "\r\n" + bomb, 1
                ),
            )
        ],
    )
    for path, message in [
        (garbage, "not a zip"),
        (no_workbook, "no workbook"),
        (no_sheet, "no worksheet"),
        (dtd, "document type declaration"),
    ]:
        with pytest.raises(XlsxError, match=message):
            list(iter_xlsx_rows(path))


def test_source_translates_reader_errors(tmp_path: Path) -> None:
    """open_ledger turns a damaged workbook into the bilingual SourceError."""
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(SourceError) as raised, open_ledger(path):
        pass
    assert "Excel" in raised.value.zh
    assert "workbook" in raised.value.en


# tmp_path is shared by the examples of a test; each example overwrites its files.
_FIXTURE = HealthCheck.function_scoped_fixture
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\n\t"), max_size=12
).filter(lambda s: not s.startswith("="))
_VALUES = st.one_of(
    st.none(),
    _TEXT,
    st.sampled_from(["张三", "弥勒市", "532504198001010011", " a & b ", "<x>"]),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),  # noqa: DTZ001
)


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(grid=st.lists(st.lists(_VALUES, max_size=8), max_size=6))
def test_any_openpyxl_values_read_identically(tmp_path: Path, grid: list[list[Any]]) -> None:
    """Whatever values openpyxl writes, the reader reads what openpyxl reads."""
    workbook = Workbook()
    sheet = workbook.active
    for row in grid:
        sheet.append(row)
    workbook.save(tmp_path / "h.xlsx")
    assert reader_rows(tmp_path / "h.xlsx") == openpyxl_rows(tmp_path / "h.xlsx")


_CELL_SHAPES = [
    '<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
    '<c r="{ref}" s="1" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>',
    '<c r="{ref}" t="s"><v>{index}</v></c>',
    '<c r="{ref}" s="1" t="s"><v>{index}</v></c>',
    '<c r="{ref}"><v>{number}</v></c>',
    '<c r="{ref}" s="2"><v>{serial}</v></c>',
    '<c r="{ref}" s="3"><v>{serial}</v></c>',
    '<c r="{ref}" t="b"><v>1</v></c>',
    '<c r="{ref}" t="str"><f>A1</f><v>{text}</v></c>',
    '<c r="{ref}" t="e"><v>#DIV/0!</v></c>',
    '<c r="{ref}" s="1"/>',
    '<c r="{ref}" t="inlineStr"/>',
    '<c r="{ref}"></c>',
    '<c t="s" r="{ref}"><v>{index}</v></c>',
    '<c r="{ref}"><f>1/0</f></c>',
    '<c r="{ref}"><!-- note --><v>{number}</v></c>',
]


@settings(max_examples=60, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    rows=st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 30),
                st.sampled_from(_CELL_SHAPES),
                st.sampled_from(["中文", "a &amp; b", "", " x ", "&#x4e2d;"]),
                st.integers(0, 3),
                st.sampled_from(["1", "2.5", "-3", "1E+20", "45352", "13812345678.0"]),
                st.sampled_from(["0", "0.25", "1", "60", "61", "45352.5", "-3"]),
            ),
            max_size=6,
        ),
        max_size=12,
    ),
    gaps=st.lists(st.integers(1, 3), min_size=12, max_size=12),
)
def test_mixed_shapes_read_identically(
    tmp_path: Path, rows: list[list[tuple[int, str, str, int, str, str]]], gaps: list[int]
) -> None:
    """Rows mixing every cell shape read as openpyxl reads them, and as expat alone reads them."""
    from openpyxl.utils import get_column_letter

    number = 0
    parts = []
    for cells, gap in zip(rows, gaps, strict=False):
        number += gap
        columns = sorted({column for column, *_ in cells})
        xml = "".join(
            shape.format(
                ref=f"{get_column_letter(column + 1)}{number}",
                text=text,
                index=index,
                number=value,
                serial=serial,
            )
            for column, (_, shape, text, index, value, serial) in zip(columns, cells, strict=False)
        )
        parts.append(f'<row r="{number}">{xml}</row>')
    xml = sheet_xml("".join(parts))
    path = make_xlsx(tmp_path / "m.xlsx", [("sheet1.xml", xml)], shared=PLAIN_SHARED, styles=STYLES)
    slow = make_xlsx(
        tmp_path / "s.xlsx",
        [("sheet1.xml", xml.replace("<sheetData>", "<sheetData><!---->"))],
        shared=PLAIN_SHARED,
        styles=STYLES,
    )
    assert reader_rows(path) == openpyxl_rows(path) == reader_rows(slow)
