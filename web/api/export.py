"""The export for the ledger system, in its own columns (results.export), streamed as CSV.

`GET /api/v1/ledger/export[?township=…][&unmasked=true]`: the ledger system and admins get
every township (or one) and may ask for full ID numbers; staff get their own township, masked,
and asking for full numbers is refused (403).
"""

from __future__ import annotations

import csv
import io

from aiohttp import web

from results import EXPORT_COLUMNS, export_rows
from web.api.auth import ENGINE, principal
from web.api.body import query_flag
from web.api.errors import forbidden
from web.api.tokens import Role

_BATCH = 1000


async def export(request: web.Request) -> web.StreamResponse:
    who = principal(request, Role.STAFF, Role.LEDGER, Role.ADMIN)
    unmasked = query_flag(request, "unmasked")
    township = request.query.get("township") or None
    if who.role is Role.STAFF:
        if unmasked:
            raise forbidden()
        township = who.township
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="ledger-export.csv"',
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel and WPS open UTF-8 with BOM with the Chinese intact
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    async for cells in export_rows(request.app[ENGINE], unmasked=unmasked, township=township):
        writer.writerow(cells)
        rows += 1
        if rows % _BATCH == 0:
            await response.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response
