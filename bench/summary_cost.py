"""Prompt tokens of "summarize this client" with 50, 500 and 5,000 past messages and 10 new ones.

The incremental summary keeps the prompt flat: the stored rolling summary plus only the new messages. Tokens
are counted with the local model's own tokenizer (the 0.5B GGUF, vocabulary only) when it is prepared, else
estimated at 4 characters a token. A fake model answers (this measures the prompt, not the model).
Last line: one JSON object with `growth` = tokens at 5,000 / tokens at 50."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import BaseMessage

from assistant.chains.summary import NARRATIVE
from assistant.history import summarize_client
from assistant.llm import ChatRunner
from bench.rows import client_chat, client_text
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Conversation, Message
from tests.assistant.fakes import ToolCallingFake

SIZES = (50, 500, 5000)
NEW = 10
PHRASES = [
    "Добрый день, когда будет доставка заказа?",
    "Пришлите, пожалуйста, счёт на оплату и акт сверки за квартал.",
    "Монтаж перенесли, нас это не устраивает, ждём ответа.",
    "Спасибо, всё получили, документы подписали.",
    "Нужно ещё 20 коробок бумаги до пятницы.",
]


def tokenizer() -> tuple[str, Callable[[str], int]]:
    try:
        from llama_cpp import Llama  # type: ignore[import-not-found,unused-ignore]

        from assistant.local_models import model_path

        vocab = Llama(model_path=str(model_path("0.5b")), vocab_only=True, verbose=False)
        return "qwen2.5 gguf", lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=True))
    except Exception:  # no llama.cpp or no model here: estimate
        return "chars/4", lambda text: len(text) // 4


def summarizer(count: Callable[[str], int], seen: list[int]) -> ToolCallingFake:
    def answer(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        seen.append(sum(count(str(m.content)) for m in messages))
        ids = [int(i) for i in re.findall(r"id=(\d+)", str(messages[-1].content).split("New messages:")[1])]
        sections = [*NARRATIVE, *NARRATIVE]  # a full answer: two points in every section the model writes
        return {
            "points": [
                {
                    "section": s,
                    "text": f"Пункт {n}: клиент просил доставку и счёт, менеджер обещал к пятнице.",
                    "cites": ids[-2:],
                }
                for n, s in enumerate(sections)
            ]
        }

    return ToolCallingFake(responder=answer)


async def seed(db: Database, past: int) -> int:
    rng = random.Random(past)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    async with db.session() as session, session.begin():
        client, contact, conversation = await client_chat(
            session, client="ООО Ромашка", contact="Анна", account="site", key="u1"
        )
        session.add_all(
            Message(
                conversation_id=conversation.id or 0,
                channel="api",
                account="site",
                message_key=f"m{i}",
                direction="inbound",
                author_contact_id=contact.id,
                kind="text",
                text=rng.choice(PHRASES),
                sent_at=start + timedelta(hours=i),
            )
            for i in range(past)
        )
        return client.id or 0


async def add_new(db: Database, client_id: int, past: int) -> None:
    async with db.session() as session, session.begin():
        conversation = (await session.execute(Conversation.__table__.select())).first()  # type: ignore[attr-defined]
        assert conversation is not None
        session.add_all(
            client_text(
                conversation.id,
                f"new{i}",
                PHRASES[i % len(PHRASES)],
                datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            )
            for i in range(NEW)
        )


async def measure(past: int, count: Callable[[str], int], folder: Path) -> dict[str, Any]:
    db = Database(f"sqlite+aiosqlite:///{folder / f'bench{past}.db'}")
    await upgrade(db)
    client_id = await seed(db, past)
    seen: list[int] = []
    runner = ChatRunner(summarizer(count, seen))
    _, backlog = await summarize_client(db, runner, client_id)  # the one-time fold of the history
    await add_new(db, client_id, past)
    seen.clear()
    started = time.perf_counter()
    _, result = await summarize_client(db, runner, client_id)
    wall = time.perf_counter() - started
    await db.dispose()
    full_history = sum(count(p) for p in PHRASES) * (past + NEW) // len(PHRASES)
    return {
        "past": past,
        "prompt_tokens": seen[0],
        "calls": result.calls,
        "wall_s": round(wall, 3),
        "backlog_fold_calls": backlog.calls,
        "backlog_skipped": backlog.skipped,
        "full_history_tokens_est": full_history,
    }


async def main() -> None:
    name, count = tokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [await measure(past, count, Path(tmp)) for past in SIZES]
    for row in rows:
        print(
            f"{row['past']:>5} past + {NEW} new: prompt {row['prompt_tokens']} tokens "
            f"in {row['calls']} call(s), "
            f"{row['wall_s']} s (whole history would be ~{row['full_history_tokens_est']} tokens)"
        )
    growth = rows[-1]["prompt_tokens"] / rows[0]["prompt_tokens"]
    print(json.dumps({"bench": "summary_cost", "tokenizer": name, "growth": round(growth, 3), "rows": rows}))


if __name__ == "__main__":
    asyncio.run(main())
