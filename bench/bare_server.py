"""The physical bound for bench/ingest.py: a bare aiohttp handler that inserts one row into the same database
(same engine set-up as okno) and answers 200. Run: python bench/bare_server.py DB_URL PORT"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from storage.db import Database

rows = Table("bare_event", MetaData(), Column("id", Integer, primary_key=True), Column("body", LargeBinary))


async def make_app(url: str) -> web.Application:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(rows.metadata.create_all)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        async with db.session() as session:
            await session.execute(rows.insert().values(body=body))
            await session.commit()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/bare", handle)
    return app


if __name__ == "__main__":
    web.run_app(make_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), print=None, access_log=None)
