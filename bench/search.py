"""Full-text search figures: rows written per second with the FTS triggers in place, and search latency over
N messages (default 20000). Run: python bench/search.py [DB_URL] [N]  (default: a temporary SQLite file).
The last line is one JSON object."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Contact, Conversation, Message
from storage.repos.search import search
from storage.types import utcnow

WORDS = [
    "акт",
    "сверки",
    "счёт",
    "оплата",
    "справка",
    "НДФЛ",
    "договор",
    "аренды",
    "накладная",
    "отчёт",
    "НДС",
    "декларация",
    "налог",
    "квартал",
    "пятница",
    "срочно",
    "пожалуйста",
    "спасибо",
    "добрый",
    "день",
    "вложение",
    "подпись",
    "печать",
    "возврат",
    "бухгалтерия",
]
QUERIES = ("акт сверки", "справку", "договор аренды", "НДС квартал", "декларац", "нет-такого-слова")


async def fill(db: Database, n: int) -> float:
    rng = random.Random(7)
    started = time.perf_counter()
    async with db.session() as session:
        contact = Contact(display_name="bench")
        session.add(contact)
        await session.flush()
        conversation = Conversation(
            channel="api", account="bench", conversation_key="b", contact_id=contact.id or 0
        )
        session.add(conversation)
        await session.flush()
        now = utcnow()
        for i in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
            session.add(
                Message(
                    conversation_id=conversation.id or 0,
                    channel="api",
                    account="bench",
                    message_key=f"b{i}",
                    direction="inbound",
                    kind="text",
                    text=text,
                    sent_at=now,
                )
            )
            if i % 2000 == 1999:
                await session.flush()
        await session.commit()
    return n / (time.perf_counter() - started)


async def main(url: str | None, n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(url or f"sqlite+aiosqlite:///{tmp}/bench.db")
        await upgrade(db)
        rate = await fill(db, n)
        timings: dict[str, float] = {}
        async with db.session() as session:
            for query in QUERIES:
                runs = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    await search(session, query=query, limit=30)
                    runs.append((time.perf_counter() - t0) * 1000)
                timings[query] = round(statistics.median(runs), 2)
        await db.dispose()
    return {
        "bench": "search",
        "dialect": "postgresql" if url and url.startswith("postgresql") else "sqlite",
        "messages": n,
        "insert_rows_per_s": round(rate),
        "search_ms_median": timings,
        "search_ms_worst": max(timings.values()),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    url = args[0] if args and "://" in args[0] else None
    count = int(args[-1]) if args and args[-1].isdigit() else 20000
    print(json.dumps(asyncio.run(main(url, count)), ensure_ascii=False))
