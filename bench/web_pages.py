"""Staff web page times on a year of an accounting firm: the inbox (its queues and counts) and a request page
whose client has a long history, over real HTTP with a signed-in supervisor, on SQLite and PostgreSQL.

    python bench/web_pages.py [--requests 5000] [--history 500] [--dbs sqlite,postgres] [--views 20]

Also prints the SQL statements one page view runs. The last line is one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ingest import database
from bench.rows import client_chat
from okno.app import build_app
from okno.services import build_services
from okno.settings import load_settings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Attachment, Message, Request
from storage.repos.accounts import add_staff
from storage.types import utcnow
from web.passwords import hash_password

PASSWORD = "bench-password-1"
# what one row of each page looks like in its HTML
ROW_MARK = {
    "inbox_unanswered": "data-request=",
    "inbox_done": "data-request=",
    "request_page": 'class="msg',
    "client_page": '<li><a href="/ui/requests/',
}
STATUSES = ("done", "done", "done", "done", "cancelled", "in_work", "waiting_client")


async def seed(url: str, *, requests: int, history: int) -> int:
    """`requests` requests over a year (most finished, a few dozen new), one client with `history` messages
    and files; returns that client's newest request."""
    db = Database(url)
    await upgrade(db)
    now = utcnow()
    async with db.session() as session:
        await add_staff(
            session,
            name="Виктор",
            role="supervisor",
            email="boss@bench",
            password_hash=hash_password(PASSWORD),
        )
        client, contact, conversation = await client_chat(
            session, client="ООО «Ромашка»", contact="Ирина", account="bench", key="c1"
        )
        rows = []
        for i in range(requests):
            at = now - timedelta(minutes=(requests - i) * 105)  # a year for 5,000
            status = "new" if i >= requests - 40 else STATUSES[i % len(STATUSES)]
            rows.append(
                Request(
                    contact_id=contact.id or 0,
                    client_id=client.id,
                    origin_channel="api",
                    what=f"Обращение {i}: акт сверки",
                    status=status,
                    created_at=at,
                    last_activity_at=at,
                    done_at=at if status in ("done", "cancelled") else None,
                )
            )
        session.add_all(rows)
        await session.flush()
        newest = rows[-1]
        for i in range(history):
            message = Message(
                conversation_id=conversation.id or 0,
                request_id=newest.id if i >= history - 5 else rows[i % len(rows)].id,
                channel="api",
                account="bench",
                direction="inbound" if i % 2 == 0 else "outbound",
                kind="text",
                message_key=f"bench:{i}",
                text=f"Сообщение {i}: пришлите, пожалуйста, акт сверки за квартал.",
                sent_at=now - timedelta(hours=history - i),
            )
            session.add(message)
            await session.flush()
            if i % 10 == 0:
                session.add(
                    Attachment(
                        message_id=message.id or 0, position=0, filename=f"акт-{i}.pdf", kind="document"
                    )
                )
        await session.commit()
        newest_id = newest.id or 0
    await db.dispose()
    return newest_id


@contextmanager
def counting(db: Database) -> Iterator[list[int]]:
    """Counts the statements the engine executes while inside."""
    count = [0]

    def one(*_args: Any) -> None:
        count[0] += 1

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", one)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", one)


async def measure(url: str, workdir: Path, *, requests: int, history: int, views: int) -> dict[str, Any]:
    request_id = await seed(url, requests=requests, history=history)
    settings = load_settings(data_dir=workdir / "data", database_url=url, secret_key=None)
    services = await build_services(settings)
    runner = aiohttp.web.AppRunner(build_app(services), access_log=None)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    figures: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/ui/login") as resp:
                csrf = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
            assert csrf is not None
            form = {"login": "boss@bench", "password": PASSWORD, "csrf": csrf.group(1)}
            async with http.post(f"{base}/ui/login", data=form, allow_redirects=False) as resp:
                assert resp.status == 303, resp.status
            pages = {
                "inbox_unanswered": "/ui/?queue=unanswered",
                "inbox_done": "/ui/?queue=done",
                "request_page": f"/ui/requests/{request_id}",
                "client_page": "/ui/clients/1",  # the seeded client: every request and message is theirs
            }
            for name, path in pages.items():
                times = []
                with counting(services.db) as statements:
                    for _ in range(views):
                        started = time.perf_counter()
                        async with http.get(base + path) as resp:
                            body = await resp.text()
                            assert resp.status == 200, (path, resp.status)
                        times.append(time.perf_counter() - started)
                figures[name] = {
                    "p50_ms": round(statistics.median(times) * 1000, 1),
                    "max_ms": round(max(times) * 1000, 1),
                    "queries": statements[0] // views,
                    "rows": body.count(ROW_MARK[name]),
                }
    finally:
        await runner.cleanup()
        await services.close()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--dbs", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, Any] = {"requests": args.requests, "history": args.history}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.dbs.split(","):
            async with database(kind, Path(tmp)) as url:
                figures = await measure(
                    url, Path(tmp) / kind, requests=args.requests, history=args.history, views=args.views
                )
            results[kind] = figures
            for page, f in figures.items():
                print(
                    f"{kind:9} {page:17} p50 {f['p50_ms']:7.1f} ms  max {f['max_ms']:7.1f} ms"
                    f"  {f['queries']:5} queries  {f['rows']:4} rows"
                )
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
