"""Hostile files built on the fly (nothing of them is committed): a merged range over a whole
worksheet, a zip bomb, many rows, billion laughs and deeply nested documents.

The tests build them small; ``benchmarks/hostile_parse.py`` builds them at the sizes the issue
measured (a 1.7 KB merge-cell XLSX, a 2.5 MB zip bomb of 744 MB, a 1,000,000-row sheet).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
        '<sheet name="目录" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
HEADER = ("数据资源名称", "提供部门", "摘要")


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def _row(cells: Iterable[str], number: int | None = None) -> str:
    r = f' r="{number}"' if number else ""
    return f"<row{r}>{''.join(_cell(c) for c in cells)}</row>"


def xlsx(sheet_body: Iterable[bytes], level: int = 9, zip64: bool = True) -> bytes:
    """A workbook of one sheet whose XML is ``sheet_body`` (streamed: it may be huge)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as sheet:
            for chunk in sheet_body:
                sheet.write(chunk)
    return out.getvalue()


def _sheet(rows: Iterable[str], after: str = "", dimension: str | None = None) -> Iterable[bytes]:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
    yield f"{head}{dim}<sheetData>".encode()
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 10_000:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + f"</sheetData>{after}</worksheet>").encode()


def merge_cell_xlsx(ref: str = "A2:XFD1048576") -> bytes:
    """A catalog header, one record, and one merged range over the whole sheet (~1.7 KB)."""
    rows = [_row(HEADER, 1), _row(("人口统计", "南宁市统计局", "各区人口"), 2)]
    return xlsx(_sheet(rows, f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'))


def zip_bomb_xlsx(unpacked: int, zip64: bool = True) -> bytes:
    """A sheet of ``unpacked`` bytes of the same row over and over: it deflates ~300 times."""
    row = _row(("人口统计", "南宁市统计局", "各区人口"))
    count = unpacked // len(row.encode())
    return xlsx(_sheet([_row(HEADER), *(row for _ in range(count))]), zip64=zip64)


def many_rows_xlsx(rows: int, dimension: bool = False) -> bytes:
    """A catalog of ``rows`` records, with or without the ``<dimension>`` that announces them."""
    body = (_row((f"数据集{n}", "南宁市统计局", f"第{n}条"), n + 1) for n in range(1, rows + 1))
    ref = f"A1:C{rows + 1}" if dimension else None
    return xlsx(_sheet([_row(HEADER, 1), *body], dimension=ref), level=1)


def entities_xlsx() -> bytes:
    """A workbook whose sheet XML declares billion-laughs entities and uses them in a cell."""
    laughs = billion_laughs_rdf().decode()
    doctype = laughs[laughs.index("<!DOCTYPE") : laughs.index("]>") + 2].replace(
        "rdf:RDF", "worksheet"
    )
    cells = _row(HEADER, 1) + _row(("&l9;", "南宁市统计局", "摘要"), 2)
    return xlsx(
        [f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{MAIN}"><sheetData>{cells}'
         "</sheetData></worksheet>".encode()]
    )  # fmt: skip


def lie_about_size(workbook: bytes, member: str, size: int) -> bytes:
    """The workbook with ``member``'s uncompressed size in the zip directory set to ``size``."""
    data = bytearray(workbook)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        info = archive.getinfo(member)
    name = member.encode()
    central = position = -1
    while (position := data.find(b"PK\x01\x02", position + 1)) != -1:
        length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + length] == name:
            central = position
            break
    if central < 0 or info.file_size >= 0xFFFFFFFF:
        raise ValueError(f"{member} is not a plain (non-zip64) member of the workbook")
    struct.pack_into("<I", data, central + 24, size)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    return bytes(data)


def billion_laughs_rdf(levels: int = 10) -> bytes:
    """RDF/XML of about 1 KB whose title expands to 10**levels characters."""
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">'
        '<dcat:Dataset rdf:about="http://127.0.0.1/d1">'
        f"<dct:title>&l{levels - 1};</dct:title></dcat:Dataset></rdf:RDF>"
    ).encode()


def deep_json_ld(depth: int = 100_000) -> bytes:
    """A JSON-LD document nested ``depth`` levels."""
    return b'{"@id": "http://e/a", "http://e/p": ' * depth + b"1" + b"}" * depth
