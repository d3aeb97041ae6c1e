"""A broadcast over a year of an office's chats: how long «Проверить получателей» (the plan, in the page's
request) and the `send_broadcast` job (every copy's message and Outbox row written in one transaction) take,
on SQLite and PostgreSQL. Sending itself is the Outbox's (paced under each platform's rate), not measured.

    python bench/broadcast.py [--clients 5000] [--messages 20] [--dbs sqlite,postgres]

Each client is a contact with a Telegram chat and `messages` messages over the last year. The last line is
one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ingest import database
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Contact, Conversation, Message, Staff
from storage.repos.accounts import add_staff
from storage.types import utcnow
from workers.broadcasts import check_draft, plan, send, write_copies
from workers.queue import InlineQueue

TEXT = "{имя}, добрый день! С 31 декабря по 8 января офис не работает."


async def seed(db: Database, *, clients: int, messages: int) -> Staff:
    now = utcnow()
    async with db.session() as session:
        sender = await add_staff(session, name="Виктор", role="supervisor")
        for start in range(0, clients, 500):
            people = [Contact(display_name=f"Клиент {n}") for n in range(start, min(start + 500, clients))]
            session.add_all(people)
            await session.flush()
            chats = [
                Conversation(
                    channel="telegram",
                    account="clients",
                    conversation_key=str(7_000_000 + (p.id or 0)),
                    contact_id=p.id or 0,
                )
                for p in people
            ]
            session.add_all(chats)
            session.add_all(
                ChannelIdentity(
                    channel="telegram",
                    account="clients",
                    external_id=str(7_000_000 + (p.id or 0)),
                    contact_id=p.id or 0,
                )
                for p in people
            )
            await session.flush()
            session.add_all(
                Message(
                    conversation_id=chat.id or 0,
                    channel="telegram",
                    account="clients",
                    message_key=f"{chat.id}:{m}",
                    direction="inbound",
                    author_contact_id=chat.contact_id,
                    kind="text",
                    text="Пришлите акт сверки",
                    sent_at=now - timedelta(days=365 * m / messages),
                )
                for chat in chats
                for m in range(messages)
            )
            await session.flush()
        await session.commit()
        return sender


async def one(kind: str, workdir: Path, *, clients: int, messages: int) -> dict[str, Any]:
    async with database(kind, workdir) as url:
        db = Database(url)
        await upgrade(db)
        sender = await seed(db, clients=clients, messages=messages)
        draft = check_draft(text=TEXT, channels=["telegram"], since_days=365)
        started = time.perf_counter()
        async with db.session() as session:
            the_plan = await plan(session, draft, sender=sender, now=utcnow())
        planned = time.perf_counter() - started
        queue = InlineQueue({}, ctx={})  # no worker: the copies' sends are the Outbox's, not measured
        broadcast_id, _ = await send(db, queue, draft, key="bench", sender=sender, now=utcnow())
        started = time.perf_counter()
        # the job `send_broadcast` runs
        await write_copies(db, queue, broadcast_id, now=utcnow(), tz=ZoneInfo("Europe/Moscow"))
        sent = time.perf_counter() - started
        await db.dispose()
    figures = {"recipients": len(the_plan.sending), "plan_s": round(planned, 2), "send_s": round(sent, 2)}
    print(
        f"{kind}: {clients} clients, {clients * messages} messages: plan {planned:.2f} s "
        f"({len(the_plan.sending)} recipients), the job {sent:.2f} s (messages and Outbox rows written)",
        flush=True,
    )
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--dbs", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, Any] = {"clients": args.clients, "messages": args.clients * args.messages}
    with tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp:
        for kind in args.dbs.split(","):
            results[kind] = await one(kind, Path(tmp), clients=args.clients, messages=args.messages)
    print(json.dumps({"bench": "broadcast", **results}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
